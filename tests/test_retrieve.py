"""Retrieval behaviour on the bundled corpus: citations, abstention, highlighting, input handling.

Plumbing tests use the hash test double; answer-quality tests load the real model (marked slow).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.corpus.library import default_corpus, load_library
from qa.search.searcher import RETRIEVERS, Searcher


@pytest.fixture(scope="module")
def model_searcher(tmp_path_factory: pytest.TempPathFactory, monkeypatch_module: pytest.MonkeyPatch) -> Searcher:
    monkeypatch_module.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch_module.setenv("TRANSFORMERS_OFFLINE", "1")
    searcher = Searcher(load_library(default_corpus()), index_dir=tmp_path_factory.mktemp("idx"), log=lambda m: None, progress=False)
    assert searcher.dense_ready, "the real model did not load (see Searcher._dense_error)"
    return searcher


@pytest.fixture(scope="module")
def monkeypatch_module() -> pytest.MonkeyPatch:
    with pytest.MonkeyPatch.context() as mp:
        yield mp


@pytest.mark.parametrize("question", ["第三条", "第3条", "3条", "Article 3", "Art. 3", "art 3"])
def test_citation_lookup_puts_the_article_first(hash_searcher: Searcher, question: str) -> None:
    answer = hash_searcher.search(question)
    assert not answer.abstained
    assert [h.article for h in answer.hits] == [3]
    assert answer.hits[0].via == "citation"
    assert answer.hits[0].citation == "《安徽省新能源汽车产业集群发展条例》第三条"


def test_citation_with_paragraph(hash_searcher: Searcher) -> None:
    hit = hash_searcher.search("第三条第二款").hits[0]
    assert hit.matched_paragraphs == (2,)
    assert hit.citation == "《安徽省新能源汽车产业集群发展条例》第三条第二款"
    assert hit.citation_en == "Anhui NEV Industry Cluster Regulations, Art. 3(2)"
    assert {h.paragraph for h in hit.highlights} == {2}


def test_article_missing_from_partial_corpus_gets_a_specific_message(partial_searcher: Searcher) -> None:
    answer = partial_searcher.search("Article 30")
    assert answer.abstained and not answer.hits
    assert "Article 30 is not among the loaded articles (Articles 1–4 of 43)" in (answer.message_en or "")
    assert "第三十条尚未载入：本库只有第一条至第四条（全文共四十三条）" in (answer.message or "")


@pytest.mark.parametrize(("question", "fragment"), [("第九十九条", "没有第九十九条"), ("Article 0", "start at 1"), ("Article -1", "start at 1")])
def test_out_of_range_articles(hash_searcher: Searcher, question: str, fragment: str) -> None:
    answer = hash_searcher.search(question)
    assert answer.abstained and not answer.hits
    assert fragment in (answer.message or "") + (answer.message_en or "")


@pytest.mark.parametrize("question", ["", "   ", "\x00\x01", "\u200b"])
def test_empty_questions_abstain_with_a_prompt(hash_searcher: Searcher, question: str) -> None:
    answer = hash_searcher.search(question)
    assert answer.abstained and answer.hits == ()
    assert answer.message_en == "Please type a question."


def test_long_questions_are_truncated_and_flagged(hash_searcher: Searcher) -> None:
    answer = hash_searcher.search("新能源汽车" * 20_000)
    assert answer.truncated
    assert len(answer.question) <= 1000


def test_full_width_and_traditional_input_match_like_simplified(hash_searcher: Searcher) -> None:
    assert hash_searcher.search("第３条").hits[0].article == 3
    assert hash_searcher.search("插電式混合動力汽車").question == "插电式混合动力汽车"


@pytest.mark.parametrize("retriever", RETRIEVERS)
def test_every_retriever_returns_well_formed_json(hash_searcher: Searcher, retriever: str) -> None:
    answer = hash_searcher.search("新能源汽车产业集群是什么", k=3, retriever=retriever)
    data = json.loads(json.dumps(answer.to_dict(), ensure_ascii=False))
    assert isinstance(data["abstained"], bool)
    for hit in data["hits"]:
        assert isinstance(hit["article"], int) and isinstance(hit["score"], float)
        assert hit["text"] == "\n".join(hit["paragraphs"])
        for h in hit["highlights"]:
            assert hit["paragraphs"][h["paragraph"] - 1][h["start"] : h["end"]] == h["text"]


def test_unknown_retriever_is_refused(hash_searcher: Searcher) -> None:
    with pytest.raises(ValueError, match="retriever must be one of"):
        hash_searcher.search("x", retriever="magic")


def test_chapter_filter_keeps_only_that_chapter(hash_searcher: Searcher) -> None:
    answer = hash_searcher.search("充换电基础设施", chapter=6, retriever="bm25")
    assert not answer.abstained and answer.hits
    assert {h.chapter for h in answer.hits} == {6}


def test_chapter_filter_abstains_when_the_chapter_has_no_answer(partial_searcher: Searcher) -> None:
    answer = partial_searcher.search("新能源汽车", chapter=2, retriever="bm25")
    assert answer.abstained and not answer.hits
    assert "第二章" in (answer.message or "")


def test_lexical_search_answers_before_the_model_is_loaded(tmp_path: Path) -> None:
    """While the model loads in the background, BM25 answers and says so."""
    import threading

    from qa.models import HashEmbedder

    gate = threading.Event()

    class Slow(HashEmbedder):
        def encode_passages(self, texts, *, batch_size=32, progress=False):  # type: ignore[no-untyped-def]
            gate.wait(10)
            return super().encode_passages(texts)

    searcher = Searcher(load_library(default_corpus()), embedder=Slow(), index_dir=tmp_path, background=True, log=lambda m: None)
    answer = searcher.search("插电式混合动力 增程式")
    assert answer.retriever == "bm25" and "still loading" in (answer.notice or "")
    assert answer.hits and answer.hits[0].article == 3
    gate.set()
    assert searcher.wait_ready(10) and searcher.dense_ready


@pytest.mark.slow
@pytest.mark.parametrize("question", ["增程式的车算新能源车吗？", "Do plug-in hybrids count as new energy vehicles?"])
def test_hybrid_question_finds_article_3_paragraph_1(model_searcher: Searcher, question: str) -> None:
    answer = model_searcher.search(question)
    assert not answer.abstained
    top = answer.hits[0]
    assert top.article == 3 and top.matched_paragraphs == (1,)
    assert any("插电式混合动力（含增程式）" in h.text for h in top.highlights)


@pytest.mark.slow
@pytest.mark.parametrize("question", ["离婚后孩子归谁抚养？", "What is the income tax rate for salaries?"])
def test_unrelated_questions_abstain(model_searcher: Searcher, question: str) -> None:
    answer = model_searcher.search(question)
    assert answer.abstained and not answer.hits
    assert answer.message_en == "No article in the Regulations covers this question."


LABOUR_LAW = Path(__file__).resolve().parents[2] / "shared" / "regulations" / "library"


def _labour_library() -> list:
    files = [LABOUR_LAW / "社会法" / "劳动合同法(2012-12-28).md", LABOUR_LAW / "行政法规" / "劳动合同法实施条例(2008-09-18).md"]
    if not all(f.is_file() for f in files):
        pytest.skip("../shared/regulations/library is not beside the project")
    from qa.importer.document import parse_document

    return [parse_document(f) for f in files]


def test_statute_prior_orders_the_statute_first_in_a_collection(tmp_path: Path) -> None:
    from qa.search.searcher import Thresholds

    library = _labour_library()
    question = "用人单位解除劳动合同应当支付经济补偿吗"
    strong = Searcher(library, embedder="hash", index_dir=tmp_path, thresholds=Thresholds(statute_prior=10.0), log=lambda m: None, progress=False)
    titles = [h.regulation_title for h in strong.search(question, k=10).hits]
    assert titles and all(t == "中华人民共和国劳动合同法" for t in titles)
    off = Searcher(library, embedder="hash", index_dir=tmp_path, thresholds=Thresholds(statute_prior=0.0), log=lambda m: None, progress=False)
    assert any(h.regulation_title != "中华人民共和国劳动合同法" for h in off.search(question, k=10).hits)


def test_statute_prior_does_nothing_with_one_regulation(tmp_path: Path) -> None:
    from qa.search.searcher import Thresholds

    library = _labour_library()[:1]
    question = "用人单位解除劳动合同应当支付经济补偿吗"
    ranked = [
        [(h.article, h.score) for h in Searcher(library, embedder="hash", index_dir=tmp_path, thresholds=Thresholds(statute_prior=p), log=lambda m: None, progress=False).search(question, k=10).hits]
        for p in (0.0, 10.0)
    ]
    assert ranked[0] == ranked[1]
