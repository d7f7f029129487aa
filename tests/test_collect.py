"""One regulation per title: the Civil Code's 8 files merged into one code, older versions of a text
left out, and ``exclude`` leaving out sub-folders (DLC) — all on real files of the shared law library."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qa.corpus import collect, load_library
from qa.importer import parse_document

SHARED = Path(__file__).resolve().parents[2] / "shared"
LIBRARY = SHARED / "regulations" / "library"
CIVIL_CODE = LIBRARY / "民法典"
#: The Civil Code's 编, in article order (each file's article numbers run on from the one before).
CIVIL_CODE_PARTS = ("总则", "物权编", "合同编", "人格权编", "婚姻家庭编", "继承编", "侵权责任编", "附则")
INJURY = "最高人民法院关于审理人身损害赔偿案件适用法律若干问题的解释"
INJURY_DIR = LIBRARY / "司法解释"
STATE_COUNCIL_DIR = LIBRARY / "宪法相关法"
BUILDING_LAW = LIBRARY / "经济法" / "建筑法(2019-04-23).md"
BEIJING_FINES = LIBRARY / "DLC" / "北京地方法规" / "地方性法规" / "北京" / "北京市规章设定罚款限额规定.md"
LABOUR_CONTRACT = LIBRARY / "社会法" / "劳动合同法(2012-12-28).md"


def need(*paths: Path) -> None:
    for path in paths:
        if not path.exists():
            pytest.skip(f"{path} is absent (../shared, with the law library, is not beside the project)")


def copy_into(folder: Path, *files: Path) -> Path:
    """Copies of real library files under ``folder``, keeping their paths relative to the library."""
    for file in files:
        target = folder / file.relative_to(LIBRARY)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(file, target)
    return folder


def body_line(path: Path, label: str) -> str:
    """The first paragraph of article ``label`` (e.g. 第十二条) as the file has it, label and space removed."""
    line = next(l for l in path.read_text(encoding="utf-8").splitlines() if l.startswith(label + " "))
    return line.removeprefix(label + " ")


# ------------------------------------------------------------------ parts of one code


def test_civil_code_folder_becomes_one_code() -> None:
    need(CIVIL_CODE)
    messages: list[str] = []
    library = load_library(CIVIL_CODE, log=messages.append)
    assert len(library) == 1
    code = library[0]
    assert code.title == "中华人民共和国民法典"
    assert [a.key for a in code.articles] == [(n, 0) for n in range(1, 1261)]
    assert code.article(1079).text.startswith("夫妻一方要求离婚的，可以由有关组织进行调解或者直接向人民法院提起离婚诉讼。")
    assert code.article(1260).text.startswith("本法自2021年1月1日起施行。")

    numbers = [c.number for c in code.chapters]
    assert numbers == sorted(set(numbers)), "chapter numbers unique and increasing"
    assert numbers[0] == 1 and len(numbers) == 84
    chapters = set(numbers)
    assert all(a.chapter in chapters for a in code.articles if a.chapter is not None), "every article's chapter exists"
    in_chapters = [a.chapter for a in code.articles if a.chapter is not None]
    assert in_chapters == sorted(in_chapters)
    assert [a.number for a in code.articles if a.chapter is None] == [1259, 1260]  # 附则 has no chapters
    assert all(s.chapter in chapters for s in code.sections)
    assert code.chapter(1).title == "基本规定" and code.chapter(84).title == "建筑物和物件损害责任"

    parts = [c.part for c in code.chapters]
    assert parts == sorted(parts) and set(parts) == set(range(1, 8)), "parts 1..7 (总则 … 侵权责任编), in order"
    assert code.chapter(10).part == 1 and code.chapter(11).part == 2  # 期间计算 ends 总则; 物权编 begins

    assert [s.file for s in code.sources] == [f"{p}.md" for p in CIVIL_CODE_PARTS]
    merged = [n for n in code.notes if n.startswith("Merged from")]
    assert len(merged) == 1 and merged[0].startswith("Merged from 8 documents: 总则.md, 物权编.md")
    assert not any("left out" in m for m in messages), "parts are merged, not treated as versions"


def test_parts_merge_in_article_order_whatever_order_they_come_in() -> None:
    need(CIVIL_CODE)
    parts = [parse_document(CIVIL_CODE / f"{p}.md") for p in CIVIL_CODE_PARTS]
    expected = collect(parts, log=lambda m: None)
    for shuffled in (parts[::-1], parts[3:] + parts[:3]):
        (code,) = collect(shuffled, log=lambda m: None)
        assert [a.key for a in code.articles] == [a.key for a in expected[0].articles]
        assert code.chapters == expected[0].chapters and code.sections == expected[0].sections


# ------------------------------------------------------------------ versions of one text


VERSION_PAIRS = [
    pytest.param(INJURY_DIR / f"{INJURY}(2020-12-29).md", INJURY_DIR / f"{INJURY}(2022-04-24).md", id="injury-interpretation"),
    pytest.param(STATE_COUNCIL_DIR / "国务院组织法(1982-12-10).md", STATE_COUNCIL_DIR / "国务院组织法(2024-03-11).md", id="state-council-law"),
]


@pytest.mark.parametrize(("older", "newer"), VERSION_PAIRS)
def test_only_the_latest_version_is_kept(older: Path, newer: Path, tmp_path: Path) -> None:
    need(older, newer)
    messages: list[str] = []
    library = load_library(copy_into(tmp_path, older, newer), log=messages.append)
    assert len(library) == 1
    kept = library[0]
    assert [s.file for s in kept.sources] == [newer.name]
    expected = parse_document(newer)
    assert kept.title == expected.title and [a.text for a in kept.articles] == [a.text for a in expected.articles]
    assert any("kept the latest version" in m and "left out 1 " in m for m in messages), messages

    old, new = parse_document(older), parse_document(newer)
    for order in ([old, new], [new, old]):
        notes: list[str] = []
        (chosen,) = collect(order, log=notes.append)
        assert chosen.sources[0].file == newer.name
        assert len(notes) == 1


def test_version_texts_differ_and_the_newer_text_is_served(tmp_path: Path) -> None:
    """The 2022 interpretation dropped 农村居民人均纯收入 from Article 12: the loaded text says so."""
    older, newer = INJURY_DIR / f"{INJURY}(2020-12-29).md", INJURY_DIR / f"{INJURY}(2022-04-24).md"
    need(older, newer)
    assert body_line(older, "第十二条") != body_line(newer, "第十二条")
    (kept,) = load_library(copy_into(tmp_path, older, newer), log=lambda m: None)
    assert kept.article(12).paragraphs[0].text == body_line(newer, "第十二条")
    assert "农村居民人均纯收入" not in kept.article(12).text


def test_three_versions_keep_a_2022_text() -> None:
    files = [INJURY_DIR / f"{INJURY}({d}).md" for d in ("2020-12-29", "2022-04-04", "2022-04-24")]
    need(*files)
    messages: list[str] = []
    (kept,) = collect([parse_document(f) for f in files], log=messages.append)
    assert kept.sources[0].file != files[0].name
    assert kept.article(12).paragraphs[0].text == body_line(files[2], "第十二条")
    assert any("left out 2 " in m for m in messages), messages


def test_same_effective_date_tie_goes_to_the_latest_file() -> None:
    files = [INJURY_DIR / f"{INJURY}({d}).md" for d in ("2022-04-04", "2022-04-24")]
    need(*files)
    (kept,) = collect([parse_document(f) for f in files], log=lambda m: None)
    assert kept.sources[0].file == files[1].name


def test_distinct_titles_pass_through_in_first_seen_order() -> None:
    need(BUILDING_LAW, LABOUR_CONTRACT, CIVIL_CODE)
    building, labour = parse_document(BUILDING_LAW), parse_document(LABOUR_CONTRACT)
    first_part = parse_document(CIVIL_CODE / "总则.md")
    messages: list[str] = []
    out = collect([labour, first_part, building], log=messages.append)
    assert out == [labour, first_part, building]
    assert messages == []


# ------------------------------------------------------------------ exclude


def test_exclude_leaves_out_a_sub_folder(tmp_path: Path) -> None:
    need(BUILDING_LAW, BEIJING_FINES)
    folder = copy_into(tmp_path / "library", BUILDING_LAW, BEIJING_FINES)
    everything = load_library(folder, log=lambda m: None)
    assert sorted(r.title for r in everything) == ["中华人民共和国建筑法", "北京市规章设定罚款限额规定"]
    national = load_library(folder, exclude=["DLC"], log=lambda m: None)
    assert [r.title for r in national] == ["中华人民共和国建筑法"]
    assert [r.title for r in load_library(folder, exclude=["北京"], log=lambda m: None)] == ["中华人民共和国建筑法"]  # any folder level
    assert len(load_library(folder, exclude=["none"], log=lambda m: None)) == 2


# ------------------------------------------------------------------ documents skipped


def test_skipped_documents_are_listed_in_the_result_and_logged(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("甲条例\n第一条 甲。\n第二条 乙。\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("乙条例\n第一条 甲。\n第三条 乙。\n", encoding="utf-8")
    (tmp_path / "c.txt").write_text("没有条文的文件。\n", encoding="utf-8")
    messages: list[str] = []
    library = load_library(tmp_path, log=messages.append)
    assert [r.title for r in library] == ["甲条例"] and library == [parse_document(tmp_path / "a.txt")]
    assert [(s.path, s.rule) for s in library.skipped] == [(tmp_path / "b.txt", "article-order"), (tmp_path / "c.txt", "no-articles")]
    assert library.skipped[0].reason.startswith(f"{tmp_path / 'b.txt'}:3: [article-order]")
    assert library.skipped_note() == "2 documents skipped (see log)"
    # The log lines stay: one note for the files without articles, one warning per refused file.
    assert messages == ["note: skipped 1 document(s) with no numbered articles (第X条)", f"warning: skipped {library.skipped[0].reason}"]


def test_a_corpus_or_document_skips_nothing(tmp_path: Path) -> None:
    document = tmp_path / "a.txt"
    document.write_text("甲条例\n第一条 甲。\n", encoding="utf-8")
    library = load_library(document, log=lambda m: None)
    assert len(library) == 1 and library.skipped == () and library.skipped_note() is None
