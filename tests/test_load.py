"""Concurrent load on the app's /search API (a short run; `qa loadtest` does the full one)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.measure.client import is_loopback_url, wait_until_ready
from qa.measure.loadtest import main, run_load


def test_ten_clients_for_five_seconds_get_no_errors(app_url: str) -> None:
    report = run_load(app_url, clients=10, duration=5, timeout=30)
    summary = report.summary()
    assert report.errors == 0, summary.error_samples
    assert report.ok >= 10 and summary.throughput_rps > 0
    latency = summary.latency_ms
    assert latency.p50 is not None and latency.p95 is not None and latency.max is not None
    assert latency.p50 <= latency.p95 <= latency.max
    assert set(summary.retrievers) <= {"hybrid", "bm25"}


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
    assert main(["--model", "hash", "--clients", "4", "--duration", "2", "--json"]) == 0
    captured = capsys.readouterr()
    summary = json.loads(captured.out)
    assert summary["errors"] == 0 and summary["ok"] > 0 and summary["model"] == "hash"
    assert {"p50", "p95", "p99", "max", "mean"} <= summary["latency_ms"].keys()
    # Ready means /search answered with the semantic model, and the output says so.
    assert summary["ready"]["semantic"] is True and summary["ready"]["retriever"] == "hybrid"
    assert "app ready after" in captured.err and "with the semantic model" in captured.err


def test_ready_is_an_answer_from_the_semantic_model(app_url: str) -> None:
    ready = wait_until_ready(app_url, timeout=60)
    assert ready.semantic and ready.retriever == "hybrid" and ready.waited_s < 60
    assert "with the semantic model" in ready.describe()


def test_main_gives_up_at_once_when_nothing_answers_at_the_url(capsys: pytest.CaptureFixture[str]) -> None:
    from .conftest import free_port

    assert main(["--url", f"http://127.0.0.1:{free_port()}/", "--duration", "1"]) == 2
    assert "nothing answers at" in capsys.readouterr().err
