"""Line classification: article labels and heading titles, without the layout spaces official texts print."""

from __future__ import annotations

from pathlib import Path

from qa.importer import clean_title, parse_document
from tests.documents import CIVIL_CODE_1_2, LIBRARY, doc, shared, texts


def test_label_alone_on_its_line(tmp_path: Path) -> None:
    assert texts(parse_document(doc(tmp_path, "测试条例\n第一条\n为了测试，制定本条例。\n"))) == [(1, None, ["为了测试，制定本条例。"])]


def test_heading_titles_lose_unicode_spaces(tmp_path: Path) -> None:
    assert "\u2002" in CIVIL_CODE_1_2[0]
    text = "# 中华人民共和国民法典\n\n<!-- INFO END -->\n\n" + "\n\n".join(CIVIL_CODE_1_2) + "\n"
    regulation = parse_document(doc(tmp_path, text, "civil.md"))
    assert [c.title for c in regulation.chapters] == ["基本规定"]
    assert clean_title("\u2002\u2002监\u2002\u2002护") == "监护"
    assert clean_title("\u3000总\u3000\u3000则\xa0") == "总则"


def test_civil_code_headings() -> None:
    regulation = parse_document(shared(LIBRARY / "民法典" / "总则.md"))
    assert regulation.chapters[0].title == "基本规定"
    assert [s.title for s in regulation.sections if s.chapter == 2][:2] == ["民事权利能力和民事行为能力", "监护"]
    assert not any(c.title != c.title.strip() or "\u2002" in c.title for c in regulation.chapters)
