"""The bundled unofficial English translation and its glossary: complete, marked unofficial, consistent.

The Chinese is the official text and is never changed here; these tests check our English against it:
every article (and the front matter) is translated paragraph for paragraph, every record says it is
unofficial, and each glossary term is rendered the same way wherever its Chinese occurs.

Glossary matching: a term's English is matched case-insensitively as whole words, each word allowed a
plural or possessive ending (s, es, 's; y → ies), so "power battery" also finds "power batteries". An entry
may instead give its own ``match`` regex where the English inflects more than that (consortium →
consortia, tackle → tackling). Where a Chinese term is legitimately rendered differently in some context,
the glossary names a narrower Chinese term; the check itself is not loosened.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any, Iterator

import pytest

from qa.corpus import REGULATION_FILE, TRANSLATION_FILE, Regulation, load_corpus, text_sha

FOLDER = Path(__file__).resolve().parents[1] / "corpus" / "anhui-nev-clusters"
GLOSSARY_FILE = FOLDER / "glossary.en.json"

FRONT_KINDS = ["announcement", "adoption"]  # the 公告 and the 题注 under the title, in file order

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
# American forms of words this translation spells the British way (optimise, centre, programme ...).
AMERICAN = re.compile(
    r"\b(?:[a-z]{3,}iz(?:e|es|ed|ing|ation|ations)|cent(?:er|ers)|favor\w*|labor|catalog|programs?|refuel(?:ed|ing))\b",
    re.IGNORECASE,
)


def _lines() -> list[str]:
    return (FOLDER / TRANSLATION_FILE).read_text(encoding="utf-8").split("\n")


def _records() -> list[dict[str, Any]]:
    return [json.loads(line) for line in _lines() if line]


def _glossary() -> dict[str, Any]:
    return json.loads(GLOSSARY_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def official(tmp_path_factory: pytest.TempPathFactory) -> Regulation:
    """The official Chinese alone (a copy of regulation.jsonl without the translation beside it)."""
    folder = tmp_path_factory.mktemp("official")
    shutil.copy(FOLDER / REGULATION_FILE, folder / REGULATION_FILE)
    return load_corpus(folder)


def term_pattern(term: dict[str, str]) -> re.Pattern[str]:
    if "match" in term:
        return re.compile(term["match"], re.IGNORECASE)
    parts = []
    for word in term["en"].split():
        if re.search(r"[^aeiou]y$", word, re.IGNORECASE):
            parts.append(re.escape(word[:-1]) + "(?:y|ies|y's)")
        elif word[-1].isalpha():
            parts.append(re.escape(word) + "(?:s|es|'s|s')?")
        else:
            parts.append(re.escape(word))
    return re.compile(r"(?<![A-Za-z])" + r"\s+".join(parts) + r"(?![A-Za-z])", re.IGNORECASE)


def _pairs(official: Regulation) -> Iterator[tuple[str, str, str]]:
    """(where, Chinese, English) for every translated unit: chapter titles, paragraphs, front matter."""
    records = _records()
    chapters = {r["number"]: r for r in records if r["type"] == "chapter"}
    for chapter in official.chapters:
        yield f"chapter {chapter.number}", chapter.title, chapters[chapter.number]["en"]
    articles = {r["number"]: r for r in records if r["type"] == "article"}
    for article in official.articles:
        for paragraph, english in zip(article.paragraphs, articles[article.number]["paragraphs"]):
            yield f"Art. {article.number}({paragraph.number})", paragraph.text, english
    front = {r["kind"]: r for r in records if r["type"] == "front"}
    for matter in official.front:
        for i, (zh, en) in enumerate(zip(matter.paragraphs, front[matter.kind]["paragraphs"]), 1):
            yield f"front {matter.kind} ({i})", zh, en


# ---------------------------------------------------------------- the translation file


def test_every_article_has_an_english_translation_after_load() -> None:
    regulation = load_corpus(FOLDER)
    missing = [a.number_en for a in regulation.articles if a.text_en is None]
    assert not missing, f"articles without a current translation (zh_sha256 or paragraph count off): {missing}"
    assert regulation.complete and len(regulation.articles) == 43
    assert all(c.title_en for c in regulation.chapters)
    assert regulation.title_en and regulation.short_title_en
    assert [f.kind for f in regulation.front] == FRONT_KINDS
    untranslated = [f.kind for f in regulation.front if f.paragraphs_en is None]
    assert not untranslated, f"front matter without a current translation: {untranslated}"


def test_every_record_is_marked_unofficial() -> None:
    records = _records()
    assert records and all(r.get("unofficial") is True for r in records)


def test_records_in_order_with_the_expected_keys(official: Regulation) -> None:
    records = _records()
    n_chapters, n_articles = len(official.chapters), len(official.articles)
    assert [r["type"] for r in records] == ["title"] + ["chapter"] * n_chapters + ["article"] * n_articles + ["front"] * 2
    title, chapters = records[0], records[1 : 1 + n_chapters]
    articles, front = records[1 + n_chapters : -2], records[-2:]
    assert list(title) == ["type", "en", "short_en", "unofficial"]
    assert [list(r) for r in chapters] == [["type", "number", "zh", "en", "unofficial"]] * n_chapters
    assert [(r["number"], r["zh"]) for r in chapters] == [(c.number, c.title) for c in official.chapters]
    assert [list(r) for r in articles] == [["type", "number", "zh_sha256", "paragraphs", "unofficial"]] * n_articles
    assert [r["number"] for r in articles] == [a.number for a in official.articles] == list(range(1, n_articles + 1))
    for record, article in zip(articles, official.articles):
        assert record["zh_sha256"] == text_sha(article.text), f"Art. {article.number}: zh_sha256 is stale"
        assert len(record["paragraphs"]) == len(article.paragraphs), f"Art. {article.number}: paragraph count"
    assert [list(r) for r in front] == [["type", "kind", "zh_sha256", "paragraphs", "unofficial"]] * 2
    assert [r["kind"] for r in front] == [f.kind for f in official.front] == FRONT_KINDS
    for record, matter in zip(front, official.front):
        assert record["zh_sha256"] == text_sha(matter.text), f"{matter.kind}: zh_sha256 is stale"
        assert len(record["paragraphs"]) == len(matter.paragraphs), f"{matter.kind}: paragraph count"


def test_file_is_utf8_lf_json_lines() -> None:
    raw = (FOLDER / TRANSLATION_FILE).read_bytes()
    assert b"\r" not in raw and raw.endswith(b"\n") and not raw.endswith(b"\n\n")
    for line in raw.decode("utf-8").splitlines():
        assert line == json.dumps(json.loads(line), ensure_ascii=False)


def test_english_is_plain_english(official: Regulation) -> None:
    for where, _, english in _pairs(official):
        assert isinstance(english, str) and english.strip() == english and english, where
        assert not CJK.search(english), f"{where}: Chinese characters or full-width punctuation in the English"
        assert not AMERICAN.search(english), f"{where}: American spelling {AMERICAN.search(english)[0]!r}"
        assert "  " not in english, f"{where}: double space"


# ---------------------------------------------------------------- the glossary


def test_glossary_format() -> None:
    glossary = _glossary()
    assert list(glossary) == ["about", "terms"]
    assert "unofficial" in glossary["about"].lower()
    terms = glossary["terms"]
    assert 40 <= len(terms) <= 70
    for term in terms:
        assert set(term) in ({"zh", "en"}, {"zh", "en", "match"}), term
        assert term["zh"].strip() and term["en"].strip()
        assert term_pattern(term).search(term["en"]), f"{term['zh']}: the pattern does not match its own English"
    zh = [t["zh"] for t in terms]
    assert len(zh) == len(set(zh)), "a Chinese term is listed twice"


def test_glossary_terms_occur_in_the_chinese_text(official: Regulation) -> None:
    chinese = "\n".join(zh for _, zh, _ in _pairs(official))
    absent = [t["zh"] for t in _glossary()["terms"] if t["zh"] not in chinese]
    assert not absent, f"glossary terms not in the official text: {absent}"


def test_glossary_terms_are_translated_consistently(official: Regulation) -> None:
    pairs = list(_pairs(official))
    failures = []
    for term in _glossary()["terms"]:
        pattern = term_pattern(term)
        for where, zh, en in pairs:
            if term["zh"] in zh and not pattern.search(en):
                failures.append(f"{where}: {term['zh']} → {term['en']!r} missing")
    assert not failures, "\n".join(failures)
