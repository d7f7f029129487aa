"""Concurrent load on the app's ``/search`` API: N clients asking questions for a bounded time.

``python -m qa.measure.loadtest --clients 50 --duration 60`` starts the app (``qa serve``, what ``app.py``
runs) on a free 127.0.0.1 port with the bundled corpus (``--model``, ``--corpus``), asks its ``/search``
until the semantic model answers (or the app says it is unavailable), then runs N client threads. Each
client asks, waits for the answer and asks again: at once, or after a random pause averaging ``--think``
seconds (random, so that the clients do not move in waves). Requests are raw HTTP against Gradio's
call API (:mod:`qa.measure.client`). Reports throughput, latency percentiles (of successful answers)
and errors; exits 1 if any request failed.

With zero think time the clients keep ``--clients`` questions waiting at every moment, so latency is
about clients / throughput (Little's law): a p95 under 1 s for 50 such clients needs more than 50
answers a second.

``--url`` drives an app that is already running instead. Only loopback addresses are accepted: this
is a test of your own machine, not a tool for loading someone else's server.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from typing import Any, Sequence

from qa import config
from qa.measure.client import Readiness, SearchClient, is_loopback_url, wait_until_ready
from qa.measure.metrics import mean, percentile
from qa.models import EMBEDDERS

__all__ = ["DESCRIPTION", "main", "run", "add_arguments", "run_load", "LoadReport", "LoadSummary", "Latency", "QUESTIONS"]


#: What the clients ask, in turn: paraphrased Chinese and English questions, citations, questions
#: outside the law (abstentions) and a few awkward inputs. Each client starts at a different place.
QUESTIONS = (
    "增程式的车算新能源车吗？",
    "条例里说的产业集群是什么意思？",
    "政府在新能源汽车产业发展中发挥哪些作用？",
    "Do plug-in hybrids count as new energy vehicles?",
    "What is the purpose of this regulation?",
    "第三条第二款",
    "Art. 2",
    "今天天气怎么样？",
    "新能源汽车产业集群的发展应当坚持什么原则？",
    "Which government departments are responsible for the NEV industry?",
    "燃料电池汽车属于新能源汽车吗",
    "第九十九条",
    "<b>充电</b> 基础设施 🚗",
    "本條例適用於哪些地區？",
)


@dataclass(frozen=True)
class Latency:
    """Milliseconds per successful answer (None when there were none)."""

    p50: float | None
    p95: float | None
    p99: float | None
    max: float | None
    mean: float | None

    @classmethod
    def of(cls, values: Sequence[float]) -> Latency:
        if not values:
            return cls(None, None, None, None, None)
        p50, p95, p99 = (round(percentile(values, q), 1) for q in (50, 95, 99))
        return cls(p50, p95, p99, round(max(values), 1), round(mean(values), 1))


@dataclass(frozen=True)
class LoadSummary:
    """What ``qa loadtest`` reports (``--json`` prints :meth:`to_dict`)."""

    clients: int
    duration_s: float
    requests: int
    ok: int
    errors: int
    throughput_rps: float
    latency_ms: Latency
    retrievers: dict[str, int]
    error_samples: list[str]
    model: str | None = None
    ready: Readiness | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None or k not in ("model", "ready")}

    def format(self) -> str:
        lat = self.latency_ms
        lines = [self.ready.describe()] if self.ready else []
        lines += [
            f"clients {self.clients} · {self.duration_s} s · {self.requests} requests ({self.ok} ok, {self.errors} errors)",
            f"throughput {self.throughput_rps} answers/s",
            f"latency ms: p50 {lat.p50} · p95 {lat.p95} · p99 {lat.p99} · max {lat.max} · mean {lat.mean}",
            f"retrievers used: {self.retrievers}",
        ]
        lines += [f"error: {sample}" for sample in self.error_samples]
        return "\n".join(lines)


@dataclass
class LoadReport:
    """The counters the client threads fill in while the load runs."""

    clients: int
    duration_s: float
    requests: int = 0
    ok: int = 0
    errors: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    error_samples: list[str] = field(default_factory=list)
    retrievers: dict[str, int] = field(default_factory=dict)

    def summary(self, *, model: str | None = None, ready: Readiness | None = None) -> LoadSummary:
        return LoadSummary(
            clients=self.clients,
            duration_s=round(self.duration_s, 2),
            requests=self.requests,
            ok=self.ok,
            errors=self.errors,
            throughput_rps=round(self.ok / self.duration_s, 2) if self.duration_s else 0.0,
            latency_ms=Latency.of(self.latencies_ms),
            retrievers=dict(sorted(self.retrievers.items())),
            error_samples=self.error_samples[:5],
            model=model,
            ready=ready,
        )


def run_load(
    url: str,
    *,
    clients: int = 50,
    duration: float = 60.0,
    think: float = 0.0,
    timeout: float = 30.0,
    questions: Sequence[str] = QUESTIONS,
) -> LoadReport:
    """Drive ``url``'s ``/search`` with ``clients`` threads for ``duration`` seconds; in-flight requests finish."""
    if not is_loopback_url(url):
        raise ValueError(f"refusing to load a non-loopback URL: {url}")
    lock = threading.Lock()
    report = LoadReport(clients=clients, duration_s=0.0)
    start_gate = threading.Barrier(clients + 1)

    def worker(n: int) -> None:
        client = SearchClient(url, timeout)
        i = n
        pause = random.Random(n)
        start_gate.wait()
        if think:
            time.sleep(pause.uniform(0, think))  # staggered starts: no synchronised waves
        try:
            while time.perf_counter() < deadline:
                question = questions[i % len(questions)]
                i += 1
                began = time.perf_counter()
                try:
                    answer = client.search(question, k=1 + i % 5)
                    error = None
                except Exception as exc:  # noqa: BLE001 - every failure is counted and sampled
                    error = f"{type(exc).__name__}: {exc}"
                    client.close()
                    client = SearchClient(url, timeout)
                elapsed = (time.perf_counter() - began) * 1000
                with lock:
                    report.requests += 1
                    if error is None:
                        report.ok += 1
                        report.latencies_ms.append(elapsed)
                        report.retrievers[answer["retriever"]] = report.retrievers.get(answer["retriever"], 0) + 1
                    else:
                        report.errors += 1
                        if len(report.error_samples) < 20:
                            report.error_samples.append(f"{question!r}: {error}")
                if think:
                    time.sleep(pause.uniform(0, 2 * think))  # mean ``think``, jittered
        finally:
            client.close()

    threads = [threading.Thread(target=worker, args=(n,), daemon=True, name=f"load-{n}") for n in range(clients)]
    for t in threads:
        t.start()
    deadline = time.perf_counter() + duration  # set before the gate opens: workers read it after
    start_gate.wait()
    began = time.perf_counter()
    for t in threads:
        t.join(duration + timeout + 10)
    report.duration_s = time.perf_counter() - began
    return report


# ------------------------------------------------------------------ starting the app


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class _App:
    """``qa serve`` (what ``python app.py`` runs) on 127.0.0.1 and a free port, in its own process (so
    the clients' threads do not share its interpreter lock)."""

    def __init__(self, model: str, corpus: str | None):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        cmd = [sys.executable, "-m", "qa.app.serve", "--host", "127.0.0.1", "--port", str(self.port), "--model", model]
        if corpus:
            cmd += ["--corpus", corpus]
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if model == "hash" and not env.get("QA_INDEX_DIR"):
            # The test double must not replace the real model's index of the corpus.
            self._tmp = tempfile.TemporaryDirectory(prefix="qa-loadtest-index-")
            env["QA_INDEX_DIR"] = self._tmp.name
        self.proc = subprocess.Popen(cmd, cwd=config.ROOT, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env)
        self.lines: deque[str] = deque(maxlen=15)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        """Keep the app's log, to show its last lines if it exits."""
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line.rstrip())

    def alive(self) -> None:
        if self.proc.poll() is not None:
            time.sleep(0.2)  # let the reader catch the last lines
            tail = "\n".join(self.lines)
            raise RuntimeError(f"the app exited with code {self.proc.returncode}:\n{tail}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self._tmp is not None:
            self._tmp.cleanup()


# ------------------------------------------------------------------ command line


DESCRIPTION = (
    "Load-test the app's /search API with concurrent clients on this machine and report throughput, "
    "p50/p95 latency and errors (exit code 1 if any request failed). Loopback addresses only. "
    "Waits first until /search answers with the semantic model (or says it is unavailable)."
)


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The options (``qa loadtest`` adds them to its sub-command, with ``set_defaults(func=run)``)."""
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (default: 50)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load (default: 60)")
    parser.add_argument("--url", help="a running app on 127.0.0.1/localhost/::1 (default: start `qa serve` on a free port)")
    parser.add_argument("--model", choices=EMBEDDERS, default="e5+use", help="embedding model of the app started here (default: e5+use; hash is a test double)")
    parser.add_argument("--corpus", help="corpus of the app started here (default: the bundled one)")
    parser.add_argument("--think", type=float, default=0.0, help="mean seconds each client waits between questions, jittered uniformly in [0, 2×think] (default: 0)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds before one request counts as failed (default: 30)")
    parser.add_argument("--ready-timeout", type=float, default=600.0, help="seconds to wait for the app's semantic model before giving up (default: 600)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = add_arguments(argparse.ArgumentParser(prog="qa loadtest", description=DESCRIPTION))
    return run(parser.parse_args(argv))


def run(args: argparse.Namespace) -> int:
    """Run the load test the parsed ``args`` describe; 0 if every request succeeded, 1 if some failed,
    2 if it could not run (refused URL, app did not start or get ready)."""

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    if args.clients < 1 or args.duration <= 0:
        log("qa loadtest: error: --clients must be at least 1 and --duration positive")
        return 2
    if args.url and not is_loopback_url(args.url):
        log(f"qa loadtest: error: refusing {args.url}: only http(s) URLs on localhost, 127.0.0.0/8 or ::1 are allowed")
        return 2
    app = None
    try:
        if args.url:
            url = args.url
            ready = wait_until_ready(url, args.ready_timeout)
        else:
            app = _App(args.model, args.corpus)
            log(f"starting qa serve --model {args.model} on {app.url} …")
            ready = wait_until_ready(app.url, args.ready_timeout, starting=app.alive)
            url = app.url
        log(ready.describe())
        log(f"{args.clients} clients × {args.duration:g} s against {url}gradio_api/call/search …")
        report = run_load(url, clients=args.clients, duration=args.duration, think=args.think, timeout=args.timeout)
    except (RuntimeError, OSError) as exc:
        log(f"qa loadtest: error: {exc}")
        return 2
    finally:
        if app is not None:
            app.stop()
    summary = report.summary(model=None if args.url else args.model, ready=ready)
    print(json.dumps(summary.to_dict(), ensure_ascii=False) if args.json else summary.format())
    return 0 if report.errors == 0 and report.ok > 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
