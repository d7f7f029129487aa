"""Parsing and importing a whole document: the official layout, declared counts, the Anhui texts, corpus ids, the corpus format."""

from __future__ import annotations

import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from qa.corpus import REGULATION_FILE, TRANSLATION_FILE, CorpusError, load_corpus, regulation_records, save_corpus
from qa.importer import import_document, parse_document, parse_with_warnings
from tests.documents import ANHUI, BUNDLED, CRIMINAL_17, LIBRARY, OFFICIAL, body, doc, error, markdown, shared, texts


def test_official_layout(tmp_path: Path) -> None:
    regulation = parse_document(doc(tmp_path, OFFICIAL))
    assert regulation.title == "安徽省新能源汽车产业集群发展条例"
    assert [(c.number, c.title) for c in regulation.chapters] == [(1, "总则"), (2, "创新引领")]  # 目录 is no chapter
    assert texts(regulation) == [
        (1, 1, ["为了测试，制定本条例。"]),
        (2, 1, ["本条例适用于测试。"]),
        (3, 2, ["下列事项：", "（一）甲；", "（二）乙。"]),
        (4, 2, ["本条例自2024年3月1日起施行。"]),
    ]
    assert regulation.issuing_body == "安徽省人民代表大会常务委员会"
    assert (regulation.adopted, regulation.effective) == ("2023-12-28", "2024-03-01")
    assert regulation.announcement == "（十四届）第十六号"
    assert regulation.complete and regulation.articles[0].source == regulation.sources[0].id


def test_count(tmp_path: Path) -> None:
    path = doc(tmp_path, OFFICIAL)
    more = error(path, declared_articles=3)
    assert (more.rule, more.line, more.message) == ("article-count", 18, "4 articles, but the regulation declares 3")
    fewer = error(path, declared_articles=43)
    assert (fewer.rule, fewer.line) == ("article-count", 18)
    assert "pass partial=True" in fewer.message
    partial = parse_document(path, declared_articles=43, partial=True)
    assert not partial.complete and partial.declared_articles == 43


def test_declared_count_leaves_out_inserted_articles(tmp_path: Path) -> None:
    path = markdown(tmp_path, "中华人民共和国刑法", CRIMINAL_17)
    regulation = parse_document(path, declared_articles=2)  # 第十七条 and 第十八条; 第十七条之一 is extra
    assert regulation.complete and regulation.total_articles == 2 and len(regulation.articles) == 3
    more = error(path, declared_articles=1)
    assert (more.rule, more.line, more.message) == ("article-count", 17, "2 articles, but the regulation declares 1")


# ---------------------------------------------------------------- the Anhui texts

def test_final_excerpt() -> None:
    regulation = parse_document(shared(ANHUI / "final-excerpt.txt"), declared_articles=43)
    assert [a.number for a in regulation.articles] == [1, 2, 3, 4]
    assert len(regulation.chapters) == 7 and not regulation.complete
    assert regulation.article(3).paragraphs[1].text.startswith("本条例所称新能源汽车产业集群，是指")
    assert "（含增程式）" in regulation.article(3).text


def test_draft_excerpt() -> None:
    regulation = parse_document(shared(ANHUI / "draft-excerpt.txt"))
    assert regulation.title == "安徽省新能源汽车产业集群建设促进条例（草案）"
    assert [a.number for a in regulation.articles] == [1, 2, 3, 4, 5]
    assert regulation.articles[0].text.startswith("为了促进新能源汽车产业高质量发展")
    assert regulation.complete and regulation.adopted is None


def test_reimport_reproduces_bundled_corpus(tmp_path: Path) -> None:
    """The bundled corpus is exactly what `qa import final-full-flk.txt --with final-excerpt.txt` writes."""
    summary = import_document(shared(ANHUI / "final-full-flk.txt"), tmp_path, supplements=[shared(ANHUI / "final-excerpt.txt")])
    assert summary.id == "anhui-nev-clusters" and summary.articles == 43 and summary.chapters == 7 and summary.complete
    assert (tmp_path / "anhui-nev-clusters" / REGULATION_FILE).read_bytes() == (BUNDLED / REGULATION_FILE).read_bytes()


def test_excerpt_imports_as_a_partial_corpus(tmp_path: Path) -> None:
    summary = import_document(shared(ANHUI / "final-excerpt.txt"), tmp_path)
    assert summary.id == "anhui-nev-clusters" and summary.articles == 4 and summary.chapters == 7 and not summary.complete
    regulation = load_corpus(tmp_path / "anhui-nev-clusters")
    assert regulation.coverage_en() == "Articles 1–4 of 43" and not regulation.complete
    assert [f.kind for f in regulation.front] == ["announcement", "adoption"]
    assert any("Not all 43 articles are loaded" in note for note in regulation.notes)


def test_every_article_equals_the_official_text() -> None:
    """Each article of the bundled corpus is, character for character, its lines of final-full-flk.txt
    (the label and the ideographic space after it are layout)."""
    source = shared(ANHUI / "final-full-flk.txt").read_text(encoding="utf-8")
    by_label: dict[str, list[str]] = {}
    label = None
    for line in source.splitlines():
        match = re.match(r"^(第[一二三四五六七八九十]+条)　(.*)$", line)
        if match:
            label = match.group(1)
            by_label[label] = [match.group(2)]
        elif re.match(r"^第[一二三四五六七八九十]+章　", line) or not line.strip():
            label = None
        elif label is not None:
            by_label[label].append(line)
    regulation = load_corpus(BUNDLED)
    assert len(by_label) == 43 and regulation.complete and regulation.numbered_articles == 43
    for article in regulation.articles:
        assert [p.text for p in article.paragraphs] == by_label[article.label_zh], article.label_zh
        assert article.source == "flk"


def test_translations_survive_reimport(tmp_path: Path) -> None:
    shutil.copytree(BUNDLED, tmp_path / "anhui-nev-clusters")
    before = (BUNDLED / TRANSLATION_FILE).read_bytes()
    import_document(shared(ANHUI / "final-full-flk.txt"), tmp_path)
    assert (tmp_path / "anhui-nev-clusters" / TRANSLATION_FILE).read_bytes() == before
    regulation = load_corpus(tmp_path / "anhui-nev-clusters")
    assert all(a.text_en for a in regulation.articles) and regulation.title_en


def test_same_title_keeps_existing_id(tmp_path: Path) -> None:
    (tmp_path / "mine").mkdir()
    shutil.copy(BUNDLED / REGULATION_FILE, tmp_path / "mine" / REGULATION_FILE)
    assert import_document(shared(ANHUI / "final-excerpt.txt"), tmp_path).id == "mine"


def test_nothing_written_on_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError):
        import_document(doc(tmp_path, "测试条例\n第一条 一。\n第三条 三。\n"), tmp_path / "out")
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------- the Criminal Law, with its inserted articles

def test_the_criminal_law_imports_with_its_inserted_articles(tmp_path: Path) -> None:
    regulation, warnings = parse_with_warnings(shared(LIBRARY / "刑法" / "刑法.md"))
    assert regulation.title == "中华人民共和国刑法"
    assert regulation.numbered_articles == 452 and regulation.coverage_zh() == "第一条至第四百五十二条（全文共四百五十二条）"
    inserted = [a.label_zh for a in regulation.articles if a.suffix]
    assert inserted[:3] == ["第十七条之一", "第三十七条之一", "第一百二十条之一"] and "第二百五十三条之一" in inserted
    assert [a.key for a in regulation.articles if a.number == 120] == [(120, s) for s in range(7)]
    article = regulation.article(253, 1)
    assert article is not None and article.text.startswith("违反国家有关规定，向他人出售或者提供公民个人信息，情节严重的，")
    assert regulation.article(253).text.startswith("邮政工作人员私自开拆")
    assert not any("label" in w for w in warnings)


def test_inserted_articles_survive_the_corpus_format(tmp_path: Path) -> None:
    """Save and load the whole Criminal Law (its 编 are left out: the corpus numbers chapters straight through)."""
    parsed = parse_document(shared(LIBRARY / "刑法" / "刑法.md"))
    flat = replace(parsed, chapters=(), sections=(), articles=tuple(replace(a, chapter=None, section=None) for a in parsed.articles))
    written = save_corpus(flat, tmp_path / "a")
    loaded = load_corpus(tmp_path / "a")
    assert [a.key for a in loaded.articles] == [a.key for a in parsed.articles]
    assert loaded.article(17, 1).text == body(CRIMINAL_17[5], "第十七条之一")
    assert regulation_records(loaded) == regulation_records(flat)
    assert save_corpus(loaded, tmp_path / "b").read_bytes() == written.read_bytes()
    lines = written.read_text(encoding="utf-8").splitlines()
    assert sum('"suffix"' in line for line in lines) == len(parsed.articles) - 452
    assert any(line.startswith('{"type": "article", "number": 17, "suffix": 1, "chapter": null, ') for line in lines)
    assert any(line.startswith('{"type": "article", "number": 17, "chapter": null, "paragraphs"') for line in lines)
