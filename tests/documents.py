"""Documents for the importer tests: an official layout, the shared library's paths, official lines copied
from it, and small helpers that write a document and read it back."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.corpus import CorpusError, Regulation
from qa.importer import parse_document

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


#: Documents that break one rule each: (rule, line of the error, text).
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
