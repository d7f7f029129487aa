"""Every format read into numbered lines: TXT (also GB18030), HTML and DOCX agree with the library Markdown."""

from __future__ import annotations

import html
from pathlib import Path

import pytest

from qa.importer import parse_document
from tests.documents import LIBRARY, doc, error, shared, texts


def test_gb18030_text(tmp_path: Path) -> None:
    path = tmp_path / "gbk.txt"
    path.write_bytes("测试条例\n第一条 为了测试。\n".encode("gb18030"))
    assert parse_document(path).articles[0].text == "为了测试。"


# ---------------------------------------------------------------- the same law as Markdown, TXT, HTML and DOCX

SAMPLES = ["宪法相关法/国旗法(2020-10-17).md", "民法商法/公司法(2023-12-29).md", "行政法规/烈士褒扬条例(2024-09-27).md"]


def library_files() -> list[Path]:
    files = [LIBRARY / name for name in SAMPLES if (LIBRARY / name).is_file()]
    if not files:
        files = sorted(shared(LIBRARY).rglob("*.md"))[:3]
    return files


def markdown_lines(path: Path) -> tuple[str, list[str]]:
    """The library file as title + header lines and body lines, '#' marks removed."""
    text = path.read_text(encoding="utf-8")
    head, body = text.split("<!-- INFO END -->", 1)
    lines = [line.lstrip("#").strip() for line in head.splitlines() + body.splitlines()]
    return lines[0], [line for line in lines[1:] if line and not line.startswith("<!--")]


def as_txt(path: Path, out: Path) -> Path:
    title, lines = markdown_lines(path)
    return doc(out, "\n".join([title, *lines]) + "\n", path.stem + ".txt")


def as_html(path: Path, out: Path) -> Path:
    title, lines = markdown_lines(path)
    body = "\n".join(f"<p>\n  {html.escape(line)}\n</p>" for line in lines)
    page = f"<!DOCTYPE html><html><head><title>{title}</title></head><body><nav>首页</nav><h1>{title}</h1>{body}</body></html>"
    return doc(out, page, path.stem + ".html")


def as_docx(path: Path, out: Path) -> Path:
    import docx

    title, lines = markdown_lines(path)
    document = docx.Document()
    document.add_heading(title, 0)
    for line in lines:
        document.add_paragraph(line)
    target = out / (path.stem + ".docx")
    document.save(str(target))
    return target


@pytest.mark.parametrize("convert", [as_txt, as_html, as_docx], ids=["txt", "html", "docx"])
def test_formats_agree_with_markdown(tmp_path: Path, convert) -> None:  # type: ignore[no-untyped-def]
    for path in library_files():
        markdown = parse_document(path)
        other = parse_document(convert(path, tmp_path))
        assert other.title == markdown.title
        assert texts(other) == texts(markdown), path
        assert [(c.number, c.title) for c in other.chapters] == [(c.number, c.title) for c in markdown.chapters]
        assert other.adopted == markdown.adopted


def test_html_inline_markup_and_breaks(tmp_path: Path) -> None:
    page = (
        "<html><head><title>站点</title><script>var x = '第九条';</script></head><body>"
        "<div class='nav'>首页 &gt; 法规</div><h2>测试条例</h2>"
        "<p><b>第一条</b>　为了测试，<span>制定</span>\n本条例。</p>"
        "<p>第二条　下列事项：<br/>（一）甲；<br>（二）乙。</p></body></html>"
    )
    regulation = parse_document(doc(tmp_path, page, "page.html"))
    assert regulation.title == "测试条例"
    assert texts(regulation) == [(1, None, ["为了测试，制定本条例。"]), (2, None, ["下列事项：", "（一）甲；", "（二）乙。"])]


def test_error_lines_in_html_are_source_lines(tmp_path: Path) -> None:
    page = "<html><body>\n<h2>测试条例</h2>\n<p>第一条　一。</p>\n<p>第三条　三。</p>\n</body></html>"
    caught = error(doc(tmp_path, page, "page.html"))
    assert (caught.rule, caught.line) == ("article-order", 4)
