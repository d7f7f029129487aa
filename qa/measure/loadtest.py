"""Concurrent load on the app's ``/search`` API: N clients asking questions for a bounded time.

``python -m qa.measure.loadtest --clients 50 --duration 60`` starts ``app.py`` on a free 127.0.0.1 port with
the bundled corpus (``--model``, ``--corpus``), waits until the semantic model has loaded, then runs
N client threads. Each client asks, waits for the answer and asks again: at once, or after a random
pause averaging ``--think`` seconds (random, so that the clients do not move in waves). Requests are
raw HTTP against Gradio's documented API: ``POST /gradio_api/call/search`` returns an event id, and
``GET /gradio_api/call/search/<id>`` streams the result as server-sent events. Reports throughput,
latency percentiles (of successful answers) and errors; exits 1 if any request failed.

With zero think time the clients keep ``--clients`` questions waiting at every moment, so latency is
about clients / throughput (Little's law): a p95 under 1 s for 50 such clients needs more than 50
answers a second.

``--url`` drives an app that is already running instead. Only loopback addresses are accepted: this
is a test of your own machine, not a tool for loading someone else's server.
"""

from __future__ import annotations

import argparse
import http.client
import ipaddress
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence
from urllib.parse import urlsplit

from qa import config

__all__ = ["main", "run", "build_parser", "run_load", "LoadReport", "is_loopback_url", "QUESTIONS"]


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


@dataclass
class LoadReport:
    clients: int
    duration_s: float
    requests: int = 0
    ok: int = 0
    errors: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    error_samples: list[str] = field(default_factory=list)
    retrievers: dict[str, int] = field(default_factory=dict)

    def summary(self) -> dict:
        lat = sorted(self.latencies_ms)

        def pct(p: float) -> float | None:
            if not lat:
                return None
            return round(lat[min(len(lat) - 1, max(0, int(round(p / 100 * len(lat) + 0.5)) - 1))], 1)

        return {
            "clients": self.clients,
            "duration_s": round(self.duration_s, 2),
            "requests": self.requests,
            "ok": self.ok,
            "errors": self.errors,
            "throughput_rps": round(self.ok / self.duration_s, 2) if self.duration_s else 0.0,
            "latency_ms": {
                "p50": pct(50),
                "p95": pct(95),
                "p99": pct(99),
                "max": round(lat[-1], 1) if lat else None,
                "mean": round(statistics.fmean(lat), 1) if lat else None,
            },
            "retrievers": dict(sorted(self.retrievers.items())),
            "error_samples": self.error_samples[:5],
        }


def is_loopback_url(url: str) -> bool:
    """True for http(s) URLs whose host is ``localhost`` or a loopback IP literal (no DNS lookups)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    if parts.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False


class _Client:
    """One persistent HTTP connection asking ``/search`` questions through Gradio's call API."""

    def __init__(self, url: str, timeout: float):
        parts = urlsplit(url)
        self.prefix = parts.path.rstrip("/")
        factory = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        self._new = lambda: factory(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80), timeout=timeout)
        self.conn = self._new()

    def _request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        for attempt in (1, 2):
            try:
                self.conn.request(method, self.prefix + path, body=body, headers=headers)
                response = self.conn.getresponse()
                return response.status, response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # A kept-alive connection the server closed meanwhile: reconnect once.
                self.conn.close()
                self.conn = self._new()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def search(self, question: str, k: int = 5) -> dict:
        status, body = self._request("POST", "/gradio_api/call/search", json.dumps({"data": [question, k]}).encode())
        if status != 200:
            raise RuntimeError(f"POST /gradio_api/call/search: HTTP {status} {body[:200]!r}")
        event_id = json.loads(body)["event_id"]
        status, body = self._request("GET", f"/gradio_api/call/search/{event_id}")
        if status != 200:
            raise RuntimeError(f"GET /gradio_api/call/search/{event_id}: HTTP {status} {body[:200]!r}")
        event, data = None, None
        for line in body.decode("utf-8").splitlines():
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:") and event in ("complete", "error"):
                data = line[5:].strip()
                if event == "complete":
                    break
        if event != "complete" or data is None:
            raise RuntimeError(f"search did not complete: event {event!r}, data {str(data)[:200]!r}")
        (answer,) = json.loads(data)
        if not isinstance(answer, dict) or not {"hits", "abstained", "retriever"} <= answer.keys():
            raise RuntimeError(f"malformed answer: {str(answer)[:200]}")
        if answer["abstained"] == bool(answer["hits"]):
            raise RuntimeError(f"inconsistent answer: abstained={answer['abstained']} with {len(answer['hits'])} hits")
        return answer

    def close(self) -> None:
        self.conn.close()


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
        client = _Client(url, timeout)
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
                    client = _Client(url, timeout)
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
        return s.getsockname()[1]


class _App:
    """``python app.py`` on 127.0.0.1 and a free port, in its own process (so the clients' threads do
    not share its interpreter lock); ready once the semantic model has loaded or failed to."""

    def __init__(self, model: str, corpus: str | None, log):  # type: ignore[no-untyped-def]
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log = log
        cmd = [sys.executable, str(config.ROOT / "app.py"), "--host", "127.0.0.1", "--port", str(self.port), "--model", model]
        if corpus:
            cmd += ["--corpus", corpus]
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self._tmp = None
        if model == "hash" and not env.get("QA_INDEX_DIR"):
            # The test double must not replace the real model's index of the corpus.
            import tempfile

            self._tmp = tempfile.TemporaryDirectory(prefix="qa-loadtest-index-")
            env["QA_INDEX_DIR"] = self._tmp.name
        self.proc = subprocess.Popen(cmd, cwd=config.ROOT, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env)
        self.lines: list[str] = []
        self._semantic = threading.Event()
        self._serving = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            line = line.rstrip()
            self.lines.append(line)
            if line.startswith("semantic search"):
                self.log(f"app: {line}")
                self._semantic.set()
            if line.startswith("serving on"):
                self._serving.set()

    def wait_ready(self, timeout: float) -> None:
        until = time.monotonic() + timeout
        while time.monotonic() < until:
            if self.proc.poll() is not None:
                tail = "\n".join(self.lines[-15:])
                raise RuntimeError(f"app.py exited with code {self.proc.returncode}:\n{tail}")
            if self._semantic.is_set() and self._serving.is_set():
                try:
                    _Client(self.url, 10).search("第一条", 1)
                    return
                except (OSError, RuntimeError):
                    pass
            time.sleep(0.2)
        raise RuntimeError(f"app.py not ready after {timeout:.0f} s:\n" + "\n".join(self.lines[-15:]))

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


def build_parser(add_help: bool = True) -> argparse.ArgumentParser:
    """The options; ``qa`` adds them as a sub-command with ``parents=[build_parser(add_help=False)]``
    and ``set_defaults(func=run)``."""
    parser = argparse.ArgumentParser(
        add_help=add_help,
        prog="qa loadtest",
        description=(
            "Load-test the app's /search API with concurrent clients on this machine and report throughput, "
            "p50/p95 latency and errors (exit code 1 if any request failed). Loopback addresses only."
        ),
    )
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (default: 50)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load (default: 60)")
    parser.add_argument("--url", help="a running app on 127.0.0.1/localhost/::1 (default: start app.py on a free port)")
    parser.add_argument("--model", default="e5+use", help="embedding model of the app started here: e5+use (default), e5, use or hash")
    parser.add_argument("--corpus", help="corpus of the app started here (default: the bundled one)")
    parser.add_argument("--think", type=float, default=0.0, help="mean seconds each client waits between questions, jittered uniformly in [0, 2×think] (default: 0)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds before one request counts as failed (default: 30)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    return parser


def _format(summary: dict) -> str:
    lat = summary["latency_ms"]
    lines = [
        f"clients {summary['clients']} · {summary['duration_s']} s · {summary['requests']} requests "
        f"({summary['ok']} ok, {summary['errors']} errors)",
        f"throughput {summary['throughput_rps']} answers/s",
        f"latency ms: p50 {lat['p50']} · p95 {lat['p95']} · p99 {lat['p99']} · max {lat['max']} · mean {lat['mean']}",
        f"retrievers used: {summary['retrievers']}",
    ]
    for sample in summary["error_samples"]:
        lines.append(f"error: {sample}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    return run(build_parser().parse_args(argv))


def run(args: argparse.Namespace) -> int:
    """Run the load test the parsed ``args`` describe; 0 if every request succeeded, 1 if some failed,
    2 if it could not run (refused URL, app did not start)."""

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    if args.clients < 1 or args.duration <= 0:
        log("qa loadtest: --clients must be at least 1 and --duration positive")
        return 2
    if args.url and not is_loopback_url(args.url):
        log(f"qa loadtest: refusing {args.url}: only http(s) URLs on localhost, 127.0.0.0/8 or ::1 are allowed")
        return 2
    app = None
    try:
        if args.url:
            url = args.url
        else:
            app = _App(args.model, args.corpus, log)
            log(f"starting app.py --model {args.model} on {app.url} …")
            app.wait_ready(timeout=600)
            url = app.url
        log(f"{args.clients} clients × {args.duration:g} s against {url}gradio_api/call/search …")
        report = run_load(url, clients=args.clients, duration=args.duration, think=args.think, timeout=args.timeout)
    except (RuntimeError, OSError) as exc:
        log(f"qa loadtest: {exc}")
        return 2
    finally:
        if app is not None:
            app.stop()
    summary = report.summary()
    if args.model and not args.url:
        summary["model"] = args.model
    print(json.dumps(summary, ensure_ascii=False) if args.json else _format(summary))
    return 0 if report.errors == 0 and report.ok > 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
