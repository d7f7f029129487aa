"""The benchmark (``qa bench``) and the embedding cache it relies on. Fast: the hash test double only."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from qa.measure import bench
from qa.measure.bench.corpora import FALLBACK_QUESTIONS, questions
from qa.models import HashEmbedder
from qa.corpus.passages import units_of
from qa.index.dense import load_or_build
from qa import config
from qa.corpus.library import default_corpus, load_library

LIBRARY = config.library_dir()
SMALL_DOCUMENTS = (
    "DLC/北京地方法规/地方性法规/北京/北京市自动驾驶汽车条例(2024-12-31).md",
    "DLC/浙江地方法规/地方性法规/浙江/浙江省数字经济促进条例(2020-12-24).md",
)


def _corpus_copy(tmp_path: Path) -> Path:
    source = default_corpus()
    if not (source / "regulation.jsonl").is_file():
        pytest.skip(f"bundled corpus not found at {source}")
    target = tmp_path / "corpus"
    shutil.copytree(source, target)
    return target


def _edit_article(corpus: Path, number: int, paragraph: int, suffix: str) -> None:
    """Append ``suffix`` to one paragraph of one article in the corpus file on disk (as an editor would)."""
    file = corpus / "regulation.jsonl"
    records = [json.loads(line) for line in file.read_text(encoding="utf-8").splitlines() if line.strip()]
    for record in records:
        if record.get("type") == "article" and record["number"] == number:
            record["paragraphs"][paragraph - 1] += suffix
    file.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")


def test_rebuild_after_one_article_edit_embeds_only_the_changed_units(tmp_path: Path) -> None:
    corpus = _corpus_copy(tmp_path)
    folder = tmp_path / "index"
    first = load_or_build(load_library(corpus), HashEmbedder(), folder, log=lambda m: None)
    assert first.manifest["embedded"] == len(first.units)
    vectors_before = first.index.reconstruct_n(0, first.index.ntotal)

    library = load_library(corpus)
    article = next(a for a in library[0].articles if len(a.paragraphs) > 1)
    _edit_article(corpus, article.number, 1, "（测试修改）")
    edited = load_library(corpus)
    before, after = dict(units_of(library)), dict(units_of(edited))
    changed = {u for u, text in after.items() if before.get(u) != text}
    # The whole-article unit and the edited paragraph's unit; the other paragraphs are unchanged (and the
    # unofficial translation of the edited article is dropped as stale: one unit fewer, nothing to embed).
    assert {(u.article, u.paragraph) for u in changed} == {(article.number, None), (article.number, 1)}

    messages: list[str] = []
    second = load_or_build(edited, HashEmbedder(), folder, log=messages.append)
    assert any("corpus changed" in m for m in messages)
    assert second.manifest["embedded"] == len(changed) == 2
    vectors_after = second.index.reconstruct_n(0, second.index.ntotal)
    row_before = {u: i for i, u in enumerate(first.units)}
    for i, unit in enumerate(second.units):
        if unit not in changed:
            np.testing.assert_array_equal(vectors_after[i], vectors_before[row_before[unit]])

    third = load_or_build(edited, HashEmbedder(), tmp_path / "elsewhere", log=lambda m: None)
    assert third.manifest["embedded"] == len(third.units), "the cache lives with its index folder"


def test_scales() -> None:
    assert bench.parse_scales("1000, 10k,all") == [1000, 10000, None]
    assert bench.scale_label(10000) == "10k" and bench.scale_label(None) == "all"


def test_quick_json_has_the_promised_shape(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    _corpus_copy(tmp_path)
    monkeypatch.chdir(tmp_path)  # the workers run here too: relative paths are the caller's
    code = bench.main(["--quick", "--json", "--model", "hash", "--queries", "12", "--index-root", "indexes", "--corpus", "corpus"])
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert code == 0, captured.err
    assert report["corpus"] == "corpus" and (tmp_path / "indexes" / "bundled-hash").is_dir()
    assert report["start_to_first_answer_s"] > 0 and report["start"]["first_answer_ok"]
    assert report["start_to_first_dense_answer_s"] >= report["start_to_first_answer_s"]
    assert report["index_build_s"] > 0
    for retriever in ("dense", "bm25", "hybrid"):
        assert {"p50", "p95", "p99"} <= report["query_ms"][retriever].keys()
        assert report["query_ms"][retriever]["n"] == 12
    assert report["ratios"]["hybrid/dense_p95"] > 0
    assert {"model_mb", "vectors_mb", "bm25_and_docs_mb", "peak_rss_mb"} <= report["memory"].keys()
    assert report["scales"] == []
    assert {t["target"] for t in report["targets"]} >= {"start to first answer", "index build, bundled (cold cache)"}
    assert "| bundled |" in bench.render(bench.from_json(bench.BenchReport, report))


def test_questions_come_from_the_evaluation_sets_or_eval_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert len(set(questions(500))) > len(FALLBACK_QUESTIONS)
    (tmp_path / "mine.jsonl").write_text(json.dumps({"id": "M-1", "question": "第五条", "lang": "zh", "kind": "citation", "expected": [5]}, ensure_ascii=False) + "\n", encoding="utf-8")
    assert questions(3, tmp_path) == ["第五条"] * 3
    assert questions(3, tmp_path / "absent") == list(FALLBACK_QUESTIONS * 2)[:3]
    assert bench.main(["--quick", "--eval-dir", str(tmp_path / "absent")]) == 2
    assert capsys.readouterr().err.strip() == f"error: --eval-dir {tmp_path / 'absent'}: no such folder"


def test_scale_run_loads_documents_with_titles_and_reports_ann_recall(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    documents = [LIBRARY / d for d in SMALL_DOCUMENTS]
    if not all(d.is_file() for d in documents):
        pytest.skip(f"law library not found at {LIBRARY}")
    library = tmp_path / "library"
    for document in documents:
        (library / document.parent.name).mkdir(parents=True, exist_ok=True)
        shutil.copy(document, library / document.parent.name / document.name)
    (library / "empty.md").write_text("没有条文的文件。\n", encoding="utf-8")
    argv = ["--quick", "--json", "--model", "hash", "--queries", "6", "--index-root", str(tmp_path / "index"),
            "--library", str(library), "--scale", "40,all", "--ann", "on"]
    assert bench.main(argv) == 0
    report = json.loads(capsys.readouterr().out)
    first, everything = report["scales"]
    assert first["build"]["regulations"] == 1 and everything["build"]["regulations"] == 2
    assert everything["build"]["skipped_documents"] == {"no-articles": 1}
    measured = everything["measure"]
    assert measured["kind"] == "hnsw" and 0.9 <= measured["ann"]["recall_at_10"] <= 1.0
    assert measured["articles"] == everything["build"]["articles"]
    check = {c["question"]: c for c in measured["citations"]}
    assert check["北京市自动驾驶汽车条例第三十三条"]["ok"], check
    # The shared embedding store: the larger scale embeds only the regulations the smaller one lacked.
    assert everything["build"]["warm"]["embedded"] < everything["build"]["units"]


def test_scale_corpora_are_loaded_as_the_app_loads_a_library(tmp_path: Path) -> None:
    """One regulation per title (qa.corpus.library.collect), rejected documents counted by rule."""
    (tmp_path / "a.txt").write_text("甲条例\n第一条 甲。\n第二条 乙。\n", encoding="utf-8")
    (tmp_path / "a-copy.txt").write_text("甲条例\n第一条 甲。\n第二条 乙。\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("乙条例\n第一条 甲。\n第三条 乙。\n", encoding="utf-8")
    (tmp_path / "c.txt").write_text("没有条文的文件。\n", encoding="utf-8")
    regulations, skipped = bench.load_regulations(tmp_path, log=lambda message: None)
    assert [r.title for r in regulations] == ["甲条例"]
    assert regulations == load_library(tmp_path, log=lambda message: None)
    assert skipped == {"article-order": 1, "no-articles": 1}
