"""The importer: formats, structure rules with their source lines, metadata, and the bundled corpus."""

from __future__ import annotations

import html
import shutil
from pathlib import Path

import pytest

from qa.corpus import REGULATION_FILE, TRANSLATION_FILE, CorpusError, Regulation, load_corpus
from qa.importer import import_document, is_folded, parse_document, parse_with_warnings, restore_fullwidth, slugify

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
ANHUI = SHARED / "regulations" / "anhui-nev-clusters"
LIBRARY = SHARED / "regulations" / "library"
BUNDLED = ROOT / "corpus" / "anhui-nev-clusters"

OFFICIAL = """安徽省人民代表大会常务委员会公告
（十四届）第十六号
《安徽省新能源汽车产业集群发展条例》已经2023年12月28日安徽省第十四届人民代表大会常务委员会第六次会议通过，现予公布，自2024年3月1日起施行。
安徽省人民代表大会常务委员会
2023年12月28日
安徽省新能源汽车产业集群发展条例
（2023年12月28日安徽省第十四届人民代表大会常务委员会第六次会议通过）
目　　录
第一章　总　　则
第二章　创新引领
第一章　总　　则
第一条　为了测试，制定本条例。
第二条　本条例适用于测试。
第二章　创新引领
第三条　下列事项：
（一）甲；
（二）乙。
第四条　本条例自2024年3月1日起施行。
"""


def shared(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is not here: the shared material sits beside the project in CI, not in a fresh clone")
    return path


def doc(tmp_path: Path, text: str, name: str = "doc.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error(path: Path, **options: object) -> CorpusError:
    with pytest.raises(CorpusError) as caught:
        parse_document(path, **options)  # type: ignore[arg-type]
    return caught.value


def texts(regulation: Regulation) -> list[tuple[int, int | None, list[str]]]:
    return [(a.number, a.chapter, [p.text for p in a.paragraphs]) for a in regulation.articles]


# ---------------------------------------------------------------- plain text


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


def test_toc_without_marker_is_no_chapter(tmp_path: Path) -> None:
    regulation = parse_document(doc(tmp_path, OFFICIAL.replace("目　　录\n", "")))
    assert len(regulation.chapters) == 2


def test_wrapped_lines_are_joined_but_paragraphs_kept(tmp_path: Path) -> None:
    text = "测试条例\n第一章 总则\n第一条 为了测试，\n制定本条例。\n本条例所称测试，是指\n测试。\n第二条 下列事项：\n（一）甲\n（二）乙。\n"
    assert texts(parse_document(doc(tmp_path, text))) == [
        (1, 1, ["为了测试，制定本条例。", "本条例所称测试，是指测试。"]),
        (2, 1, ["下列事项：", "（一）甲", "（二）乙。"]),
    ]


def test_label_without_space_only_where_the_next_article_is_due(tmp_path: Path) -> None:
    text = "测试条例\n第一条为了测试，制定本条例。\n第三条规定的事项除外。\n第二条本条例适用于测试。\n"
    assert texts(parse_document(doc(tmp_path, text))) == [
        (1, None, ["为了测试，制定本条例。", "第三条规定的事项除外。"]),
        (2, None, ["本条例适用于测试。"]),
    ]


def test_label_alone_on_its_line(tmp_path: Path) -> None:
    assert texts(parse_document(doc(tmp_path, "测试条例\n第一条\n为了测试，制定本条例。\n"))) == [(1, None, ["为了测试，制定本条例。"])]


def test_title_over_two_lines(tmp_path: Path) -> None:
    text = "公告。\n《测试省测试产业集群建设\n促进条例（草案）》\n第一章总则\n第一条为了测试。\n"
    assert parse_document(doc(tmp_path, text)).title == "测试省测试产业集群建设促进条例（草案）"


def test_gb18030_text(tmp_path: Path) -> None:
    path = tmp_path / "gbk.txt"
    path.write_bytes("测试条例\n第一条 为了测试。\n".encode("gb18030"))
    assert parse_document(path).articles[0].text == "为了测试。"


# ---------------------------------------------------------------- rules, each with its source line

RULES = [
    ("no-articles", None, "测试条例\n第一章 总则\n这里没有条文。\n"),
    ("article-order", 3, "测试条例\n第一条 一。\n第三条 三。\n"),
    ("article-order", 2, "测试条例\n第二条 二。\n"),
    ("article-suffix", 3, "测试条例\n第一条 一。\n第一条之一 插入。\n"),
    ("chapter-order", 4, "测试条例\n第一章 总则\n第一条 一。\n第三章 附则\n第二条 二。\n"),
    ("section-order", 5, "测试条例\n第一章 总则\n第一节 一般规定\n第一条 一。\n第三节 三\n"),
    ("section-outside-chapter", 2, "测试条例\n第一节 一般规定\n第一条 一。\n"),
    ("part-order", 2, "测试法\n第二编 分则\n第一章 总则\n第一条 一。\n"),
    ("article-outside-chapter", 2, "测试条例\n第一条 一。\n第一章 总则\n第二条 二。\n"),
    ("orphan-text", 3, "测试条例\n第一章 总则\n为了测试，制定本条例。\n第二条 二。\n"),
    ("empty-article", 3, "测试条例\n第一条 一。\n第二条\n"),
]


@pytest.mark.parametrize(("rule", "line", "text"), RULES, ids=[r[0] for r in RULES])
def test_rule(tmp_path: Path, rule: str, line: int | None, text: str) -> None:
    caught = error(doc(tmp_path, text))
    assert (caught.rule, caught.line) == (rule, line)
    assert caught.path == str(tmp_path / "doc.txt")


def test_error_messages(tmp_path: Path) -> None:
    assert error(doc(tmp_path, "测试条例\n无条文。\n")).message == "no articles found (no line starts with 第X条)"
    assert "article 3 (第三条) where article 2 (第二条) was expected" in str(error(doc(tmp_path, "测试条例\n第一条 一。\n第三条 三。\n")))
    assert "chapter 3 (第三章) follows chapter 1" in str(error(doc(tmp_path, RULES[4][2])))


def test_chapters_may_restart_in_each_part(tmp_path: Path) -> None:
    text = "测试法\n第一编 总则\n第一章 任务\n第一条 一。\n第二编 分则\n第一章 罪\n第二条 二。\n"
    regulation = parse_document(doc(tmp_path, text))
    assert [(c.part, c.number) for c in regulation.chapters] == [(1, 1), (2, 1)]
    with pytest.raises(CorpusError) as caught:
        import_document(doc(tmp_path, text), tmp_path / "out")
    assert caught.value.rule == "chapter-order" and not (tmp_path / "out").exists()


def test_first_article(tmp_path: Path) -> None:
    path = doc(tmp_path, "测试编\n第二百零五条 本编调整物权。\n第二百零六条 二。\n")
    assert [a.number for a in parse_document(path, first_article=205).articles] == [205, 206]
    assert error(path, first_article=204).rule == "article-order"


def test_heading_structure_left_out_when_not_strict(tmp_path: Path) -> None:
    path = doc(tmp_path, RULES[4][2])
    regulation, warnings = parse_with_warnings(path, strict_headings=False)
    assert regulation.chapters == () and [a.chapter for a in regulation.articles] == [None, None]
    assert any("chapter 3" in w for w in warnings)


def test_wrapped_heading(tmp_path: Path) -> None:
    text = "测试条例\n第一章 总则\n第一条 一。\n第二章 自治机关和监察委员会、\n人民法院、人民检察院\n第二条 二。\n"
    assert parse_document(doc(tmp_path, text)).chapters[1].title == "自治机关和监察委员会、人民法院、人民检察院"


# ---------------------------------------------------------------- declared counts


def test_count(tmp_path: Path) -> None:
    path = doc(tmp_path, OFFICIAL)
    more = error(path, declared_articles=3)
    assert (more.rule, more.line, more.message) == ("article-count", 18, "4 articles, but the regulation declares 3")
    fewer = error(path, declared_articles=43)
    assert (fewer.rule, fewer.line) == ("article-count", 18)
    assert "pass partial=True" in fewer.message
    partial = parse_document(path, declared_articles=43, partial=True)
    assert not partial.complete and partial.declared_articles == 43


def test_excerpt_is_evident_from_its_own_toc(tmp_path: Path) -> None:
    text = OFFICIAL.replace("第二章　创新引领\n第一章", "第二章　创新引领\n第三章　附则\n第一章")
    regulation = parse_document(doc(tmp_path, text), declared_articles=43)
    assert not regulation.complete
    assert [c.title for c in regulation.chapters] == ["总则", "创新引领", "附则"]  # the TOC names chapter 3


# ---------------------------------------------------------------- full-width punctuation


def test_restore_fullwidth() -> None:
    assert restore_fullwidth("通过,现予公布,自2024年3月1日起施行;") == "通过，现予公布，自2024年3月1日起施行；"
    assert restore_fullwidth("(2023年12月28日通过)") == "（2023年12月28日通过）"
    assert restore_fullwidth("(十四届)第十六号") == "（十四届）第十六号"
    assert restore_fullwidth("混合动力(含增程式)汽车:") == "混合动力（含增程式）汽车："
    for untouched in ("1,000元", "10:30", "f(x, y)", "ISO 9001:2015", "2023-12-28"):
        assert restore_fullwidth(untouched) == untouched
    assert is_folded("通过,现予公布") and not is_folded("通过，现予公布,1") and not is_folded("a, b")


def test_restoration_is_recorded(tmp_path: Path) -> None:
    regulation, warnings = parse_with_warnings(doc(tmp_path, "测试条例\n第一条 为了测试,制定本条例(草案)。\n"))
    assert regulation.articles[0].text == "为了测试，制定本条例（草案）。"
    assert "Full-width punctuation restored" in (regulation.sources[0].note or "") and warnings
    untouched = parse_document(doc(tmp_path, "测试条例\n第一条 为了测试，制定本条例,1。\n"))
    assert untouched.articles[0].text == "为了测试，制定本条例,1。"


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
    summary = import_document(shared(ANHUI / "final-excerpt.txt"), tmp_path)
    assert summary.id == "anhui-nev-clusters" and summary.articles == 4 and summary.chapters == 7 and not summary.complete
    assert (tmp_path / "anhui-nev-clusters" / REGULATION_FILE).read_bytes() == (BUNDLED / REGULATION_FILE).read_bytes()


def test_translations_survive_reimport(tmp_path: Path) -> None:
    shutil.copytree(BUNDLED, tmp_path / "anhui-nev-clusters")
    before = (BUNDLED / TRANSLATION_FILE).read_bytes()
    import_document(shared(ANHUI / "final-excerpt.txt"), tmp_path)
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


def test_import_without_catalogue_entry(tmp_path: Path) -> None:
    messages: list[str] = []
    summary = import_document(doc(tmp_path, OFFICIAL.replace("发展条例\n（", "测试条例\n（")), tmp_path / "out", progress=messages.append)
    assert summary.id == slugify("安徽省新能源汽车产业集群测试条例") and summary.complete and messages
    assert load_corpus(tmp_path / "out" / summary.id).articles[3].text == "本条例自2024年3月1日起施行。"


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


def test_markdown_metadata() -> None:
    regulation = parse_document(shared(LIBRARY / "民法典" / "物权编.md"))
    assert regulation.title == "中华人民共和国民法典"
    assert regulation.articles[0].number == 205  # a part of the Civil Code continues its numbering
    assert (regulation.adopted, regulation.issuing_body, regulation.effective) == ("2020-05-28", "全国人民代表大会", "2021-01-01")


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
