"""User mistakes with the ``qa`` command: one clear line on stderr and a non-zero exit, never a traceback."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from qa.cli import main
from qa.index.dense import MANIFEST, folder_for
from qa.models import HashEmbedder

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "anhui-nev-clusters"
QUESTIONS = Path(__file__).parent / "eval" / "anhui.jsonl"


def _one_line_error(capsys: pytest.CaptureFixture[str], *needles: str) -> str:
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert captured.out == "" and "Traceback" not in captured.err
    error = next((line for line in lines if "error" in line), "")
    assert error and all(n in error for n in needles), captured.err
    return error


def _usage_error(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2


@pytest.mark.parametrize(
    "argv",
    [
        ["ask", "第三条", "--model", "nope"],
        ["index", "--model", "nope"],
        ["eval", "--corpus", str(CORPUS), "--questions", str(QUESTIONS), "--model", "nope"],
        ["stard", "--model", "nope"],
        ["bench", "--model", "nope"],
        ["loadtest", "--model", "nope"],
        ["serve", "--model", "nope"],
    ],
    ids=lambda argv: argv[0],
)
def test_unknown_model_is_refused_before_anything_runs(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    _usage_error(argv)
    error = _one_line_error(capsys, "--model", "'nope'", "e5+use")
    assert len(capsys.readouterr().err.splitlines()) <= 1, error


@pytest.mark.parametrize(
    "argv",
    [
        ["ask", "第三条", "--retriever", "nope", "--model", "hash"],
        ["eval", "--corpus", str(CORPUS), "--questions", str(QUESTIONS), "--retriever", "nope", "--model", "hash"],
        ["stard", "--retriever", "nope"],
    ],
    ids=lambda argv: argv[0],
)
def test_unknown_retriever_is_refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    _usage_error(argv)
    _one_line_error(capsys, "--retriever", "'nope'", "hybrid", "bm25")


def test_ask_with_an_unknown_model_no_longer_answers_with_bm25(capsys: pytest.CaptureFixture[str]) -> None:
    _usage_error(["ask", "增程式的车算新能源车吗？", "--model", "nope", "--json"])
    assert capsys.readouterr().out == ""


_EVAL = ["eval", "--corpus", str(CORPUS), "--model", "hash", "--questions"]
_STARD = ["stard", "--retriever", "bm25", "--library", "{dir}", "--queries"]


@pytest.mark.parametrize(
    ("command", "name", "content", "needles"),
    [
        (_EVAL, "missing.jsonl", None, ("{file}", "[missing]")),
        (_EVAL, "bad.jsonl", '{"id": "a"\n', ("{file}:1", "[json]")),
        (_STARD, "queries.json", "[{", ("{file}", "[json]")),
        (_STARD, "queries.json", '[{"query_id": 1}]', ("{file}", "[stard]")),
    ],
    ids=["eval-missing", "eval-not-json-lines", "stard-not-json", "stard-wrong-shape"],
)
def test_a_bad_questions_file_is_named_with_what_is_wrong(
    command: list[str], name: str, content: str | None, needles: tuple[str, ...], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content, encoding="utf-8")
    assert main([a.format(dir=tmp_path) for a in command] + [str(path)]) == 2
    _one_line_error(capsys, *(n.format(file=path) for n in needles))


def test_eval_needs_one_corpus_per_question_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "--corpus", str(CORPUS), "--corpus", str(CORPUS), "--questions", str(QUESTIONS), "--model", "hash"]) == 2
    _one_line_error(capsys, "one --corpus for each --questions")


def test_import_missing_document(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["import", str(tmp_path / "missing.docx"), "--out", str(tmp_path / "out")]) == 2
    _one_line_error(capsys, "missing.docx", "[unreadable]")


def test_ask_missing_corpus(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["ask", "第三条", "--corpus", str(tmp_path / "missing"), "--model", "hash"]) == 2
    _one_line_error(capsys, "missing", "[missing]")


def test_index_unreadable_corpus(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    (corpus / "regulation.jsonl").write_bytes(b"\xff\xfe not utf-8\n")
    assert main(["index", "--corpus", str(corpus), "--model", "hash", "--index-dir", str(tmp_path / "index")]) == 2
    _one_line_error(capsys, "regulation.jsonl:1", "[encoding]")


def test_index_with_a_corrupt_manifest_is_rebuilt_with_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    index = tmp_path / "index"
    assert main(["index", "--model", "hash", "--index-dir", str(index)]) == 0
    manifest = folder_for(index, HashEmbedder().model_id) / MANIFEST
    manifest.write_text("{not json", encoding="utf-8")
    capsys.readouterr()
    assert main(["index", "--model", "hash", "--index-dir", str(index)]) == 0
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "corrupt manifest" in captured.err and "building it now" in captured.err
    assert json.loads(manifest.read_text(encoding="utf-8"))["model_id"].startswith("hash")


def test_dialogues_default_to_the_checkouts_file(capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QA_INDEX_DIR", str(tmp_path / "index"))
    assert main(["dialogues", "--model", "hash", "--retriever", "bm25", "--json"]) == 0
    lines = (Path(__file__).parent / "dialogues" / "anhui.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(capsys.readouterr().out)["n"] == len([line for line in lines if line.strip()])


def test_dialogues_installed_from_a_wheel_ask_for_a_file(capsys: pytest.CaptureFixture[str], installed_from_wheel: Path) -> None:
    assert main(["dialogues", "--model", "hash"]) == 2
    error = _one_line_error(capsys, "anhui.jsonl not found", "installed from a wheel", "pass --dialogues FILE")
    assert error.startswith("qa dialogues: error: ")


def test_docs_write_to_a_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["docs", "--write", str(tmp_path / "missing.md")]) == 2
    _one_line_error(capsys, "missing.md")


@pytest.mark.parametrize(
    ("argv", "needle"),
    [(["bench", "--scale", "lots"], "--scale"), (["serve", "--port", "http"], "--port"), (["model", "--name", "use"], "--name")],
    ids=["bench-scale", "serve-port", "model-name"],
)
def test_bad_option_values_are_one_line(argv: list[str], needle: str, capsys: pytest.CaptureFixture[str]) -> None:
    _usage_error(argv)
    _one_line_error(capsys, needle)


def test_serve_reports_a_bad_qa_port(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QA_PORT", "http")
    assert main(["serve", "--model", "hash"]) == 2
    _one_line_error(capsys, "QA_PORT", "'http'")


def test_eval_curves_need_three_sets(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "--corpus", str(CORPUS), "--questions", str(QUESTIONS), "--model", "hash", "--curves"]) == 2
    _one_line_error(capsys, "--curves", "three question sets")


def test_eval_refuses_a_file_that_is_not_a_confidence_model(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "model.json"
    bad.write_text('{"features": ["dense"]}', encoding="utf-8")
    assert main(["eval", "--corpus", str(CORPUS), "--questions", str(QUESTIONS), "--model", "hash", "--confidence", str(bad)]) == 2
    _one_line_error(capsys, "--confidence", "not a confidence model")
