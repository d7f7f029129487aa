"""The document's structure: the table of contents set apart, excerpts, and damaged headings (strict refuses, lenient keeps the articles)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.corpus import CorpusError, load_corpus
from qa.importer import import_document, parse_document, parse_with_warnings
from tests.documents import LIBRARY, OFFICIAL, doc, rule_text, shared


def test_toc_without_marker_is_no_chapter(tmp_path: Path) -> None:
    regulation = parse_document(doc(tmp_path, OFFICIAL.replace("目　　录\n", "")))
    assert len(regulation.chapters) == 2


def test_excerpt_is_evident_from_its_own_toc(tmp_path: Path) -> None:
    text = OFFICIAL.replace("第二章　创新引领\n第一章", "第二章　创新引领\n第三章　附则\n第一章")
    regulation = parse_document(doc(tmp_path, text), declared_articles=43)
    assert not regulation.complete
    assert [c.title for c in regulation.chapters] == ["总则", "创新引领", "附则"]  # the TOC names chapter 3


def test_heading_structure_left_out_when_not_strict(tmp_path: Path) -> None:
    path = doc(tmp_path, rule_text("chapter-order"))
    regulation, warnings = parse_with_warnings(path, strict_headings=False)
    assert regulation.chapters == () and [a.chapter for a in regulation.articles] == [None, None]
    assert any("chapter 3" in w for w in warnings)


# ---------------------------------------------------------------- damaged headings: strict refuses, --lenient keeps the articles

# 第一章's heading is lost, and 第二章's title lost its label (a bare 监督管理 line), as in the library's
# 山东省燃气管理条例: strict import refuses, lenient keeps every article and leaves the chapters out.
DAMAGED = "测试条例\n第一条 为了测试，制定本条例。\n第二条 本条例适用于测试。\n监督管理\n第三条 测试部门负责监督。\n第三章 附则\n第四条 本条例自公布之日起施行。\n"


def test_damaged_headings_are_refused_naming_lenient(tmp_path: Path) -> None:
    with pytest.raises(CorpusError) as caught:
        import_document(doc(tmp_path, DAMAGED), tmp_path / "out")
    assert (caught.value.rule, caught.value.line) == ("article-outside-chapter", 2)
    assert "`qa import --lenient`" in caught.value.message and not (tmp_path / "out").exists()


def test_lenient_import_keeps_every_article_and_records_each_defect(tmp_path: Path) -> None:
    summary = import_document(doc(tmp_path, DAMAGED), tmp_path / "out", lenient=True)
    assert (summary.articles, summary.chapters, summary.complete) == (4, 0, True)
    assert summary.structure_warnings == (
        "doc.txt:2: [article-outside-chapter] 第一条 stands before the first chapter (章) heading",
        "doc.txt:4: [lost-heading] '监督管理' between 第二条 and 第三条 looks like a chapter or section title without its 第X章/第X节 label; left out of 第二条",
        "doc.txt:6: [chapter-order] chapter 3 (第三章) follows chapter 0",
    )
    assert [w for w in summary.warnings if w.startswith("headings left out")] == [
        f"headings left out, their structure is broken: {tmp_path / 'doc.txt'}:{w.split(':', 2)[1]}:{w.split(':', 2)[2]}" for w in summary.structure_warnings
    ]
    regulation = load_corpus(summary.path.parent)
    assert regulation.structure_warnings == summary.structure_warnings
    assert [(a.number, a.chapter, a.text) for a in regulation.articles] == [
        (1, None, "为了测试，制定本条例。"),
        (2, None, "本条例适用于测试。"),  # 监督管理 is no part of it
        (3, None, "测试部门负责监督。"),
        (4, None, "本条例自公布之日起施行。"),
    ]
    first = json.loads(summary.path.read_text(encoding="utf-8").split("\n", 1)[0])
    assert first["structure_warnings"] == list(summary.structure_warnings)


def test_structure_warnings_are_written_only_when_there_are_some(tmp_path: Path) -> None:
    summary = import_document(doc(tmp_path, OFFICIAL.replace("发展条例\n（", "测试条例\n（")), tmp_path / "out", lenient=True)
    assert summary.structure_warnings == () and summary.chapters == 2
    assert '"structure_warnings"' not in summary.path.read_text(encoding="utf-8")
    assert load_corpus(summary.path.parent).structure_warnings == ()


def test_lenient_never_guesses_article_numbers(tmp_path: Path) -> None:
    with pytest.raises(CorpusError) as caught:
        import_document(doc(tmp_path, "测试条例\n第一章 总则\n第一条 一。\n第三条 三。\n"), tmp_path / "out", lenient=True)
    assert caught.value.rule == "article-order"


def test_a_damaged_structure_warnings_field_is_refused(tmp_path: Path) -> None:
    summary = import_document(doc(tmp_path, DAMAGED), tmp_path / "out", lenient=True)
    lines = summary.path.read_text(encoding="utf-8").split("\n")
    first = json.loads(lines[0])
    first["structure_warnings"] = "not a list"
    summary.path.write_text("\n".join([json.dumps(first, ensure_ascii=False), *lines[1:]]), encoding="utf-8")
    with pytest.raises(CorpusError) as caught:
        load_corpus(summary.path.parent)
    assert (caught.value.rule, caught.value.line) == ("field", 1)


GAS = "DLC/山东地方法规/地方性法规/山东/山东省燃气管理条例(2016-03-30).md"


def test_the_library_file_without_its_first_chapters(tmp_path: Path) -> None:
    """山东省燃气管理条例: no 第一章 heading, 第二章 and 第三章 reduced to bare titles, 第四章 on."""
    path = shared(LIBRARY / GAS)
    with pytest.raises(CorpusError) as caught:
        import_document(path, tmp_path / "strict")
    assert (caught.value.rule, caught.value.line) == ("article-outside-chapter", 11) and "--lenient" in caught.value.message
    summary = import_document(path, tmp_path / "lenient", lenient=True)
    assert (summary.articles, summary.chapters) == (57, 0)
    assert [w.split(" ", 2)[:2] for w in summary.structure_warnings] == [
        ["山东省燃气管理条例(2016-03-30).md:11:", "[article-outside-chapter]"],
        ["山东省燃气管理条例(2016-03-30).md:27:", "[lost-heading]"],
        ["山东省燃气管理条例(2016-03-30).md:49:", "[lost-heading]"],
        ["山东省燃气管理条例(2016-03-30).md:117:", "[chapter-order]"],
    ]
    regulation = load_corpus(summary.path.parent)
    assert [a.number for a in regulation.articles] == list(range(1, 58))
    assert regulation.article(6).text == "燃气经营企业必须遵守有关安全生产的法律、法规，加强安全生产管理，并对用户安全使用燃气进行指导。\n燃气用户应当遵守燃气安全用气规则，确保使用安全。"
    assert all("规划与工程建设" not in a.text and "经营管理" != a.paragraphs[-1].text for a in regulation.articles)
