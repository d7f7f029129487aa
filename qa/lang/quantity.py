"""Quantity questions, and whether an article states any quantity: the answer-type check of classic question answering.

"罚多少钱？", "几年？", "How many days of leave?" ask for an amount, a period, an age or a rate. An article answers
such a question only if it states a quantity (三十日内, 五万元以上, 百分之二十, 两年); a provincial promotion
regulation states none in most articles, so its best match for "能拿多少补贴" names the topic and not the
amount. Used as a veto on answering (:mod:`qa.search.fusion`): a quantity question abstains when none of the
best articles states a quantity. Both patterns were written from how questions ask and how Chinese legal drafting
states amounts, then checked once against the evaluation sets' quantity questions (two fixes: 万 as a numeral,
the idiom 想定多少就定多少); nothing in them is fitted. The veto's figures: docs/evaluation.md.
"""

from __future__ import annotations

import re

from qa.lang.numerals import NUMERAL_CHARS

__all__ = ["asks_quantity", "states_quantity"]

_CLASSIFIERS = "年天日岁个次月倍号周名人项种成折级分元块万千百十小"
_ASK_ZH = re.compile(
    rf"(?<!就.)(?<!就)多少(?!就)|(?<![那这近前后头好些么十])几(?:[{_CLASSIFIERS}]|公里|平方)|多久|多长(?:时间)?|多大(?:年纪|岁数)|多高|多远|多重|"
    r"(?:比例|税率|费率|利率|标准|幅度|上限|下限|限额)(?:是|为|有)?(?:多少|几)"
)
_ASK_EN = re.compile(
    r"\bhow (?:much|many|long|often|old|far|soon)\b|\bwhat (?:percentage|proportion|share)\b|"
    r"\bwhat(?:'s| is| are) the (?:\w+[ -]){0,3}(?:rate|fee|fees|price|cost|amount|age|limit|percentage)\b",
    re.IGNORECASE,
)
_DIGITS = f"0-9０-９{NUMERAL_CHARS}万亿两半"
_UNITS = (
    r"(?:个|余|多)?(?:工作日|个?月|日|天|年|周岁|岁|倍|元|%|％|小时|分钟|次|人|名|公里|千米|米|平方米|周|学时|课时|分|级)"
)
_STATE = re.compile(rf"(?<![第{_DIGITS}])[{_DIGITS}]+(?:[.．][0-9]+)?{_UNITS}|百分之[{_DIGITS}]+|[0-9]+\s*%")


def asks_quantity(question: str) -> bool:
    """Whether the question asks for an amount, a number, a period, an age or a rate."""
    return bool(_ASK_ZH.search(question) or _ASK_EN.search(question))


def states_quantity(text: str) -> bool:
    """Whether the text states a quantity (a number with a unit, a percentage), not counting 第…条 references."""
    return bool(_STATE.search(text))
