"""The lexical index over a small made-up library: keys, statutes, idf weights, BM25, coverage, roles;
then saved beside the dense index and loaded back, on that library, the bundled corpus and a real library slice."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path
from typing import Callable

import numpy as np
import pytest

from qa.corpus.library import default_corpus, load_library
from qa.corpus.model import Article, Chapter, FrontMatter, Paragraph, Regulation
from qa.index import lexical_store
from qa.index.dense import IndexError_, corpus_hash
from qa.index.lexical import LexicalIndex, coverage, is_statute, load_or_build, read, top_positive
from qa.index.tokensets import ArticleSets
from qa.lang import cedict
from qa.lang.cedict import load_dictionary
from qa.lang.quantity import answering_mask, quantity_mask
from qa.lang.text import token_set, tokens


def article(number: int, *texts: str, chapter: int | None = 1, english: tuple[str, ...] | None = None, suffix: int = 0) -> Article:
    en = english or (None,) * len(texts)
    return Article(number, tuple(Paragraph(n, t, e) for n, (t, e) in enumerate(zip(texts, en), 1)), chapter=chapter, suffix=suffix)


STATUTE = Regulation(
    "law",
    "中华人民共和国电池回收法",
    (
        article(1, "为了规范电池回收，制定本法。"),
        article(2, "本法所称动力电池，是指新能源汽车使用的电池。", english=("Power batteries are the batteries of new energy vehicles.",)),
        article(2, "回收企业应当登记。", chapter=2, suffix=1),
    ),
    chapters=(Chapter(1, "总则"), Chapter(2, "回收")),
    front=(FrontMatter("announcement", ("电池回收法公告全文。",)),),
)
RULES = Regulation("rules", "电池回收法实施条例", (article(1, "回收网点应当公示地址。充电设施应当安全。", chapter=None),))


@pytest.fixture(scope="module")
def index() -> LexicalIndex:
    return LexicalIndex.build([STATUTE, RULES])


def test_statutes_are_laws_and_codes() -> None:
    assert is_statute("中华人民共和国劳动合同法") and is_statute("中华人民共和国民法典")
    assert not is_statute("劳动合同法实施条例") and not is_statute("最高人民法院关于适用《中华人民共和国民法典》的解释")


def test_coverage_is_the_weighted_share_of_terms_present() -> None:
    terms = [("a", 1.0), ("b", 3.0), ("c", 4.0)]
    assert coverage(terms, {"b", "c", "z"}) == 7 / 8
    assert coverage(terms, set()) == 0.0 and coverage([], {"a"}) == 0.0


def test_top_positive_keeps_only_positive_values() -> None:
    values = np.array([0.0, 3.0, -1.0, 2.0, 5.0], np.float32)
    assert sorted(top_positive(values, 10).tolist()) == [1, 3, 4]
    assert sorted(top_positive(values, 2).tolist()) == [1, 4]


def test_keys_chapters_and_statutes_per_article(index: LexicalIndex) -> None:
    assert len(index) == 4
    assert index.keys == [(0, 1, 0), (0, 2, 0), (0, 2, 1), (1, 1, 0)]
    assert index.chapters.tolist() == [1, 1, 2, 0]
    assert index.statute.tolist() == [1.0, 1.0, 1.0, 0.0]
    assert LexicalIndex.build([STATUTE]).statute.tolist() == [0.0, 0.0, 0.0]  # one regulation: no prior


def test_articles_stating_a_quantity_are_marked_with_its_kinds(index: LexicalIndex) -> None:
    assert index.quantity.tolist() == [0, 0, 0, 0]
    fines = Regulation("fines", "罚款规定", (article(1, "处五万元以上罚款。"), article(2, "应当公示地址。")))
    assert LexicalIndex.build([fines]).quantity.tolist() == [quantity_mask("处五万元以上罚款。"), 0]
    assert quantity_mask("处五万元以上罚款。") & answering_mask("罚多少钱？") and not quantity_mask("处五万元以上罚款。") & answering_mask("几岁？")


def test_context_is_the_title_and_chapter_in_a_collection(index: LexicalIndex) -> None:
    assert index.contexts == ["电池回收法 总则", "电池回收法 总则", "电池回收法 回收", "电池回收法实施条例"]


def test_sentence_sets_are_each_sentences_tokens(index: LexicalIndex) -> None:
    assert index.sentence_sets[3] == ((frozenset(tokens("回收网点应当公示地址。")), frozenset(tokens("充电设施应当安全。"))),)
    assert index.words(3) == token_set("电池回收法实施条例") | token_set("回收网点应当公示地址。") | token_set("充电设施应当安全。")


def test_terms_are_weighted_by_idf(index: LexicalIndex) -> None:
    weights = dict(index.weighted_terms("回收网点 公示 xylophone"))
    assert weights["网点"] == pytest.approx(math.log(1 + 4 / (1 + 1)))  # in one article of four
    assert weights["回收"] == pytest.approx(math.log(1 + 4 / (1 + 4)))  # in every article (its context)
    assert weights["xylophone"] == pytest.approx(math.log(1 + 4))  # in none


def test_bm25_and_coverage(index: LexicalIndex) -> None:
    terms = index.weighted_terms("回收网点公示")
    scores, covered = index.scores(terms, "zh")
    assert scores.dtype == np.float32 and int(np.argmax(scores)) == 3
    assert covered[3] == pytest.approx(coverage(terms, index.words(3)))
    assert covered[3] > covered[0] > 0
    _, only_best = index.scores(terms, "zh", candidates=1)
    assert np.flatnonzero(only_best).tolist() == [3]
    zero, none = index.scores([], "zh")
    assert not zero.any() and not none.any()


def test_english_questions_search_the_translations(index: LexicalIndex) -> None:
    assert index.en_docs == [1]
    terms = index.weighted_terms("What are power batteries?")
    scores, covered = index.scores(terms, "en")
    assert np.flatnonzero(scores).tolist() == [1] and covered[1] > 0
    unknown, _ = index.scores(index.weighted_terms("parking fees"), "en")
    assert not unknown.any()


def test_role_match_needs_the_rest_of_the_question(index: LexicalIndex) -> None:
    assert index.role_docs["purpose"].tolist() == [0] and index.role_docs["definition"].tolist() == [1]
    definition = frozenset({"definition"})
    assert index.role_match(definition, [], 0.5).tolist() == [0, 2, 0, 0]
    assert index.role_match(definition, index.weighted_terms("动力电池"), 0.5).tolist() == [0, 2, 0, 0]
    assert index.role_match(definition, index.weighted_terms("停车收费"), 0.5).tolist() == [0, 1, 0, 0]
    # the English words of a translated article count too
    assert index.role_match(definition, index.weighted_terms("power batteries"), 0.5).tolist() == [0, 2, 0, 0]


def test_role_match_counts_the_regulation_title() -> None:
    """"深圳人工智能条例什么时候施行" names the regulation; its last article need not say 人工智能."""
    regulation = Regulation("ai", "深圳经济特区人工智能产业促进条例", (article(1, "支持产业发展。", chapter=None), article(2, "本条例自2023年1月1日起施行。", chapter=None)))
    single = LexicalIndex.build([regulation])
    effective = frozenset({"effective"})
    assert single.role_match(effective, single.weighted_terms("深圳人工智能"), 0.5).tolist() == [0, 2]
    assert single.role_match(effective, single.weighted_terms("停车收费"), 0.5).tolist() == [0, 1]


def test_an_english_question_naming_the_regulation_renders_its_title(monkeypatch: pytest.MonkeyPatch) -> None:
    """"When did the Shenzhen AI regulation come into force?": 深圳市 is in the title only, yet it is the
    regulation's own word for Shenzhen (CC-CEDICT's 深圳市 "Shenzhen, sub-provincial city …")."""
    monkeypatch.setattr(cedict, "dictionary", lambda: load_dictionary(CEDICT_SAMPLE))
    regulation = Regulation("ai", "深圳市人工智能产业促进条例", (article(1, "支持人工智能产业发展。", chapter=None), article(2, "本条例自2023年1月1日起施行。", chapter=None)))
    single = LexicalIndex.build([regulation])
    rendered = single.chinese_terms("Shenzhen AI")
    assert {t for t, _ in rendered} == {"深圳市", "人工智能"}
    effective = frozenset({"effective"})
    assert single.role_match(effective, single.weighted_terms("Shenzhen AI"), 0.5, rendered).tolist() == [0, 2]


def test_role_match_of_an_english_question_on_an_untranslated_article(index: LexicalIndex) -> None:
    """English words left over are matched through their renderings where we have no translation, and an
    English remainder with no rendering is not taken for an empty one."""
    purpose = frozenset({"purpose"})
    rest = index.weighted_terms("battery recycling")
    assert index.role_match(purpose, rest, 0.5, [("电池", 1.0), ("回收", 1.0)]).tolist() == [2, 0, 0, 0]
    assert index.role_match(purpose, rest, 0.5, []).tolist() == [1, 0, 0, 0]


def test_front_matter_words(index: LexicalIndex) -> None:
    assert index.front_keys == [(0, 0)]
    assert index.front_words == [token_set("电池回收法公告全文。") | token_set("")]


def test_an_empty_library_builds() -> None:
    empty = LexicalIndex.build([])
    assert len(empty) == 0 and empty.bm25_en is None
    scores, covered = empty.scores([("x", 1.0)], "zh")
    assert scores.size == covered.size == 0


# ------------------------------------------------------------------ saved beside the dense index

CEDICT_SAMPLE = Path(__file__).parent / "data" / "cedict-sample.txt"


@pytest.fixture()
def small_dictionary(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 45-entry CC-CEDICT sample instead of the whole dictionary: building its English → Chinese table
    for a corpus then takes milliseconds, not seconds (the round trip below also runs with the whole one)."""
    sample = load_dictionary(CEDICT_SAMPLE)
    monkeypatch.setattr(cedict, "dictionary", lambda: sample)


SHARED_LIBRARY = Path(__file__).resolve().parents[2] / "shared" / "regulations" / "library"
#: A real slice of the law library: a statute with inserted articles (第一百二十条之一 …) and one without.
SAMPLE = (SHARED_LIBRARY / "刑法" / "刑法.md", SHARED_LIBRARY / "社会法" / "劳动合同法(2012-12-28).md")
QUESTIONS = ("回收网点公示", "动力电池是什么", "增程式的车算新能源车吗？", "用人单位解除劳动合同要给补偿吗", "盗窃罪怎么判", "What are power batteries?", "parking fees")


def _library(name: str) -> list[Regulation]:
    if name == "made-up":
        return [STATUTE, RULES]
    if name == "bundled":
        return load_library(default_corpus())
    if not all(p.exists() for p in SAMPLE):
        pytest.skip(f"the shared law library is not at {SHARED_LIBRARY}")
    return [r for path in SAMPLE for r in load_library(path, log=lambda m: None)]


def assert_same(loaded: LexicalIndex, built: LexicalIndex) -> None:
    """Every field, and every answer the searcher asks of it, as a fresh build gives them."""
    assert (loaded.keys, loaded.contexts, loaded.en_docs, loaded.front_keys) == (built.keys, built.contexts, built.en_docs, built.front_keys)
    assert np.array_equal(loaded.chapters, built.chapters) and np.array_equal(loaded.statute, built.statute)
    assert loaded.df == built.df and loaded.corpus_hash == built.corpus_hash and loaded.cross == built.cross
    assert list(loaded.sentence_sets) == list(built.sentence_sets)
    assert list(loaded.en_words) == list(built.en_words) and list(loaded.front_words) == list(built.front_words)
    assert dict(loaded.role_words) == dict(built.role_words)
    assert loaded.role_docs.keys() == built.role_docs.keys()
    assert all(np.array_equal(loaded.role_docs[r], built.role_docs[r]) for r in built.role_docs)
    assert [loaded.words(i) for i in range(len(built))] == [built.words(i) for i in range(len(built))]
    for question in QUESTIONS:
        terms, chinese = built.weighted_terms(question), built.chinese_terms(question)
        assert loaded.weighted_terms(question) == terms and loaded.chinese_terms(question) == chinese
        for lang in ("zh", "en"):
            for got, want in zip(loaded.scores(terms, lang, chinese=chinese), built.scores(terms, lang, chinese=chinese)):
                assert got.dtype == want.dtype and np.array_equal(got, want), (question, lang)
        for roles in (frozenset({"definition"}), frozenset({"purpose", "scope"})):
            assert np.array_equal(loaded.role_match(roles, terms, 0.5), built.role_match(roles, terms, 0.5))


@pytest.mark.parametrize("name", ["made-up", "bundled", "library-sample"])
def test_save_then_load_gives_what_a_fresh_build_gives(tmp_path: Path, name: str) -> None:
    library = _library(name)
    built = LexicalIndex.build(library)
    built.save(tmp_path)
    loaded = LexicalIndex.load(tmp_path, library)
    assert loaded is not None and isinstance(loaded.sentence_sets, ArticleSets)
    assert_same(loaded, built)
    if name == "bundled":
        assert built.cross is None  # every article has our translation
    else:
        assert built.cross is not None and built.cross.table
    if name == "library-sample":
        assert any(suffix for _, _, suffix in loaded.keys)
    # A loaded index saves what it loaded.
    loaded.save(tmp_path / "again")
    again = LexicalIndex.load(tmp_path / "again", library)
    assert again is not None
    assert_same(again, built)


def test_an_empty_library_saves_and_loads(tmp_path: Path, small_dictionary: None) -> None:
    LexicalIndex.build([]).save(tmp_path)
    loaded = LexicalIndex.load(tmp_path, [])
    assert loaded is not None and len(loaded) == 0 and loaded.bm25_en is None
    assert loaded.scores([("x", 1.0)], "zh")[0].size == 0


def _logged() -> tuple[list[str], Callable[[str], None]]:
    seen: list[str] = []
    return seen, seen.append


def test_load_or_build_writes_beside_the_dense_index_once(tmp_path: Path, small_dictionary: None) -> None:
    library = [STATUTE, RULES]
    seen, log = _logged()
    first = load_or_build(library, tmp_path, log=log)
    assert len(seen) == 1 and "no index at" in seen[0] and "building it now" in seen[0]
    manifest = json.loads((tmp_path / lexical_store.FOLDER / lexical_store.MANIFEST).read_text())
    assert manifest["corpus_hash"] == corpus_hash(library) == first.corpus_hash
    seen.clear()
    second = load_or_build(library, tmp_path, log=log)
    assert not seen and isinstance(second.sentence_sets, ArticleSets)
    assert_same(second, first)


def test_without_a_folder_nothing_is_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_dictionary: None) -> None:
    monkeypatch.chdir(tmp_path)
    seen, log = _logged()
    index = load_or_build([STATUTE, RULES], None, log=log)
    assert len(index) == 4 and not seen and not list(tmp_path.iterdir())


def test_a_changed_corpus_rebuilds(tmp_path: Path, small_dictionary: None) -> None:
    load_or_build([STATUTE, RULES], tmp_path, log=lambda m: None)
    edited = [STATUTE, replace(RULES, articles=(article(1, "回收网点应当公示地址和电话。", chapter=None),))]
    assert LexicalIndex.load(tmp_path, edited) is None
    seen, log = _logged()
    index = load_or_build(edited, tmp_path, log=log)
    assert len(seen) == 1 and "the corpus changed" in seen[0] and "building it now" in seen[0]
    assert "电话" in index.words(3)
    assert_same(read(tmp_path, edited), LexicalIndex.build(edited))


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


@pytest.mark.parametrize("victim", [lexical_store.ARRAYS, "bm25.indices.csc.index.npy", "bm25_en.vocab.index.json", lexical_store.MANIFEST])
def test_a_corrupt_file_rebuilds_with_one_line(tmp_path: Path, victim: str, small_dictionary: None) -> None:
    library = [STATUTE, RULES]
    built = load_or_build(library, tmp_path, log=lambda m: None)
    _truncate(tmp_path / lexical_store.FOLDER / victim)
    with pytest.raises(IndexError_, match="corrupt"):
        read(tmp_path, library)
    seen, log = _logged()
    rebuilt = load_or_build(library, tmp_path, log=log)
    assert len(seen) == 1 and seen[0].startswith("lexical index: corrupt") and victim in seen[0], seen
    assert_same(rebuilt, built)
    assert_same(read(tmp_path, library), built)


def test_an_unwritable_folder_keeps_the_index_in_memory(tmp_path: Path, small_dictionary: None) -> None:
    blocker = tmp_path / "index"
    blocker.write_text("a file where the index folder should be")
    seen, log = _logged()
    index = load_or_build([STATUTE, RULES], blocker, log=log)
    assert len(index) == 4 and len(seen) == 2 and "cannot write the lexical index" in seen[1] and "from memory" in seen[1]


def test_a_penalty_article_holds_the_words_of_the_duty_it_cites() -> None:
    regulation = Regulation(
        "duties",
        "电池回收条例",
        (
            article(1, "回收企业应当建立台账，如实记录电池去向。"),
            article(2, "违反本条例第一条规定的，由主管部门责令改正。", chapter=2),
            article(3, "违反本条例第零条规定的，处一万元罚款。", chapter=2),  # a damaged citation is skipped, not fatal
        ),
        chapters=(Chapter(1, "总则"), Chapter(2, "法律责任")),
    )
    index = LexicalIndex.build([regulation])
    assert index.role_docs["penalty"].tolist() == [1, 2]
    assert "台账" in index.role_words[1] and "台账" not in index.role_words[2]
