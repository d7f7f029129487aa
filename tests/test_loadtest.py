"""qa.measure.loadtest: concurrent load on the app's /search API (short runs; `qa loadtest` does the full one)."""

from __future__ import annotations

import json
import shutil
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import pytest

from qa import config
from qa.measure.client import is_loopback_url, wait_until_ready
from qa.measure.loadtest import LoadReport, main, run_load, server_delta
from qa.measure.pool import question_pool


def test_ten_clients_for_five_seconds_get_no_errors(app_url: str) -> None:
    report = run_load(app_url, clients=10, duration=5, timeout=30)
    summary = report.summary()
    assert report.errors == 0, summary.error_samples
    assert report.ok >= 10 and summary.throughput_rps > 0
    latency = summary.latency_ms
    assert latency.p50 is not None and latency.p95 is not None and latency.max is not None
    assert latency.p50 <= latency.p95 <= latency.max
    assert set(summary.retrievers) <= {"hybrid", "bm25"}
    assert summary.questions >= 300  # the default pool


def test_turned_away_requests_are_neither_answers_nor_errors() -> None:
    report = LoadReport(clients=2, duration_s=2.0)
    report.record("甲", 120.0, {"retriever": "hybrid"}, None, False)
    report.record("乙", 3.0, {"retriever": "hybrid", "busy": True}, None, True)
    report.record("丙", 30000.0, None, "TimeoutError: timed out", False)
    summary = report.summary()
    assert (summary.requests, summary.ok, summary.turned_away, summary.errors) == (3, 1, 1, 1)
    assert summary.throughput_rps == 0.5 and summary.latency_ms.max == 120.0 and summary.turned_away_ms.max == 3.0
    assert "1 turned away, 1 errors" in summary.format() and "'丙': TimeoutError" in summary.error_samples[0]


@pytest.fixture
def slow_app() -> Iterator[tuple[str, list[float]]]:
    """A stand-in for the app's /api/search that answers after ``delay[0]`` seconds (no model, no corpus)."""
    delay = [0.0]

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            time.sleep(delay[0])
            body = json.dumps({"hits": [], "abstained": True, "retriever": "bm25"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", delay
    finally:
        server.shutdown()
        server.server_close()


def test_think_pauses_end_at_the_deadline(slow_app: tuple[str, list[float]]) -> None:
    url, _ = slow_app
    began = time.perf_counter()
    report = run_load(url, clients=4, duration=1.0, think=5.0, questions=["第三条"])
    wall = time.perf_counter() - began
    summary = report.summary()
    # Pauses of up to 10 s would have run past the 1 s deadline; they are cut there, and so is the window.
    assert wall < 2.5 and 1.0 <= summary.duration_s < 1.5
    assert report.ok >= 1 and summary.throughput_rps == round(report.ok / report.duration_s, 2)


def test_the_window_ends_at_the_last_answer_in_flight_at_the_deadline(slow_app: tuple[str, list[float]]) -> None:
    url, delay = slow_app
    delay[0] = 0.6
    report = run_load(url, clients=1, duration=1.0, questions=["第三条"])
    # Asked at 0 s and 0.6 s, answered at 0.6 s and 1.2 s: both answers fall inside a 1.2 s window.
    assert report.ok == 2 and report.errors == 0
    assert 1.2 <= report.duration_s < 1.6
    assert report.summary().throughput_rps == round(2 / report.duration_s, 2)


def test_server_counters_are_those_of_the_load_alone() -> None:
    before = {"cache": {"hits": 2, "misses": 8, "capacity": 1024}, "encoder": {"batches": 3, "questions": 9, "turned_away": 0}}
    after = {
        "cache": {"hits": 32, "misses": 18, "capacity": 1024},
        "encoder": {"batches": 8, "questions": 29, "turned_away": 4, "largest": 7, "max_batch": 16, "max_waiting": 64},
    }
    delta = server_delta(before, after)
    assert delta["cache"] == {"hits": 30, "misses": 10, "hit_rate": 0.75, "capacity": 1024}
    assert delta["encoder"] == {"batches": 5, "questions": 20, "turned_away": 4, "mean_batch": 4.0, "largest": 7, "max_batch": 16, "max_waiting": 64}
    assert server_delta({}, {}) == {}


def test_the_app_reports_its_counters(app_url: str) -> None:
    from qa.measure.client import SearchClient

    client = SearchClient(app_url, 30)
    try:
        client.search("动力电池回收利用", 3)
        client.search("动力电池回收利用", 3)
        stats = client.stats()
    finally:
        client.close()
    assert stats["cache"]["hits"] >= 1 and stats["cache"]["capacity"] > 0


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("http://127.0.0.1:7860/", True),
        ("http://127.8.9.10:7860", True),
        ("http://localhost:7860/", True),
        ("http://[::1]:7860/", True),
        ("http://192.168.1.10:7860/", False),
        ("http://0.0.0.0:7860/", False),
        ("http://example.com/", False),
        ("http://127.0.0.1.nip.io/", False),
        ("http://localhost.example.com/", False),
        ("file:///etc/passwd", False),
        ("ftp://127.0.0.1/", False),
    ],
)
def test_only_loopback_urls_are_loaded(url: str, ok: bool) -> None:
    assert is_loopback_url(url) is ok


def test_main_refuses_a_remote_url(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--url", "http://example.com/", "--duration", "1"]) == 2
    assert "refusing" in capsys.readouterr().err
    with pytest.raises(ValueError, match="non-loopback"):
        run_load("http://10.0.0.1:7860/", clients=1, duration=1)


def test_main_starts_the_app_itself_and_reports_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("QA_INDEX_DIR", str(tmp_path / "index"))
    assert main(["--model", "hash", "--clients", "4", "--duration", "2", "--cache-size", "0", "--json"]) == 0
    captured = capsys.readouterr()
    summary = json.loads(captured.out)
    assert summary["errors"] == 0 and summary["ok"] > 0 and summary["model"] == "hash"
    # The app started here ran with its cache off and batched its questions; its CPU was read.
    assert summary["server"]["cache"]["hits"] == 0 and summary["server"]["cache"]["capacity"] == 0
    assert summary["server"]["encoder"]["questions"] > 0
    assert summary["cpu"]["app_cores"] is not None and summary["cpu"]["app_peak_rss_mb"] > 0
    assert {"p50", "p95", "p99", "max", "mean"} <= summary["latency_ms"].keys()
    # Ready means /search answered with the semantic model, and the report says so (the progress line only "ready;").
    assert summary["ready"]["semantic"] is True and summary["ready"]["retriever"] == "hybrid"
    assert "ready; 4 clients" in captured.err and "app ready after" not in captured.err


def test_the_readiness_line_is_printed_once_in_the_report(app_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--url", app_url, "--clients", "2", "--duration", "1"]) == 0
    captured = capsys.readouterr()
    assert (captured.out + captured.err).count("app ready after") == 1
    assert captured.out.startswith("app ready after") and "with the semantic model" in captured.out.splitlines()[0]
    assert "ready; 2 clients" in captured.err


def test_ready_is_an_answer_from_the_semantic_model(app_url: str) -> None:
    ready = wait_until_ready(app_url, timeout=60)
    assert ready.semantic and ready.retriever == "hybrid" and ready.waited_s < 60
    assert "with the semantic model" in ready.describe()


def test_main_gives_up_at_once_when_nothing_answers_at_the_url(capsys: pytest.CaptureFixture[str]) -> None:
    from .conftest import free_port

    assert main(["--url", f"http://127.0.0.1:{free_port()}/", "--duration", "1"]) == 2
    assert "nothing answers at" in capsys.readouterr().err


def test_installed_from_a_wheel_the_pool_is_named_in_one_note(capsys: pytest.CaptureFixture[str], installed_from_wheel: Path) -> None:
    from .conftest import free_port

    assert main(["--url", f"http://127.0.0.1:{free_port()}/", "--duration", "1"]) == 2
    notes = [line for line in capsys.readouterr().err.splitlines() if "note:" in line]
    assert len(notes) == 1 and "tests/eval not found (installed from a wheel" in notes[0] and "pass --eval-dir DIR" in notes[0]


def test_eval_dir_replaces_the_evaluation_sets(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "mine.jsonl").write_text(json.dumps({"id": "M-1", "question": "只有这一个问题？", "lang": "zh", "kind": "paraphrase", "expected": [3]}, ensure_ascii=False) + "\n", encoding="utf-8")
    assert question_pool(eval_folder=tmp_path).count("只有这一个问题？") == 1
    assert main(["--url", "http://127.0.0.1:9/", "--eval-dir", str(tmp_path / "absent"), "--duration", "1"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == f"qa loadtest: error: --eval-dir {tmp_path / 'absent'}: no such folder"


def test_the_app_started_here_runs_in_the_callers_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """A relative --corpus means the caller's folder (not the checkout's), and a ``qa`` folder there is not imported."""
    shutil.copytree(config.bundled_corpus(), tmp_path / "mine")
    (tmp_path / "qa").mkdir()
    (tmp_path / "qa" / "__init__.py").write_text("raise SystemExit('the qa folder of the current directory was imported')\n")
    monkeypatch.chdir(tmp_path)
    assert main(["--model", "hash", "--corpus", "mine", "--clients", "2", "--duration", "1", "--json"]) == 0, capsys.readouterr().err
    assert json.loads(capsys.readouterr().out)["ok"] > 0


def test_main_refuses_app_options_for_an_app_it_did_not_start(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--url", "http://127.0.0.1:7860/", "--cache-size", "0"]) == 2
    assert "cannot change the app at --url" in capsys.readouterr().err


@pytest.mark.slow
def test_ten_clients_for_ten_seconds_with_the_real_model_get_no_errors(capsys: pytest.CaptureFixture[str]) -> None:
    """What CI runs: the app as `qa serve` starts it, with e5 + USE, under a short load."""
    code = main(["--clients", "10", "--duration", "10", "--json"])
    summary = json.loads(capsys.readouterr().out)
    assert code == 0 and summary["errors"] == 0, summary["error_samples"]
    assert summary["ok"] > 0 and summary["ready"]["semantic"] and summary["retrievers"].get("hybrid", 0) > 0
