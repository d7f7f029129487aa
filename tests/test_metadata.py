"""What a document states about itself: its title (also over two lines), dates and issuing body, and its front matter."""

from __future__ import annotations

from pathlib import Path

from qa.corpus import load_corpus
from qa.importer import parse_document
from tests.documents import ANHUI, BUNDLED, LIBRARY, doc, shared


def test_title_over_two_lines(tmp_path: Path) -> None:
    text = "公告。\n《测试省测试产业集群建设\n促进条例（草案）》\n第一章总则\n第一条为了测试。\n"
    assert parse_document(doc(tmp_path, text)).title == "测试省测试产业集群建设促进条例（草案）"


def test_markdown_metadata() -> None:
    regulation = parse_document(shared(LIBRARY / "民法典" / "物权编.md"))
    assert regulation.title == "中华人民共和国民法典"
    assert regulation.articles[0].number == 205  # a part of the Civil Code continues its numbering
    assert (regulation.adopted, regulation.issuing_body, regulation.effective) == ("2020-05-28", "全国人民代表大会", "2021-01-01")


def test_front_matter_is_the_official_text() -> None:
    regulation = load_corpus(BUNDLED)
    announcement, adoption = regulation.front
    assert announcement.kind == "announcement" and announcement.source == "evb"
    assert announcement.paragraphs[1] == "（十四届）第十六号"
    assert announcement.paragraphs[2] == "《安徽省新能源汽车产业集群发展条例》已经2023年12月28日安徽省第十四届人民代表大会常务委员会第六次会议通过，现予公布，自2024年3月1日起施行。"
    flk = shared(ANHUI / "final-full-flk.txt").read_text(encoding="utf-8").splitlines()
    assert adoption.kind == "adoption" and adoption.source == "flk" and adoption.paragraphs[0] in flk
