"""STARD: label parsing and mapping, the dev/held-out split, the scores (checked by hand on a fake
searcher, and end to end on real questions over a small real library), the ``qa stard`` command, and
one sanity run of BM25 over the whole national library.

Every question and article text here is read from ``../shared`` (the STARD file and the law library);
tests that need it skip when it is absent.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import fields
from pathlib import Path
from types import SimpleNamespace

import pytest

from qa.cli import main
from qa.corpus.library import load_library
from qa.search.searcher import Searcher
from qa.measure.stard import LabelMap, Query, Report, Scores, format_report, load_queries, map_labels, parse_label, run, split_of, title_key

SHARED = Path(__file__).resolve().parents[2] / "shared"
LIBRARY = SHARED / "regulations" / "library"
QUERIES = SHARED / "benchmarks" / "stard" / "queries-train.json"
CIVIL_CODE = LIBRARY / "民法典"
LABOUR_CONTRACT = LIBRARY / "社会法" / "劳动合同法(2012-12-28).md"
CRIMINAL_LAW = LIBRARY / "刑法" / "刑法.md"

#: Real STARD questions for the small library (民法典 + 劳动合同法): 0 has one label outside it (个体工商户条例),
#: 8 has none inside it (never asked), 4 and 14 are held out, 5 has two labels, 365 is about 劳动合同法.
SMALL_IDS = (0, 2, 4, 5, 8, 14, 48, 365)


def need(*paths: Path) -> None:
    for path in paths:
        if not path.exists():
            pytest.skip(f"{path} is absent (../shared, with the law library and STARD, is not beside the project)")


def stard_records(*ids: int) -> list[dict]:
    by_id = {r["query_id"]: r for r in json.loads(QUERIES.read_text(encoding="utf-8"))}
    return [by_id[i] for i in ids]


def stard_text(label: str) -> str:
    """The article text STARD gives for ``label`` (its first occurrence)."""
    for record in json.loads(QUERIES.read_text(encoding="utf-8")):
        if label in record["相关法规"]:
            return record["相关法规"][label]
    raise KeyError(label)


def quiet(message: str) -> None:
    pass


# ------------------------------------------------------------------ labels


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("建筑法第四十八条", ("建筑法", 48, 0)),
        ("中华人民共和国民法典第一千零七十九条", ("民法典", 1079, 0)),
        ("中华人民共和国刑法第二百五十三条之一", ("刑法", 253, 1)),
        ("劳动合同法第七条", ("劳动合同法", 7, 0)),
        (" 劳动合同法第十条 ", ("劳动合同法", 10, 0)),
    ],
)
def test_parse_label(label: str, expected: tuple[str, int, int]) -> None:
    assert parse_label(label) == expected


def test_label_title_matches_library_title_with_the_long_name_inside() -> None:
    """Labels write 《民法典》 where the library's title has 《中华人民共和国民法典》."""
    parsed = parse_label("最高人民法院关于适用《民法典》有关担保制度的解释第二条")
    assert parsed is not None
    assert parsed[0] == title_key("最高人民法院关于适用《中华人民共和国民法典》有关担保制度的解释")
    assert parsed[1:] == (2, 0)


@pytest.mark.parametrize("label", ["", "民法典", "第五条", "民法典总则", "民法典第5条", "民法典第五条第二款", "民法典第五条之", "not a label"])
def test_parse_label_rejects_garbage(label: str) -> None:
    assert parse_label(label) is None


def test_title_key_ignores_prefix_spaces_and_bracket_width() -> None:
    assert title_key("中华人民共和国民法典") == title_key("民法典") == "民法典"
    assert title_key("刑法修正案(十一)") == title_key("刑法修正案（十一）")
    assert title_key("中华人民共和国 劳动合同法") == "劳动合同法"


def test_load_queries_reads_stard_records(tmp_path: Path) -> None:
    need(QUERIES)
    path = tmp_path / "q.json"
    path.write_text(json.dumps(stard_records(0, 4), ensure_ascii=False), encoding="utf-8")
    first, second = load_queries(path)
    assert (first.id, first.question) == (0, "谁可以成为个体工商户？")
    assert first.labels == ("中华人民共和国民法典第五十四条", "个体工商户条例第二条")
    assert set(first.label_texts) == set(first.labels)
    assert second.id == 4 and second.labels == ("中华人民共和国民法典第五十六条",)


# ------------------------------------------------------------------ mapping


@pytest.fixture(scope="module")
def small_library() -> list:
    """The Civil Code (8 files merged into one) and the Labour Contract Law, imported from the real files."""
    need(CIVIL_CODE, LABOUR_CONTRACT)
    library = load_library(CIVIL_CODE, log=quiet) + load_library(LABOUR_CONTRACT, log=quiet)
    assert [(r.title, len(r.articles)) for r in library] == [("中华人民共和国民法典", 1260), ("中华人民共和国劳动合同法", 98)]
    return library


def test_map_labels_finds_articles_and_says_why_not(small_library: list) -> None:
    need(QUERIES, CRIMINAL_LAW)
    library = small_library + load_library(CRIMINAL_LAW, log=quiet)
    art54 = "中华人民共和国民法典第五十四条"
    art56 = "中华人民共和国民法典第五十六条"
    art7 = "劳动合同法第七条"
    art253_1 = "中华人民共和国刑法第二百五十三条之一"
    q1 = Query(
        1,
        "q1",
        (art54, art7, "建筑法第四十八条", art253_1),
        {
            art54: stard_text(art54),
            art7: "  " + " ".join(stard_text(art7)) + "\n\n",  # spaces and blank lines are not text
            art253_1: stard_text(art253_1),
        },
    )
    q2 = Query(
        2,
        "q2",
        (
            art56,
            art54,  # seen before: mapped and checked once only
            "民法典第一千零七十九条",
            "劳动合同法第九十九条",
            "中华人民共和国民法典第一千二百六十一条",
            "民法典总则",
        ),
        {art56: stard_text(art54), art54: "不同的文字"},  # art56 given another article's text: not counted
    )
    labels = map_labels(library, [q1, q2])
    assert labels.mapped == {
        art54: ("民法典", 54, 0),
        art7: ("劳动合同法", 7, 0),
        art253_1: ("刑法", 253, 1),
        art56: ("民法典", 56, 0),
        "民法典第一千零七十九条": ("民法典", 1079, 0),
    }
    assert labels.unmapped == {
        "建筑法第四十八条": "no regulation titled 建筑法 in the library",
        "劳动合同法第九十九条": "中华人民共和国劳动合同法 has no such article here",
        "中华人民共和国民法典第一千二百六十一条": "中华人民共和国民法典 has no such article here",
        "民法典总则": "not of the form <title>第X条",
    }
    assert labels.text_agrees == 3  # 民法典第五十四条, 劳动合同法第七条 (spaces aside), 刑法第二百五十三条之一
    assert labels.share == pytest.approx(5 / 9)
    assert LabelMap({}, {}, 0).share == 0.0


# ------------------------------------------------------------------ split


def test_split_holds_out_every_fifth_id() -> None:
    splits = [split_of(Query(i, "q", ())) for i in range(10)]
    assert [i for i, s in enumerate(splits) if s == "held-out"] == [4, 9]
    assert set(splits) == {"dev", "held-out"}


def test_split_of_stard_train_is_about_a_fifth() -> None:
    need(QUERIES)
    queries = load_queries(QUERIES)
    assert len(queries) == 1235 and len({q.id for q in queries}) == 1235
    held_out = [q for q in queries if split_of(q) == "held-out"]
    assert all(q.id % 5 == 4 for q in held_out)
    assert 0.18 <= len(held_out) / len(queries) <= 0.22
    assert split_of(queries[0]) == split_of(queries[0])  # a function of the id alone


# ------------------------------------------------------------------ scores, by hand


class FakeSearcher:
    """Returns a fixed ranking per question and records what it was asked."""

    def __init__(self, rankings: dict[str, list[tuple[str, int, int]]]):
        self.rankings = rankings
        self.asked: list[tuple[str, int, str]] = []

    def search(self, question: str, k: int = 5, retriever: str = "hybrid") -> SimpleNamespace:
        self.asked.append((question, k, retriever))
        hits = [SimpleNamespace(regulation_title=t, article=a, suffix=s) for t, a, s in self.rankings[question]]
        return SimpleNamespace(hits=hits)


def filler(n: int, start: int = 600) -> list[tuple[str, int, int]]:
    """``n`` hits that are nobody's gold: 民法典 articles from ``start`` on."""
    return [("中华人民共和国民法典", start + i, 0) for i in range(n)]


def test_scores_match_a_hand_computation() -> None:
    divorce = "中华人民共和国民法典第一千零七十九条"
    privacy = "中华人民共和国刑法第二百五十三条之一"
    theft = "中华人民共和国刑法第二百五十三条"
    first = "中华人民共和国民法典第一条"
    labour = "劳动合同法第七条"
    missing = "个体工商户条例第二条"
    labels = LabelMap({n: parse_label(n) for n in (divorce, privacy, theft, first, labour)}, {missing: "no regulation titled 个体工商户条例 in the library"}, 0)  # type: ignore[misc]
    queries = [
        Query(0, "a", (divorce,)),  # dev: gold first
        Query(1, "b", (privacy, theft)),  # dev: gold at 3 and 7, a wrong suffix first
        Query(3, "c", (missing,)),  # dev, but no mapped label: never asked
        Query(4, "d", (first,)),  # held-out: gold at 11 (outside MRR@10 and recall@10)
        Query(9, "e", (labour, missing)),  # held-out: gold never returned
    ]
    searcher = FakeSearcher(
        {
            "a": [("中华人民共和国民法典", 1079, 0)] + filler(20),
            "b": [("中华人民共和国刑法", 253, 2)] + filler(1) + [("中华人民共和国刑法", 253, 0)] + filler(3) + [("中华人民共和国刑法", 253, 1)] + filler(20, 700),
            "d": filler(10) + [("中华人民共和国民法典", 1, 0)] + filler(50, 700),
            "e": [],
        }
    )
    seen: list[tuple[int, str, list]] = []
    report = run(searcher, queries, labels, ("bm25", "dense"), on_result=lambda q, r, ranked: seen.append((q.id, r, ranked)))  # type: ignore[arg-type]

    assert {q for q, _, _ in searcher.asked} == {"a", "b", "d", "e"}
    assert {(k, r) for _, k, r in searcher.asked} == {(100, "bm25"), (100, "dense")} and len(searcher.asked) == 8
    assert [(q, r) for q, r, _ in seen][:4] == [(0, "bm25"), (1, "bm25"), (4, "bm25"), (9, "bm25")]
    assert seen[0][2][0] == ("民法典", 1079, 0)  # ranked as (title key, article, suffix)

    assert (report.questions, report.scored, report.labels) == (5, 4, 6)
    assert report.mapped_share == round(5 / 6, 4) and report.text_agreement == 0.0
    assert report.unmapped == {missing: "no regulation titled 个体工商户条例 in the library"}
    for retriever in ("bm25", "dense"):
        s = report.scores[retriever]
        assert s.retriever == retriever and s.questions == 4
        assert (s.recall_at_5, s.recall_at_10, s.recall_at_100) == (0.375, 0.5, 0.75)
        assert (s.hit_at_1, s.mrr) == (0.25, round((1 + 1 / 3) / 4, 4))
        dev, held = report.by_split["dev"][retriever], report.by_split["held-out"][retriever]
        assert (dev.questions, dev.recall_at_5, dev.recall_at_10, dev.recall_at_100, dev.hit_at_1, dev.mrr) == (2, 0.75, 1.0, 1.0, 0.5, round((1 + 1 / 3) / 2, 4))
        assert (held.questions, held.recall_at_5, held.recall_at_10, held.recall_at_100, held.hit_at_1, held.mrr) == (2, 0.0, 0.0, 0.5, 0.0, 0.0)
        assert s.p50_ms >= 0 and s.p95_ms >= s.p50_ms

    text = format_report(report)
    assert "4 of 5 questions scored" in text and "83.33% of 6 labelled articles" in text
    assert "held-out (2 questions)" in text and "dev (2 questions)" in text
    assert f"{missing}: no regulation titled 个体工商户条例 in the library" in text


def test_no_scorable_question_gives_zero_scores() -> None:
    labels = LabelMap({}, {"个体工商户条例第二条": "no regulation titled 个体工商户条例 in the library"}, 0)
    searcher = FakeSearcher({})
    report = run(searcher, [Query(0, "a", ("个体工商户条例第二条",))], labels, ("bm25",))  # type: ignore[arg-type]
    assert searcher.asked == [] and report.scored == 0 and report.mapped_share == 0.0
    assert report.scores["bm25"] == Scores("bm25", 0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    assert "0 of 1 questions scored" in format_report(report)


# ------------------------------------------------------------------ scores, real questions


@pytest.fixture(scope="module")
def small_searcher(small_library: list, tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    return Searcher(small_library, embedder="hash", index_dir=tmp_path_factory.mktemp("stard-index"), abstain=False, log=quiet, progress=False)


def test_run_on_real_questions_over_a_small_library(small_library: list, small_searcher: Searcher, tmp_path: Path) -> None:
    need(QUERIES)
    path = tmp_path / "q.json"
    path.write_text(json.dumps(stard_records(*SMALL_IDS), ensure_ascii=False), encoding="utf-8")
    queries = load_queries(path)
    labels = map_labels(small_library, queries)
    assert set(labels.unmapped) == {"个体工商户条例第二条", "促进个体工商户发展条例第三十条"}
    assert len(labels.mapped) == 5 and labels.text_agrees == 5

    asked: list[tuple[int, str]] = []
    report = run(small_searcher, queries, labels, on_result=lambda q, r, ranked: asked.append((q.id, r)))
    assert set(report.scores) == {"dense", "bm25", "hybrid"}
    assert {q for q, _ in asked} == set(SMALL_IDS) - {8} and len(asked) == 7 * 3
    assert (report.questions, report.scored, report.labels, report.mapped_share) == (8, 7, 7, round(5 / 7, 4))
    assert report.text_agreement == 1.0
    for name, scores in [("all", report.scores)] + list(report.by_split.items()):
        expected = {"all": 7, "dev": 5, "held-out": 2}[name]
        for s in scores.values():
            assert s.questions == expected
            for f in ("recall_at_5", "recall_at_10", "recall_at_100", "hit_at_1", "mrr"):
                assert 0.0 <= getattr(s, f) <= 1.0, (name, s)
            assert s.recall_at_100 >= s.recall_at_10 >= s.recall_at_5
            assert s.mrr >= s.hit_at_1
    assert report.scores["bm25"].recall_at_100 > 0

    text = format_report(report)
    assert "7 of 8 questions scored" in text and "71.43% of 7 labelled articles" in text
    for retriever in ("dense", "bm25", "hybrid"):
        assert text.count(f"\n{retriever} ") == 3  # all, dev, held-out

    data = json.loads(json.dumps(report.to_dict(), ensure_ascii=False))
    assert data["mapped_share"] == report.mapped_share
    assert data["bm25"] == data["scores"]["bm25"] and data["by_split"]["held-out"]["hybrid"]["questions"] == 2
    assert {f.name for f in fields(Report)} <= set(data)


def test_bm25_only_searcher_needs_no_embedder(small_library: list) -> None:
    need(QUERIES)
    records = stard_records(365, 2)
    queries = [Query(r["query_id"], r["问题"], tuple(r["match_name"])) for r in records]
    searcher = Searcher(small_library, embedder=None, abstain=False, log=quiet, progress=False)
    report = run(searcher, queries, map_labels(small_library, queries), ["bm25"])
    assert set(report.scores) == {"bm25"} and report.scores["bm25"].questions == 2
    assert report.by_split["dev"]["bm25"].questions == 2 and report.by_split["held-out"]["bm25"].questions == 0


# ------------------------------------------------------------------ the command


@pytest.fixture()
def small_folder(tmp_path: Path) -> Path:
    """A library folder with copies of the Civil Code's 8 files and the Labour Contract Law."""
    need(CIVIL_CODE, LABOUR_CONTRACT)
    folder = tmp_path / "library"
    shutil.copytree(CIVIL_CODE, folder / "民法典")
    (folder / "社会法").mkdir()
    shutil.copy(LABOUR_CONTRACT, folder / "社会法")
    return folder


def test_cli_stard_json(small_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    need(QUERIES)
    monkeypatch.setenv("QA_INDEX_DIR", str(tmp_path / "index"))
    queries = tmp_path / "q.json"
    queries.write_text(json.dumps(stard_records(0, 4, 8, 365), ensure_ascii=False), encoding="utf-8")
    argv = ["stard", "--library", str(small_folder), "--queries", str(queries), "--retriever", "bm25", "--json", "--exclude", "none", "--index-dir", str(tmp_path / "index")]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1, "one JSON object, on one line"
    data = json.loads(out)
    assert (data["questions"], data["scored"], data["labels"]) == (4, 3, 5)
    assert data["mapped_share"] == 0.6
    assert set(data["unmapped"]) == {"个体工商户条例第二条", "促进个体工商户发展条例第三十条"}
    assert "dense" not in data and "hybrid" not in data
    for key in ("recall_at_5", "recall_at_10", "recall_at_100", "hit_at_1", "mrr", "p50_ms", "p95_ms"):
        assert key in data["bm25"]
    assert data["bm25"]["questions"] == 3
    assert data["by_split"]["held-out"]["bm25"]["questions"] == 1  # id 4

    assert main(argv + ["--split", "held-out"]) == 0
    held_out = json.loads(capsys.readouterr().out)
    assert (held_out["questions"], held_out["scored"]) == (1, 1)
    assert main(argv + ["--limit", "1"]) == 0
    assert json.loads(capsys.readouterr().out)["questions"] == 1


def test_cli_stard_missing_files_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.json"
    assert main(["stard", "--queries", str(missing), "--library", str(tmp_path), "--retriever", "bm25", "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"STARD questions not found at {missing}" in captured.err
    queries = tmp_path / "q.json"
    queries.write_text("[]", encoding="utf-8")
    assert main(["stard", "--queries", str(queries), "--library", str(tmp_path / "no-library"), "--retriever", "bm25", "--json"]) == 2
    assert "STARD library not found at" in capsys.readouterr().err


# ------------------------------------------------------------------ the whole national library


@pytest.mark.slow
def test_bm25_over_the_national_library_sanity() -> None:
    """The first 30 STARD questions, BM25 over every national document (~58k articles, ~60 s to tokenise).
    A floor that catches broken mapping or ranking, not a tuned target."""
    need(QUERIES, LIBRARY)
    library = load_library(LIBRARY, exclude=["DLC"], log=quiet)
    queries = load_queries(QUERIES)[:30]
    labels = map_labels(library, queries)
    searcher = Searcher(library, embedder=None, abstain=False, log=quiet, progress=False)
    report = run(searcher, queries, labels, ["bm25"])
    print(format_report(report))
    assert report.mapped_share >= 0.98
    assert report.scored == 30
    bm25 = report.scores["bm25"]
    assert bm25.recall_at_100 > 0.4
    assert bm25.recall_at_100 >= bm25.recall_at_10 >= bm25.recall_at_5


def test_report_leaves_out_a_split_no_question_belongs_to() -> None:
    labels = LabelMap({"个体工商户条例第二条": ("个体工商户条例", 2, 0)}, {}, 1)
    report = run(FakeSearcher({"a": [("个体工商户条例", 2, 0)]}), [Query(4, "a", ("个体工商户条例第二条",))], labels, ("bm25",))  # type: ignore[arg-type]
    text = format_report(report)
    assert "held-out (1 questions)" in text and "dev (" not in text
