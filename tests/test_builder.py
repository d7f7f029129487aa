"""The body walk: article order and every rule with its source line, wrapped lines, inserted articles, label typos."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.corpus import CorpusError
from qa.importer import import_document, parse_document, parse_with_warnings
from tests.documents import (
    COOPERATIVES_53_55,
    CRIMINAL_17,
    CRIMINAL_120,
    LIBRARY,
    PROCEDURE_127_129,
    RULES,
    body,
    doc,
    error,
    keys,
    markdown,
    rule_text,
    shared,
    texts,
)


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


# ---------------------------------------------------------------- rules, each with its source line

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


def test_wrapped_heading(tmp_path: Path) -> None:
    text = "测试条例\n第一章 总则\n第一条 一。\n第二章 自治机关和监察委员会、\n人民法院、人民检察院\n第二条 二。\n"
    assert parse_document(doc(tmp_path, text)).chapters[1].title == "自治机关和监察委员会、人民法院、人民检察院"


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
