"""The searcher as a whole on the bundled corpus: input handling, retrievers, chapters, background
loading, abstention on and off, and the prepare/answer halves of a search.

Plumbing tests use the hash test double; answer-quality tests load the real model (marked slow).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from qa.corpus.library import default_corpus, load_library
from qa.corpus.model import Article, Paragraph, Regulation
from qa.search import RETRIEVERS, Abstention, Answer, Ranking, Searcher


@pytest.fixture(scope="module")
def model_searcher(tmp_path_factory: pytest.TempPathFactory, monkeypatch_module: pytest.MonkeyPatch) -> Searcher:
    monkeypatch_module.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch_module.setenv("TRANSFORMERS_OFFLINE", "1")
    searcher = Searcher(load_library(default_corpus()), index_dir=tmp_path_factory.mktemp("idx"), log=lambda m: None, progress=False)
    assert searcher.dense_ready, "the real model did not load (see Searcher.dense_error)"
    return searcher


@pytest.fixture(scope="module")
def monkeypatch_module() -> pytest.MonkeyPatch:
    with pytest.MonkeyPatch.context() as mp:
        yield mp


@pytest.fixture(scope="module")
def lexical_only() -> Searcher:
    return Searcher(load_library(default_corpus()), embedder=None, log=lambda m: None, progress=False)


def same(a: Answer, b: Answer) -> bool:
    return replace(a, elapsed_ms=0.0) == replace(b, elapsed_ms=0.0)


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
        assert hit["relevance"] in ("high", "medium", "low")
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


def test_an_unknown_chapter_is_named(hash_searcher: Searcher) -> None:
    answer = hash_searcher.search("新能源汽车", chapter=99)
    assert answer.abstained and answer.message == "没有第99章。"


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
    assert searcher.dense_index is None and not searcher.dense_ready
    gate.set()
    assert searcher.wait_ready(10) and searcher.dense_ready


def test_dense_state_is_public(hash_searcher: Searcher, lexical_only: Searcher) -> None:
    assert hash_searcher.dense_ready and hash_searcher.dense_error is None
    assert hash_searcher.dense_index is not None and len(hash_searcher.dense_index.units) > len(hash_searcher.docs)
    assert not lexical_only.dense_ready and lexical_only.dense_index is None
    assert lexical_only.dense_error == "no embedding model configured"
    answer = lexical_only.search("插电式混合动力")
    assert answer.retriever == "bm25" and answer.notice == "no embedding model configured; these results are from keyword search only."


def test_search_is_prepare_then_answer(hash_searcher: Searcher) -> None:
    for question in ("插电式混合动力汽车", "第三条", "Article 3 and charging", "产业集群是什么意思", ""):
        assert same(hash_searcher.answer(hash_searcher.prepare(question, k=4)), hash_searcher.search(question, k=4))


@pytest.mark.parametrize("retriever", RETRIEVERS)
def test_a_hybrid_preparation_answers_as_any_retriever(hash_searcher: Searcher, retriever: str) -> None:
    prepared = hash_searcher.prepare("充电基础设施建设", k=5, retriever="hybrid")
    assert same(hash_searcher.answer(prepared, retriever=retriever), hash_searcher.search("充电基础设施建设", k=5, retriever=retriever))


def test_a_lexical_preparation_cannot_be_ranked_densely(hash_searcher: Searcher) -> None:
    with pytest.raises(ValueError, match="dense scores"):
        hash_searcher.answer(hash_searcher.prepare("充电基础设施建设", retriever="bm25"), retriever="hybrid")


def test_answer_ranks_with_other_settings(hash_searcher: Searcher) -> None:
    prepared = hash_searcher.prepare("新能源汽车产业集群", k=10)
    default = hash_searcher.answer(prepared)
    assert same(hash_searcher.answer(prepared, ranking=Ranking()), default)
    lexical = hash_searcher.answer(prepared, ranking=Ranking(hybrid_weight=0.0, role_prior=0.0))
    assert [h.article for h in lexical.hits] == [h.article for h in hash_searcher.search("新能源汽车产业集群", k=10, retriever="bm25").hits][: len(lexical.hits)]


def test_abstention_off_answers_weak_questions(lexical_only: Searcher) -> None:
    question = "电池质保几年"
    weak = lexical_only.search(question, retriever="bm25")
    assert weak.abstained and not weak.hits and weak.signals["lexical"] < 0.3
    shown = lexical_only.search(question, retriever="bm25", abstain=False)
    assert not shown.abstained and shown.hits
    assert {h.relevance for h in shown.hits} == {"low"} and shown.confidence == weak.confidence < 0.5
    never = Searcher(lexical_only.library, embedder=None, abstain=False, log=lambda m: None, progress=False)
    assert same(never.search(question, retriever="bm25"), shown)
    assert never.search(question, retriever="bm25", abstain=True).abstained


def test_a_question_for_a_figure_the_regulation_does_not_state_abstains_and_says_why(lexical_only: Searcher) -> None:
    topic = lexical_only.search("充电基础设施建设有什么支持？", retriever="bm25")
    assert not topic.abstained and topic.hits[0].article == 35
    amount = lexical_only.search("充电基础设施建设能拿多少补贴？", retriever="bm25")  # the Regulations state no amounts
    assert amount.abstained and not amount.hits and amount.signals["no_quantity"] == 1.0
    assert "没有规定这类具体数字" in (amount.message or "") and "states a figure" in (amount.message_en or "")
    assert amount.related  # the nearest article is still named as a place to look
    allowed = lexical_only.search("充电基础设施建设能拿多少补贴？", retriever="bm25", abstain=False)
    assert not allowed.abstained and allowed.hits


def test_a_question_for_a_figure_of_another_kind_than_the_articles_state_abstains() -> None:
    hours = Regulation("hours", "非全日制用工规定", (
        Article(1, (Paragraph(1, "非全日制劳动者每日工作时间应当在法定工作时间的百分之五十以下。"),), chapter=1),
        Article(2, (Paragraph(1, "用人单位应当按时支付非全日制劳动者的工资。"),), chapter=1),
    ))
    searcher = Searcher([hours], embedder=None, log=lambda m: None, progress=False)
    share = searcher.search("非全日制劳动者每天工作时间最多多长？", retriever="bm25")  # a period stated as a share
    assert not share.abstained and share.hits[0].article == 1
    age = searcher.search("非全日制劳动者的年龄最小是多少岁？", retriever="bm25")  # states no age
    assert age.abstained and age.signals["no_quantity"] == 1.0 and "这类具体数字" in (age.message or "")


def test_relevance_of_cited_and_ranked_hits(lexical_only: Searcher) -> None:
    assert lexical_only.search("第三条").hits[0].relevance == "high"
    assert lexical_only.article_hit(3) is not None and lexical_only.article_hit(3).relevance == "high"  # type: ignore[union-attr]
    strong = lexical_only.search("出租车怎么打车", retriever="bm25")
    assert strong.hits[0].relevance == "high" and strong.confidence > 0.83


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
    assert (answer.message_en or "").startswith("No article in the Regulations covers this question.")


LABOUR_LAW = Path(__file__).resolve().parents[2] / "shared" / "regulations" / "library"


def _labour_library() -> list:
    files = [LABOUR_LAW / "社会法" / "劳动合同法(2012-12-28).md", LABOUR_LAW / "行政法规" / "劳动合同法实施条例(2008-09-18).md"]
    if not all(f.is_file() for f in files):
        pytest.skip("../shared/regulations/library is not beside the project")
    from qa.importer.document import parse_document

    return [parse_document(f) for f in files]


def test_statute_prior_orders_the_statute_first_in_a_collection(tmp_path: Path) -> None:
    library = _labour_library()
    question = "用人单位解除劳动合同应当支付经济补偿吗"
    strong = Searcher(library, embedder="hash", index_dir=tmp_path, ranking=Ranking(statute_prior=10.0), log=lambda m: None, progress=False)
    titles = [h.regulation_title for h in strong.search(question, k=10).hits]
    assert titles and all(t == "中华人民共和国劳动合同法" for t in titles)
    off = Searcher(library, embedder="hash", index_dir=tmp_path, ranking=Ranking(statute_prior=0.0), log=lambda m: None, progress=False)
    assert any(h.regulation_title != "中华人民共和国劳动合同法" for h in off.search(question, k=10).hits)


def test_statute_prior_does_nothing_with_one_regulation(tmp_path: Path) -> None:
    library = _labour_library()[:1]
    question = "用人单位解除劳动合同应当支付经济补偿吗"
    ranked = [
        [(h.article, h.score) for h in Searcher(library, embedder="hash", index_dir=tmp_path, ranking=Ranking(statute_prior=p), log=lambda m: None, progress=False).search(question, k=10).hits]
        for p in (0.0, 10.0)
    ]
    assert ranked[0] == ranked[1]


def test_keyword_answers_keep_the_default_thresholds_whatever_the_model(lexical_only: Searcher, tmp_path: Path) -> None:
    """BM25 does not depend on the model: EmbeddingGemma's own lexical thresholds (calibrated beside its
    cosines) must not make keyword-only answers, and answers while it loads, abstain more."""
    from qa.models import HashEmbedder
    from qa.search.settings import MODEL_ABSTENTION, abstention_for

    class NamedGemma(HashEmbedder):
        name = "gemma"

    gemma = Searcher(lexical_only.library, embedder=NamedGemma(), index_dir=tmp_path, log=lambda m: None, progress=False)
    assert gemma.abstention == abstention_for("gemma") and gemma.keyword_abstention == Abstention()
    questions = ("充电基础设施", "新能源汽车产业集群 财政资金", "数据安全 个人信息", "停车费")
    answered = 0
    for q in questions:
        a, b = gemma.search(q, retriever="bm25"), lexical_only.search(q, retriever="bm25")
        assert (a.abstained, [h.article for h in a.hits]) == (b.abstained, [h.article for h in b.hits])
        strict = gemma.answer(gemma.prepare(q, retriever="bm25"), abstention=MODEL_ABSTENTION["gemma"])
        answered += int(strict.abstained and not a.abstained)
    assert answered, "some keyword question should answer only below gemma's lexical thresholds"
    given = Abstention(lexical_zh=0.9)
    assert Searcher(lexical_only.library, embedder=None, abstention=given, log=lambda m: None, progress=False).keyword_abstention == given
