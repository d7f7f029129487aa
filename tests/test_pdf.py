"""PDF import: PDFs that the tests typeset themselves (tests/pdfgen.py, reportlab), read back and compared
with importing the same text as library Markdown. No PDF is committed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("reportlab", reason="reportlab (a test dependency: pip install -e '.[test]') typesets the test PDFs")

from qa.cli import main  # noqa: E402
from qa.corpus import CorpusError, Regulation  # noqa: E402
from qa.importer import parse_document, parse_with_warnings  # noqa: E402
from qa.importer.pdf import read_rows  # noqa: E402
from tests.pdfgen import LIBRARY, STSONG, WQY_FILE, Block, markdown_to_pdf, register_font, render, sample  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

# 36 characters fill a line of the default page at 12 pt; the first line of a paragraph holds 34.
LONG = "县级以上人民政府应当加强对本行政区域内测试工作的领导，建立健全测试工作协调机制，统筹解决测试工作中的重大问题，所需经费列入本级财政预算"
STOP_AT_LINE_END = "本条例所称测试活动，是指依照本条例对测试对象开展的检验活动。" + "测试机构应当" + "公开测试结果" * 4 + "，接受社会监督。"
SYNTHETIC = [
    "# 测试省测试工作条例",
    "",
    "2024年5月30日 测试省第十四届人民代表大会常务委员会第九次会议通过",
    "",
    "<!-- INFO END -->",
    "",
    "## 第一章 总则",
    "",
    f"第一条 为了规范测试工作，{LONG}，根据有关法律、行政法规，结合本省实际，制定本条例。",
    "",
    # 第二条, the full-width space and 30 characters up to 。 fill the first line exactly; the paragraph goes on.
    "第二条 " + STOP_AT_LINE_END,
    "",
    *[p for i in range(3, 20) for p in (f"第{'三四五六七八九十'[i - 3] if i < 11 else '十' + '一二三四五六七八九'[i - 11]}条 {LONG}。", "")],
    "## 第二章 附则",
    "",
    "第二十条 本条例自2024年7月1日起施行。",
]


def synthetic(tmp_path: Path) -> Path:
    path = tmp_path / "test.md"
    path.write_text("\n".join(SYNTHETIC) + "\n", encoding="utf-8")
    return path


def library(name: str) -> Path:
    path = LIBRARY / name
    if not path.is_file():
        pytest.skip(f"{path} is not here: the shared law library sits beside the project in CI, not in a fresh clone")
    return path


def same(pdf: Regulation, markdown: Regulation) -> None:
    """The PDF imports to the same regulation as its Markdown source: title, dates, chapters, sections, articles."""
    assert pdf.title == markdown.title
    assert pdf.adopted == markdown.adopted
    assert [(c.number, c.title) for c in pdf.chapters] == [(c.number, c.title) for c in markdown.chapters]
    assert [(s.chapter, s.number, s.title) for s in pdf.sections] == [(s.chapter, s.number, s.title) for s in markdown.sections]
    assert [(a.key, a.chapter, a.section, [p.text for p in a.paragraphs]) for a in pdf.articles] == [
        (a.key, a.chapter, a.section, [p.text for p in a.paragraphs]) for a in markdown.articles
    ]


def test_the_builtin_cid_font_round_trips(tmp_path: Path) -> None:
    """STSong-Light is not embedded and has no ToUnicode map: pypdf must know Adobe-GB1 to read it back."""
    text = ["第一条\u3000为了保护民事主体的合法权益，调整（一）；", "“引号”《法》、。", "第一章\u3000总\u3000\u3000则", "－1－ 第1页 共5页 ABC 123"]
    rendered = render([Block("paragraph", line) for line in text], tmp_path / "t.pdf", header=None, footer="")
    assert rendered.wrapped == 0
    rows, pages = read_rows(rendered.path)
    assert pages == 1 and [row.text for row in rows] == text


def test_official_layout_imports_like_its_markdown(tmp_path: Path) -> None:
    source = synthetic(tmp_path)
    rendered = markdown_to_pdf(source, tmp_path / "test.pdf")
    # The layout really had each case: a running title, a footer per page, wraps, a wrap right after 。
    # inside a paragraph, and a paragraph that goes on over a page break.
    assert rendered.pages >= 2 and rendered.wrapped >= 18 and rendered.breaks_after_stop >= 1 and rendered.across_pages >= 1
    regulation, warnings = parse_with_warnings(rendered.path)
    same(regulation, parse_document(source))
    assert regulation.article(2).text == STOP_AT_LINE_END and warnings == ()
    assert regulation.sources[0].file == "test.pdf" and "(pdf)" in (regulation.sources[0].note or "")


@pytest.mark.parametrize("footer", ["－{n}－", "- {n} -", "{n}", "第{n}页", "第 {n} 页 共 {total} 页", ""])
@pytest.mark.parametrize("header_on_first", [False, True])
def test_page_numbers_and_running_headers_are_left_out(tmp_path: Path, footer: str, header_on_first: bool) -> None:
    source = synthetic(tmp_path)
    rendered = markdown_to_pdf(source, tmp_path / "test.pdf", footer=footer, header_on_first=header_on_first)
    same(parse_document(rendered.path), parse_document(source))


def test_a_running_header_other_than_the_title(tmp_path: Path) -> None:
    source = synthetic(tmp_path)
    rendered = markdown_to_pdf(source, tmp_path / "test.pdf", header="测试省人民代表大会常务委员会公报", header_on_first=True)
    same(parse_document(rendered.path), parse_document(source))


def test_flush_left_paragraphs_fall_back_to_the_text_rules(tmp_path: Path) -> None:
    """Without first-line indents only the text says where a paragraph ends: one that stops mid-sentence goes on."""
    lines = [line for line in SYNTHETIC if line != "第二条 " + STOP_AT_LINE_END]  # a wrap after 。 is ambiguous here
    lines = [line.replace("第二十条", "第二条") if line.startswith("第二十条") else line for line in lines]
    lines = [line for line in lines if not line.startswith(("第三条", "第四条", "第五条", "第六条", "第七条", "第八条", "第九条", "第十", "第十一"))]
    source = tmp_path / "flush.md"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rendered = markdown_to_pdf(source, tmp_path / "flush.pdf", indent=0)
    assert rendered.wrapped >= 1
    same(parse_document(rendered.path), parse_document(source))


def test_an_unnumbered_centred_heading_ends_the_article_above_it(tmp_path: Path) -> None:
    """Judicial interpretations head their parts 一、一般规定: a centred line, as a Markdown heading, not article text."""
    source = tmp_path / "interpretation.md"
    source.write_text("# 最高人民法院关于测试的解释\n\n<!-- INFO END -->\n\n## 一、一般规定\n\n第一条 一。\n\n## 二、其他\n\n第二条 二。\n", encoding="utf-8")
    rendered = markdown_to_pdf(source, tmp_path / "interpretation.pdf")
    regulation = parse_document(rendered.path)
    same(regulation, parse_document(source))
    assert regulation.article(1).text == "一。"


def test_a_scanned_pdf_is_refused_with_the_fix(tmp_path: Path) -> None:
    from reportlab.pdfgen import canvas

    path = tmp_path / "scan.pdf"
    pdf = canvas.Canvas(str(path))
    for page in range(2):
        pdf.rect(72, 72, 400, 600, fill=1)  # the scanned page: pixels, no text
        pdf.showPage()
    pdf.save()
    with pytest.raises(CorpusError) as caught:
        parse_document(path)
    assert caught.value.rule == "no-text-layer"
    assert caught.value.message == "no text layer: this PDF is a scan; OCR it first"


def test_a_broken_pdf_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.7\n% not really a PDF\n")
    with pytest.raises(CorpusError) as caught:
        parse_document(path)
    assert caught.value.rule in ("unreadable", "no-text-layer")


def test_a_pdf_is_recognised_by_its_content(tmp_path: Path) -> None:
    source = synthetic(tmp_path)
    rendered = markdown_to_pdf(source, tmp_path / "download.bin")
    same(parse_document(rendered.path), parse_document(source))


def test_errors_name_the_page(tmp_path: Path) -> None:
    source = tmp_path / "gap.md"
    source.write_text("\n".join(line for line in SYNTHETIC if not line.startswith("第十九条")) + "\n", encoding="utf-8")
    rendered = markdown_to_pdf(source, tmp_path / "gap.pdf")
    with pytest.raises(CorpusError) as caught:
        parse_document(rendered.path)
    assert caught.value.rule == "article-order" and caught.value.line == rendered.pages


def test_qa_import_reads_a_pdf(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rendered = markdown_to_pdf(synthetic(tmp_path), tmp_path / "test.pdf")
    assert main(["import", str(rendered.path), "--out", str(tmp_path / "out"), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["title"], summary["articles"], summary["chapters"], summary["warnings"]) == ("测试省测试工作条例", 20, 2, [])


def test_an_embedded_truetype_font(tmp_path: Path) -> None:
    """A word processor embeds a subset of its font with a ToUnicode map (here WenQuanYi Micro Hei)."""
    if not WQY_FILE.is_file():
        pytest.skip(f"{WQY_FILE} is absent: apt-get install fonts-wqy-microhei (the Makefile's browser target does)")
    register_font(str(WQY_FILE))
    source = synthetic(tmp_path)
    same(parse_document(markdown_to_pdf(source, tmp_path / "wqy.pdf", font=str(WQY_FILE)).path), parse_document(source))


@pytest.mark.parametrize(
    "name",
    ["宪法相关法/国旗法(2020-10-17).md", "民法商法/公司法(2023-12-29).md", "行政法规/烈士褒扬条例(2024-09-27).md"],
)
def test_library_documents(tmp_path: Path, name: str) -> None:
    source = library(name)
    rendered = markdown_to_pdf(source, tmp_path / "doc.pdf")
    assert rendered.across_pages >= 1
    same(parse_document(rendered.path), parse_document(source))


@pytest.mark.slow
def test_a_hundred_library_documents_as_pdf(tmp_path: Path) -> None:
    if not LIBRARY.is_dir():
        pytest.skip(f"the shared law library is not at {LIBRARY} (it sits beside the project in CI)")
    files = sample(30)
    assert len(files) >= 100
    pages = articles = 0
    differ: list[str] = []
    for i, source in enumerate(files):
        rendered = markdown_to_pdf(source, tmp_path / f"{i}.pdf", font=STSONG)
        pages += rendered.pages
        markdown = parse_document(source)
        try:
            pdf = parse_document(rendered.path)
        except CorpusError as exc:
            differ.append(f"{source}: {exc}")
            continue
        articles += len(markdown.articles)
        if [(a.key, a.text) for a in pdf.articles] != [(a.key, a.text) for a in markdown.articles]:
            differ.append(f"{source}: the articles differ")
        elif [(c.number, c.title) for c in pdf.chapters] != [(c.number, c.title) for c in markdown.chapters]:
            differ.append(f"{source}: the chapters differ")
    print(f"{len(files)} library documents as PDF ({pages} pages, {articles} articles): {len(files) - len(differ)} identical")
    assert not differ, "\n".join(differ)
