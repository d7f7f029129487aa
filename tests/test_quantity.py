"""Quantity questions and articles that state a quantity, and of which kind (qa.lang.quantity)."""

from __future__ import annotations

import pytest

from qa.lang.quantity import ANY, answering_mask, asked_kinds, asks_quantity, quantity_mask, stated_kinds, states_quantity


@pytest.mark.parametrize(
    "question",
    [
        "在安徽买新能源汽车能拿到多少购车补贴？",
        "动力电池的质保期是几年？",
        "离婚以后孩子的抚养费每个月该给多少？",
        "学校多长时间内必须上报教育局？",
        "调解要多久？",
        "个人所得税的税率是多少？",
        "How much subsidy does Beijing give?",
        "How many days of paid annual leave do I get?",
        "How often does an electric car need its annual inspection?",
        "What is the import VAT rate on cosmetics?",
    ],
)
def test_questions_asking_for_a_quantity(question: str) -> None:
    assert asks_quantity(question)


@pytest.mark.parametrize(
    "question",
    [
        "增程式的车算新能源车吗？",
        "当兵的那几年能不能算进养老保险的缴费年限？",  # 那几年: "those years", not a question of how many
        "能不能想定多少就定多少？",  # an idiom: as much as one likes
        "近几年有哪些扶持政策？",
        "What is the difference between a government-set price and a guided price?",
        "Who is responsible for charging infrastructure?",
    ],
)
def test_questions_not_asking_for_a_quantity(question: str) -> None:
    assert not asks_quantity(question)


@pytest.mark.parametrize(
    "text",
    ["可以并处三万元以上十万元以下罚款。", "应当在三十日内作出答复。", "提前30日以书面形式通知", "不得超过百分之二十", "服务期满两年的", "增长5%"],
)
def test_articles_stating_a_quantity(text: str) -> None:
    assert states_quantity(text)


@pytest.mark.parametrize(
    "text",
    ["县级以上人民政府应当支持新能源汽车产业发展。", "依照本条例第二十七条规定处理。", "违反本法第五十六条第一款的"],
)
def test_articles_stating_no_quantity(text: str) -> None:
    assert not states_quantity(text)


@pytest.mark.parametrize(
    ("question", "kinds"),
    [
        ("男职工的法定退休年龄是多少岁？", {"age"}),
        ("孩子满几岁才能上小学？", {"age"}),
        ("超速罚多少钱？", {"money"}),
        ("在安徽买新能源汽车能拿到多少购车补贴？", {"money"}),
        ("个人所得税的税率是多少？", {"rate"}),
        ("打继承官司的诉讼时效是几年？", {"period"}),
        ("学校多长时间内必须上报教育局？", {"period"}),
        ("一个班最多多少人？", {"count"}),
        ("How much is the fine for speeding?", {"money"}),
        ("How many weeks of maternity leave does a woman get?", {"period"}),
        ("What is the import VAT rate on cosmetics?", {"rate"}),
        ("How old must a driver be?", {"age"}),
        ("能拿多少？", set()),  # a quantity, of no kind named: any figure may answer
        ("增程式的车算新能源车吗？", set()),  # not a quantity question
    ],
)
def test_the_kind_of_figure_a_question_asks_for(question: str, kinds: set[str]) -> None:
    assert asked_kinds(question) == kinds


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("可以并处三万元以上十万元以下罚款。", {"money"}),
        ("处违法所得一倍以上五倍以下的罚款", {"rate"}),
        ("应当分别在法定工作时间的百分之五十以下", {"rate"}),
        ("应当在三十日内作出答复。", {"period"}),
        ("年满十六周岁的", {"age"}),  # 周岁 is an age, not weeks
        ("每班不超过四十五人", {"count"}),
        ("形成电子信息制造业集群，保护未成年人", set()),  # 成 after no numeral is not a share
        ("依照本条例第二十七条规定处理。", set()),
    ],
)
def test_the_kinds_of_figure_a_text_states(text: str, kinds: set[str]) -> None:
    assert stated_kinds(text) == kinds


def test_an_article_answers_a_quantity_question_only_with_a_figure_of_its_kind() -> None:
    def answers(question: str, text: str) -> bool:
        return bool(answering_mask(question) & quantity_mask(text))

    assert not answers("男职工的法定退休年龄是多少岁？", "应当分别在法定工作时间的百分之五十以下")
    assert answers("男职工的法定退休年龄是多少岁？", "年满六十周岁")
    assert not answers("打继承官司的诉讼时效是几年？", "处五万元以上罚款")
    assert answers("超速罚多少钱？", "处违法所得一倍以上五倍以下的罚款")  # a fine stated as a multiple
    assert answers("每天最多能干多长时间？", "应当分别在法定工作时间的百分之五十以下")  # a period stated as a share
    assert answering_mask("能拿多少？") == ANY and answers("能拿多少？", "三十日内")
    assert answering_mask("增程式的车算新能源车吗？") == 0
    assert quantity_mask("县级以上人民政府应当支持新能源汽车产业发展。") == 0
    assert quantity_mask("百分之五十或者二倍") == quantity_mask("二倍") and quantity_mask("三公里") == ANY  # a kind is one bit
