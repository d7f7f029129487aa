"""The importer: formats, structure rules with their source lines, metadata, and the bundled corpus."""

from __future__ import annotations

import hashlib
import html
import re
import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from qa.corpus.model import REGULATION_FILE, TRANSLATION_FILE, CorpusError, Regulation, load_corpus, regulation_records, save_corpus
from qa.importer.document import clean_title, import_document, is_folded, parse_document, parse_with_warnings, restore_fullwidth, slugify

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
    ("chapter-order", 4, "测试条例\n第一章 总则\n第一条 一。\n第三章 附则\n第二条 二。\n"),
    ("section-order", 5, "测试条例\n第一章 总则\n第一节 一般规定\n第一条 一。\n第三节 三\n"),
    ("section-outside-chapter", 2, "测试条例\n第一节 一般规定\n第一条 一。\n"),
    ("part-order", 2, "测试法\n第二编 分则\n第一章 总则\n第一条 一。\n"),
    ("article-outside-chapter", 2, "测试条例\n第一条 一。\n第一章 总则\n第二条 二。\n"),
    ("orphan-text", 3, "测试条例\n第一章 总则\n为了测试，制定本条例。\n第二条 二。\n"),
    ("empty-article", 3, "测试条例\n第一条 一。\n第二条\n"),
]


def rule_text(rule: str) -> str:
    return next(text for name, _, text in RULES if name == rule)


@pytest.mark.parametrize(("rule", "line", "text"), RULES, ids=[r[0] for r in RULES])
def test_rule(tmp_path: Path, rule: str, line: int | None, text: str) -> None:
    caught = error(doc(tmp_path, text))
    assert (caught.rule, caught.line) == (rule, line)
    assert caught.path == str(tmp_path / "doc.txt")


def test_error_messages(tmp_path: Path) -> None:
    assert error(doc(tmp_path, "测试条例\n无条文。\n")).message == "no articles found (no line starts with 第X条)"
    assert "article 3 (第三条) where article 2 (第二条) was expected" in str(error(doc(tmp_path, "测试条例\n第一条 一。\n第三条 三。\n")))
    assert "chapter 3 (第三章) follows chapter 1" in str(error(doc(tmp_path, rule_text("chapter-order"))))


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
    path = doc(tmp_path, rule_text("chapter-order"))
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


def test_front_matter_is_the_official_text() -> None:
    regulation = load_corpus(BUNDLED)
    announcement, adoption = regulation.front
    assert announcement.kind == "announcement" and announcement.source == "evb"
    assert announcement.paragraphs[1] == "（十四届）第十六号"
    assert announcement.paragraphs[2] == "《安徽省新能源汽车产业集群发展条例》已经2023年12月28日安徽省第十四届人民代表大会常务委员会第六次会议通过，现予公布，自2024年3月1日起施行。"
    flk = shared(ANHUI / "final-full-flk.txt").read_text(encoding="utf-8").splitlines()
    assert adoption.kind == "adoption" and adoption.source == "flk" and adoption.paragraphs[0] in flk


def test_bundled_sources_name_the_flk_page_download_and_mirror() -> None:
    regulation = load_corpus(BUNDLED)
    flk = next(s for s in regulation.sources if s.id == "flk")
    assert flk.url and flk.url.startswith("https://flk.npc.gov.cn/detail2.html?")
    assert flk.download_url == "https://wb.flk.npc.gov.cn/dfxfg/WORD/08fcfd3667f547d0913d7a09a709ea52.docx"
    assert (flk.mirror_repository, flk.mirror_commit, flk.mirror_path) == (
        "jacksunhack/China_Law_Database",
        "45d12995baf000eb436b03f59911db589835662c",
        "dfxfg/txt/08fcfd3667f547d0913d7a09a709ea52.txt",
    )
    assert flk.sha256 == hashlib.sha256(shared(ANHUI / "final-full-flk.txt").read_bytes()).hexdigest()


def test_supplement_must_agree_with_the_main_text(tmp_path: Path) -> None:
    changed = tmp_path / "excerpt.txt"
    changed.write_text(shared(ANHUI / "final-excerpt.txt").read_text(encoding="utf-8").replace("优化产业空间布局", "优化产业布局"), encoding="utf-8")
    out = tmp_path / "out"
    with pytest.raises(CorpusError) as info:
        import_document(shared(ANHUI / "final-full-flk.txt"), out, supplements=[changed])
    assert info.value.rule == "supplement-disagrees" and "第一条" in info.value.message
    assert not out.exists() or not any(out.iterdir())


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


# ---------------------------------------------------------------- official lines for the tests below
# Each line is copied exactly from the shared law library (file and line numbers named above each tuple).

# 刑法/刑法.md lines 89–103: 第十七条, the inserted 第十七条之一, 第十八条 (its first two paragraphs)
CRIMINAL_17 = (
    '第十七条 已满十六周岁的人犯罪，应当负刑事责任。',
    '已满十四周岁不满十六周岁的人，犯故意杀人、故意伤害致人重伤或者死亡、强奸、抢劫、贩卖毒品、放火、爆炸、投放危险物质罪的，应当负刑事责任。',
    '已满十二周岁不满十四周岁的人，犯故意杀人、故意伤害罪，致人死亡或者以特别残忍手段致人重伤造成严重残疾，情节恶劣，经最高人民检察院核准追诉的，应当负刑事责任。',
    '对依照前三款规定追究刑事责任的不满十八周岁的人，应当从轻或者减轻处罚。',
    '因不满十六周岁不予刑事处罚的，责令其父母或者其他监护人加以管教；在必要的时候，依法进行专门矫治教育。',
    '第十七条之一 已满七十五周岁的人故意犯罪的，可以从轻或者减轻处罚；过失犯罪的，应当从轻或者减轻处罚。',
    '第十八条 精神病人在不能辨认或者不能控制自己行为的时候造成危害结果，经法定程序鉴定确认的，不负刑事责任，但是应当责令他的家属或者监护人严加看管和医疗；在必要的时候，由政府强制医疗。',
    '间歇性的精神病人在精神正常的时候犯罪，应当负刑事责任。',
)
# 刑法/刑法.md lines 597–601 and 615: 第一百二十条之一 and 第一百二十条之三 (之二, lines 603–613, left out)
CRIMINAL_120 = (
    '第一百二十条之一 资助恐怖活动组织、实施恐怖活动的个人的，或者资助恐怖活动培训的，处五年以下有期徒刑、拘役、管制或者剥夺政治权利，并处罚金；情节严重的，处五年以上有期徒刑，并处罚金或者没收财产。',
    '为恐怖活动组织、实施恐怖活动或者恐怖活动培训招募、运送人员的，依照前款的规定处罚。',
    '单位犯前两款罪的，对单位判处罚金，并对其直接负责的主管人员和其他直接责任人员，依照第一款的规定处罚。',
    '第一百二十条之三 以制作、散发宣扬恐怖主义、极端主义的图书、音频视频资料或者其他物品，或者通过讲授、发布信息等方式宣扬恐怖主义、极端主义的，或者煽动实施恐怖活动的，处五年以下有期徒刑、拘役、管制或者剥夺政治权利，并处罚金；情节严重的，处五年以上有期徒刑，并处罚金或者没收财产。',
)
# 民法商法/农民专业合作社法(2017-12-27).md lines 331–335: 笫五十四条 is written with 笫 (U+7B2B) for 第
COOPERATIVES_53_55 = (
    '第五十三条 农民专业合作社接受国家财政直接补助形成的财产，在解散、破产清算时，不得作为可分配剩余资产分配给成员，具体按照国务院财政部门有关规定执行。',
    '笫五十四条 清算组成员应当忠于职守，依法履行清算义务，因故意或者重大过失给农民专业合作社成员及债权人造成损失的，应当承担赔偿责任。',
    '第五十五条 农民专业合作社破产适用企业破产法的有关规定。但是，破产财产在清偿破产费用和共益债务后，应当优先清偿破产前与农民成员已发生交易但尚未结清的款项。',
)
# 诉讼与非诉讼程序法/刑事诉讼法(2018-10-26).md lines 635, 639, 641: 第一百二十八 条 has a space before 条
PROCEDURE_127_129 = (
    '第一百二十七条 询问被害人，适用本节各条规定。',
    '第一百二十八 条侦查人员对于与犯罪有关的场所、物品、人身、尸体应当进行勘验或者检查。在必要的时候，可以指派或者聘请具有专门知识的人，在侦查人员的主持下进行勘验、检查。',
    '第一百二十九条 任何单位和个人，都有义务保护犯罪现场，并且立即通知公安机关派员勘验。',
)
# 民法典/总则.md lines 11–15: the chapter title stands behind two en spaces (U+2002)
CIVIL_CODE_1_2 = (
    '## 第一章\u2002\u2002基本规定',
    '第一条 为了保护民事主体的合法权益，调整民事关系，维护社会和经济秩序，适应中国特色社会主义发展要求，弘扬社会主义核心价值观，根据宪法，制定本法。',
    '第二条 民法调整平等主体的自然人、法人和非法人组织之间的人身关系和财产关系。',
)


def markdown(tmp_path: Path, title: str, lines: tuple[str, ...] | list[str], name: str = "doc.md") -> Path:
    """Library Markdown: the title, the end of the header, then one paragraph per line.

    The first body line is line 5 of the file, the next line 7 and so on (paragraphs are separated by blank lines).
    """
    return doc(tmp_path, f"# {title}\n\n<!-- INFO END -->\n\n" + "\n\n".join(lines) + "\n", name)


def keys(regulation: Regulation) -> list[tuple[int, int]]:
    return [a.key for a in regulation.articles]


def body(line: str, label: str) -> str:
    """An official line without its article label (and the space after it): the stored article text."""
    assert line.startswith(label)
    return line[len(label) :].lstrip(" ")


# ---------------------------------------------------------------- inserted articles (第X条之Y)


def test_inserted_article_follows_its_article(tmp_path: Path) -> None:
    regulation, warnings = parse_with_warnings(markdown(tmp_path, "中华人民共和国刑法", CRIMINAL_17))
    assert keys(regulation) == [(17, 0), (17, 1), (18, 0)]
    inserted = regulation.article(17, 1)
    assert inserted is not None and inserted.suffix == 1
    assert (inserted.label_zh, inserted.number_en) == ("第十七条之一", "17-1")
    assert inserted.text == body(CRIMINAL_17[5], "第十七条之一")
    article_17 = regulation.article(17)
    assert article_17 is not None and article_17.label_zh == "第十七条" and len(article_17.paragraphs) == 5
    assert regulation.article(18, 1) is None
    assert regulation.numbered_articles == 2 and warnings == ()


def test_inserted_articles_in_plain_text(tmp_path: Path) -> None:
    regulation = parse_document(doc(tmp_path, "\n".join(["中华人民共和国刑法", *CRIMINAL_17]) + "\n"), first_article=17)
    assert keys(regulation) == [(17, 0), (17, 1), (18, 0)]
    assert regulation.article(18).paragraphs[1].text == CRIMINAL_17[7]


def test_inserted_articles_run_on_by_one(tmp_path: Path) -> None:
    caught = error(markdown(tmp_path, "中华人民共和国刑法", CRIMINAL_120))  # 之一, then 之三: 之二 is missing
    assert (caught.rule, caught.line) == ("article-order", 11)
    assert "article 120-3 (第一百二十条之三) where article 121 (第一百二十一条) or 120-2 (第一百二十条之二) was expected" in caught.message


def test_inserted_article_cannot_come_after_the_next_article(tmp_path: Path) -> None:
    lines = [*CRIMINAL_17[:5], CRIMINAL_17[6], CRIMINAL_17[5]]  # 第十八条 before 第十七条之一
    caught = error(markdown(tmp_path, "中华人民共和国刑法", lines))
    assert (caught.rule, caught.line) == ("article-order", 17)
    assert caught.message == "article 17-1 (第十七条之一) where article 19 (第十九条) was expected"


def test_declared_count_leaves_out_inserted_articles(tmp_path: Path) -> None:
    path = markdown(tmp_path, "中华人民共和国刑法", CRIMINAL_17)
    regulation = parse_document(path, declared_articles=2)  # 第十七条 and 第十八条; 第十七条之一 is extra
    assert regulation.complete and regulation.total_articles == 2 and len(regulation.articles) == 3
    more = error(path, declared_articles=1)
    assert (more.rule, more.line, more.message) == ("article-count", 17, "2 articles, but the regulation declares 1")


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


# ---------------------------------------------------------------- label typos, read where unambiguous


def test_label_with_笫_for_第(tmp_path: Path) -> None:
    regulation, warnings = parse_with_warnings(markdown(tmp_path, "中华人民共和国农民专业合作社法", COOPERATIVES_53_55))
    assert keys(regulation) == [(53, 0), (54, 0), (55, 0)]
    assert regulation.article(54).text == body(COOPERATIVES_53_55[1], "笫五十四条")
    assert warnings == ("line 7: the article label '笫五十四条' has 笫 (U+7B2B) for 第; read as 第五十四条",)


def test_label_with_笫_stays_text_where_another_article_is_due(tmp_path: Path) -> None:
    lines = [COOPERATIVES_53_55[2], COOPERATIVES_53_55[1]]  # 第五十五条, then 笫五十四条: 第五十六条 is due
    regulation, warnings = parse_with_warnings(markdown(tmp_path, "中华人民共和国农民专业合作社法", lines))
    assert keys(regulation) == [(55, 0)] and warnings == ()
    assert [p.text for p in regulation.article(55).paragraphs] == [body(lines[0], "第五十五条"), lines[1]]


def test_label_with_a_space_before_条(tmp_path: Path) -> None:
    regulation, warnings = parse_with_warnings(markdown(tmp_path, "中华人民共和国刑事诉讼法", PROCEDURE_127_129))
    assert keys(regulation) == [(127, 0), (128, 0), (129, 0)]
    assert regulation.article(128).text == body(PROCEDURE_127_129[1], "第一百二十八 条")
    assert regulation.article(128).text.startswith("侦查人员对于与犯罪有关的场所")
    assert warnings == ("line 7: the article label '第一百二十八 条' has a space before 条; read as 第一百二十八条",)


def test_label_with_a_space_before_条_stays_text_where_another_article_is_due(tmp_path: Path) -> None:
    lines = [PROCEDURE_127_129[2], PROCEDURE_127_129[1]]
    regulation, warnings = parse_with_warnings(markdown(tmp_path, "中华人民共和国刑事诉讼法", lines))
    assert keys(regulation) == [(129, 0)] and warnings == ()
    assert regulation.article(129).paragraphs[1].text == lines[1]


def test_label_typos_in_the_library_name_their_lines() -> None:
    cooperatives, warnings = parse_with_warnings(shared(LIBRARY / "民法商法" / "农民专业合作社法(2017-12-27).md"))
    assert cooperatives.numbered_articles == 74 and cooperatives.article(54).text.startswith("清算组成员应当忠于职守")
    assert warnings == ("line 333: the article label '笫五十四条' has 笫 (U+7B2B) for 第; read as 第五十四条",)
    procedure, warnings = parse_with_warnings(shared(LIBRARY / "诉讼与非诉讼程序法" / "刑事诉讼法(2018-10-26).md"))
    assert warnings == ("line 639: the article label '第一百二十八 条' has a space before 条; read as 第一百二十八条",)
    article = procedure.article(128)
    section = next(s for s in procedure.sections if (s.chapter, s.number) == (article.chapter, article.section))
    assert section.title == "勘验、检查" and article.text.startswith("侦查人员对于与犯罪有关的场所")


# ---------------------------------------------------------------- white space around heading titles


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
