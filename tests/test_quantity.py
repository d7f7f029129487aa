"""Quantity questions and articles that state a quantity (qa.lang.quantity)."""

from __future__ import annotations

import pytest

from qa.lang.quantity import asks_quantity, states_quantity


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
