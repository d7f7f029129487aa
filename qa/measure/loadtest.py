"""Concurrent load on the app's ``/search`` API: N closed-loop clients asking real questions for a bounded time.

``qa loadtest --clients 50 --duration 60`` starts the app (``qa serve``, what ``app.py`` runs) on a free
127.0.0.1 port (``--model``, ``--corpus``, ``--cache-size 0`` for a cache-off run), asks its ``/search``
until the semantic model answers (or the app says it is unavailable), then runs N client threads over a
pool of distinct questions (:mod:`qa.measure.pool`), each from its own place in the pool. Each client
asks, waits for the answer and asks again: at once, or after a random pause averaging ``--think`` seconds
(random, so that the clients do not move in waves). Requests are raw HTTP against the app's JSON API,
``/api/search`` (``--api gradio``: Gradio's two-step call API instead; :mod:`qa.measure.client`).

Reported: answers/s and latency percentiles of the answers; errors (anything that failed, timed out or
came back malformed: exit 1); requests turned away (a "busy" answer or HTTP 503 — the app refusing work
beyond its capacity, quickly, as it should); the app's own counters over the load (answer-cache hit
rate, query batches: ``/api/stats``); and, for an app started here, the cores it
kept busy, its peak memory, the load generator's cores and the whole machine's busy share (:mod:`.procstat`).

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
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Sequence

from qa import config
from qa.measure.appprocess import AppProcess
from qa.measure.client import APIS, Readiness, SearchClient, TurnedAway, is_loopback_url, wait_until_ready
from qa.measure.metrics import mean, percentile
from qa.measure.pool import question_pool
from qa.measure.procstat import cpu_use, peak_rss_mb, sample
from qa.models import EMBEDDERS

__all__ = ["DESCRIPTION", "main", "run", "add_arguments", "run_load", "server_delta", "LoadReport", "LoadSummary", "Latency"]


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
    """What ``qa loadtest`` reports (``--json`` prints :meth:`to_dict`). ``ok`` counts answers;
    ``turned_away`` the requests the app refused at once (a "busy" answer or HTTP 503), which are
    neither answers nor errors; ``server`` the app's own counters over the load (answer cache,
    query encoder), ``cpu`` the cores the app kept busy and the machine's busy share."""

    clients: int
    duration_s: float
    think_s: float
    questions: int
    requests: int
    ok: int
    errors: int
    turned_away: int
    throughput_rps: float
    latency_ms: Latency
    turned_away_ms: Latency
    retrievers: dict[str, int]
    error_samples: list[str]
    server: dict[str, Any] = field(default_factory=dict)
    cpu: dict[str, Any] = field(default_factory=dict)
    model: str | None = None
    ready: Readiness | None = None
    api: str = "json"

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None or k not in ("model", "ready")}

    def format(self) -> str:
        lat, away = self.latency_ms, self.turned_away_ms
        lines = [self.ready.describe()] if self.ready else []
        lines += [
            f"clients {self.clients} · think {self.think_s} s · {self.duration_s} s · {self.questions} distinct questions · {self.api} API",
            f"requests {self.requests}: {self.ok} answered, {self.turned_away} turned away, {self.errors} errors",
            f"throughput {self.throughput_rps} answers/s",
            f"latency ms: p50 {lat.p50} · p95 {lat.p95} · p99 {lat.p99} · max {lat.max} · mean {lat.mean}",
        ]
        if self.turned_away:
            lines.append(f"turned away in ms: p50 {away.p50} · p95 {away.p95} · max {away.max}")
        lines.append(f"retrievers used: {self.retrievers}")
        cache, encoder = self.server.get("cache"), self.server.get("encoder")
        if cache:
            lines.append(f"answer cache: {cache['hits']} hits, {cache['misses']} misses, hit rate {cache['hit_rate']} (capacity {cache['capacity']})")
        if encoder:
            lines.append(f"query encoder: {encoder['questions']} questions in {encoder['batches']} batches (mean {encoder['mean_batch']}, largest {encoder['largest']}, {encoder.get('ms_per_question')} ms per question lately), {encoder['turned_away']} turned away")
        answering = self.server.get("answering")
        if answering:
            lines.append(f"answering: at most {answering['max_active']} at once, {answering['turned_away']} turned away there")
        api = self.server.get("api")
        if api:
            lines.append(f"JSON API: at most {api['threads']} in progress, {api['refused']} refused there")
        if self.cpu:
            app = self.cpu.get("app_cores")
            lines.append(
                f"cpu: app {app if app is not None else '?'} cores · load generator {self.cpu.get('client_cores')} cores · "
                f"machine {self.cpu.get('machine_percent')} % of {self.cpu.get('cores')} cores · app peak RSS {self.cpu.get('app_peak_rss_mb')} MB"
            )
        lines += [f"error: {sample}" for sample in self.error_samples]
        return "\n".join(lines)


@dataclass
class LoadReport:
    """The counters the client threads fill in while the load runs."""

    clients: int
    duration_s: float
    think_s: float = 0.0
    questions: int = 0
    requests: int = 0
    ok: int = 0
    errors: int = 0
    turned_away: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    turned_away_ms: list[float] = field(default_factory=list)
    error_samples: list[str] = field(default_factory=list)
    retrievers: dict[str, int] = field(default_factory=dict)
    api: str = "json"

    def record(self, question: str, elapsed_ms: float, answer: dict | None, error: str | None, turned_away: bool) -> None:
        """One request's outcome (callers hold the lock)."""
        self.requests += 1
        if turned_away:
            self.turned_away += 1
            self.turned_away_ms.append(elapsed_ms)
        elif error is not None or answer is None:
            self.errors += 1
            if len(self.error_samples) < 20:
                self.error_samples.append(f"{question[:80]!r}: {error}")
        else:
            self.ok += 1
            self.latencies_ms.append(elapsed_ms)
            self.retrievers[answer["retriever"]] = self.retrievers.get(answer["retriever"], 0) + 1

    def summary(
        self, *, model: str | None = None, ready: Readiness | None = None, server: dict[str, Any] | None = None, cpu: dict[str, Any] | None = None
    ) -> LoadSummary:
        return LoadSummary(
            clients=self.clients,
            duration_s=round(self.duration_s, 2),
            think_s=self.think_s,
            questions=self.questions,
            requests=self.requests,
            ok=self.ok,
            errors=self.errors,
            turned_away=self.turned_away,
            throughput_rps=round(self.ok / self.duration_s, 2) if self.duration_s else 0.0,
            latency_ms=Latency.of(self.latencies_ms),
            turned_away_ms=Latency.of(self.turned_away_ms),
            retrievers=dict(sorted(self.retrievers.items())),
            error_samples=self.error_samples[:5],
            server=server or {},
            cpu=cpu or {},
            model=model,
            ready=ready,
            api=self.api,
        )


def server_delta(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The app's counters over the load alone (``after`` − ``before``, rates recomputed)."""
    delta: dict[str, Any] = {}
    cache_a, cache_b = before.get("cache") or {}, after.get("cache") or {}
    if cache_b:
        hits = cache_b["hits"] - cache_a.get("hits", 0)
        misses = cache_b["misses"] - cache_a.get("misses", 0)
        delta["cache"] = {"hits": hits, "misses": misses, "hit_rate": round(hits / (hits + misses), 4) if hits + misses else 0.0, "capacity": cache_b["capacity"]}
    enc_a, enc_b = before.get("encoder") or {}, after.get("encoder") or {}
    if enc_b:
        counts = {k: enc_b[k] - enc_a.get(k, 0) for k in ("batches", "questions", "turned_away")}
        counts["mean_batch"] = round(counts["questions"] / counts["batches"], 2) if counts["batches"] else 0.0
        delta["encoder"] = counts | {k: enc_b[k] for k in ("largest", "max_batch", "max_waiting", "ms_per_question") if k in enc_b}
    act_a, act_b = before.get("answering") or {}, after.get("answering") or {}
    if act_b:
        delta["answering"] = {"turned_away": act_b["turned_away"] - act_a.get("turned_away", 0), "max_active": act_b["max_active"]}
    api_a, api_b = before.get("api") or {}, after.get("api") or {}
    if api_b:
        delta["api"] = {"refused": api_b["refused"] - api_a.get("refused", 0), "threads": api_b["threads"]}
    return delta


def run_load(
    url: str,
    *,
    clients: int = 50,
    duration: float = 60.0,
    think: float = 0.0,
    timeout: float = 30.0,
    questions: Sequence[str] | None = None,
    retry_after: float = 1.0,
    api: str = "json",
) -> LoadReport:
    """Drive ``url``'s ``/search`` with ``clients`` threads for ``duration`` seconds; in-flight requests finish.
    Each client walks the pool (default :func:`~qa.measure.pool.question_pool`) from its own starting point;
    a client turned away waits about ``retry_after`` seconds before its next question (0: asks again at once).

    The measured window (``duration_s``) runs from the start to the deadline, or to the last response if a
    request in flight then came back later, so every counted answer falls inside it. Pauses are cut at the
    deadline: a client pausing then has nothing more to ask, and its pause would only stretch the window."""
    if not is_loopback_url(url):
        raise ValueError(f"refusing to load a non-loopback URL: {url}")
    pool = list(questions) if questions is not None else question_pool()
    lock = threading.Lock()
    report = LoadReport(clients=clients, duration_s=0.0, think_s=think, questions=len(set(pool)), api=api)
    start_gate = threading.Barrier(clients + 1)
    last_response = 0.0

    def sleep_until_deadline(seconds: float) -> None:
        time.sleep(max(0.0, min(seconds, deadline - time.perf_counter())))

    def worker(n: int) -> None:
        nonlocal last_response
        client = SearchClient(url, timeout, api)
        i = n * len(pool) // clients
        pause = random.Random(n)
        start_gate.wait()
        if think:
            sleep_until_deadline(pause.uniform(0, think))  # staggered starts: no synchronised waves
        try:
            while time.perf_counter() < deadline:
                question = pool[i % len(pool)]
                i += 1
                began = time.perf_counter()
                answer, error, away = None, None, False
                try:
                    answer = client.search(question, k=1 + i % 5)
                except TurnedAway:
                    away = True
                except Exception as exc:  # noqa: BLE001 - every failure is counted and sampled
                    error = f"{type(exc).__name__}: {exc}"
                    client.close()
                    client = SearchClient(url, timeout, api)
                received = time.perf_counter()
                with lock:
                    report.record(question, (received - began) * 1000, answer, error, away)
                    last_response = max(last_response, received)
                if away and retry_after:
                    sleep_until_deadline(pause.uniform(0.5, 1.5) * retry_after)  # "try again in a moment", as a visitor would
                elif think:
                    sleep_until_deadline(pause.uniform(0, 2 * think))  # mean ``think``, jittered
        finally:
            client.close()

    threads = [threading.Thread(target=worker, args=(n,), daemon=True, name=f"load-{n}") for n in range(clients)]
    for t in threads:
        t.start()
    start = time.perf_counter()
    deadline = start + duration  # set before the gate opens: workers read it after
    start_gate.wait()
    for t in threads:
        t.join(duration + timeout + 10)
    report.duration_s = max(deadline, last_response) - start
    return report


# ------------------------------------------------------------------ command line


DESCRIPTION = (
    "Load-test the app's /search API with concurrent closed-loop clients on this machine, asking a pool of "
    "distinct questions (the evaluation sets, STARD when present, citations, bad inputs), and report answers/s, "
    "p50/p95/p99 latency, errors, requests turned away as busy, the answer cache's hit rate and the CPU the app "
    "used (exit code 1 if any request failed). Loopback addresses only. Waits first until /search answers with "
    "the semantic model (or says it is unavailable)."
)


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The options (``qa loadtest`` adds them to its sub-command, with ``set_defaults(func=run)``)."""
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (default: 50)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load (default: 60)")
    parser.add_argument("--url", help="a running app on 127.0.0.1/localhost/::1 (default: start `qa serve` on a free port)")
    parser.add_argument("--model", choices=EMBEDDERS, default="e5+use", help="embedding model of the app started here (default: e5+use; hash is a test double)")
    parser.add_argument("--corpus", help="corpus of the app started here (default: the bundled one)")
    parser.add_argument("--cache-size", type=int, metavar="N", help="answer cache of the app started here; 0 turns it off (default: the app's, 1024)")
    parser.add_argument("--max-waiting", type=int, metavar="N", help="questions the app started here lets wait for its model before answering busy (default: the app's, 64)")
    parser.add_argument("--think", type=float, default=0.0, help="mean seconds each client waits between questions, jittered uniformly in [0, 2×think] (default: 0)")
    parser.add_argument("--retry-after", type=float, default=1.0, help="mean seconds a client turned away as busy waits before asking again, jittered ±50 %% (default: 1)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds before one request counts as failed (default: 30)")
    parser.add_argument("--ready-timeout", type=float, default=600.0, help="seconds to wait for the app's semantic model before giving up (default: 600)")
    parser.add_argument("--api", choices=APIS, default="json", help="what the clients ask: the JSON API /api/search (default) or Gradio's call API /gradio_api/call/search")
    parser.add_argument("--eval-dir", metavar="DIR", help="folder of JSON Lines question sets whose questions join the pool (default: tests/eval of the checkout)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = add_arguments(argparse.ArgumentParser(prog="qa loadtest", description=DESCRIPTION))
    return run(parser.parse_args(argv))


def _server_stats(url: str) -> dict[str, Any]:
    client = SearchClient(url, 10)
    try:
        return client.stats()
    except (OSError, RuntimeError):
        return {}  # an app without the stats endpoint
    finally:
        client.close()


def run(args: argparse.Namespace) -> int:
    """Run the load test the parsed ``args`` describe; 0 if every request succeeded, 1 if some failed,
    2 if it could not run (refused URL, app did not start or get ready)."""

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    if args.clients < 1 or args.duration <= 0 or args.think < 0:
        log("qa loadtest: error: --clients must be at least 1, --duration positive and --think not negative")
        return 2
    if args.url and not is_loopback_url(args.url):
        log(f"qa loadtest: error: refusing {args.url}: only http(s) URLs on localhost, 127.0.0.0/8 or ::1 are allowed")
        return 2
    if args.url and (args.cache_size is not None or args.max_waiting is not None):
        log("qa loadtest: error: --cache-size and --max-waiting set up the app started here; they cannot change the app at --url")
        return 2
    if args.eval_dir and not Path(args.eval_dir).is_dir():
        log(f"qa loadtest: error: --eval-dir {args.eval_dir}: no such folder")
        return 2
    missing = None if args.eval_dir else config.absent_default(config.eval_dir())
    if missing:
        log(f"qa loadtest: note: {missing}; pass --eval-dir DIR to ask the evaluation questions too (asking STARD's, citations and bad inputs only)")
    app = None
    pool = question_pool(eval_folder=Path(args.eval_dir) if args.eval_dir else None)
    try:
        if args.url:
            url, pid = args.url, None
            ready = wait_until_ready(url, args.ready_timeout, api=args.api)
        else:
            app = AppProcess(args.model, args.corpus, cache_size=args.cache_size, max_waiting=args.max_waiting)
            log(f"starting qa serve --model {args.model} on {app.url} …")
            ready = wait_until_ready(app.url, args.ready_timeout, starting=app.alive, api=args.api)
            url, pid = app.url, app.proc.pid
        log(f"ready; {args.clients} clients × {args.duration:g} s (think {args.think:g} s) asking {len(pool)} distinct questions of {url}{'api/search' if args.api == 'json' else 'gradio_api/call/search'} …")
        before, cpu_before, own_before = _server_stats(url), sample(pid), _own_cpu()
        report = run_load(
            url, clients=args.clients, duration=args.duration, think=args.think, timeout=args.timeout, questions=pool, retry_after=args.retry_after, api=args.api
        )
        cpu_after, own_after = sample(pid), _own_cpu()
        server = server_delta(before, _server_stats(url))
        use = cpu_use(cpu_before, cpu_after)
        wall = cpu_after.wall - cpu_before.wall
        cpu = {
            "app_cores": use.process_cores,
            "client_cores": round((own_after - own_before) / wall, 2) if wall > 0 else None,
            "machine_percent": use.machine_percent,
            "cores": use.cores,
            "app_peak_rss_mb": peak_rss_mb(pid),
        }
    except (RuntimeError, OSError) as exc:
        log(f"qa loadtest: error: {exc}")
        return 2
    finally:
        if app is not None:
            app.stop()
    summary = report.summary(model=None if args.url else args.model, ready=ready, server=server, cpu=cpu)
    print(json.dumps(summary.to_dict(), ensure_ascii=False) if args.json else summary.format())
    return 0 if report.errors == 0 and report.ok > 0 else 1


def _own_cpu() -> float:
    """CPU seconds of this process (the load generator's threads)."""
    times = os.times()
    return times.user + times.system


if __name__ == "__main__":
    raise SystemExit(main())
