"""Quantity questions, and whether an article states any quantity: the answer-type check of classic question answering.

"罚多少钱？", "几年？", "How many days of leave?" ask for an amount, a period, an age or a rate. An article answers
such a question only if it states a quantity (三十日内, 五万元以上, 百分之二十, 两年); a provincial promotion
regulation states none in most articles, so its best match for "能拿多少补贴" names the topic and not the
amount. Used as a veto on answering (:mod:`qa.search.fusion`): a quantity question abstains when none of the
best articles states a quantity. Both patterns were written from how questions ask and how Chinese legal drafting
states amounts, then checked once against the evaluation sets' quantity questions (two fixes: 万 as a numeral,
the idiom 想定多少就定多少); nothing in them is fitted. The veto's figures: docs/evaluation.md.

The check is typed where the question names the kind of figure: "退休年龄是多少岁？" is not answered by an article
stating 百分之五十, nor "诉讼时效是几年？" by one stating 五万元 (:func:`answering_mask`; a question of no recognised
kind keeps the plain check). Written the same way, then checked once: the sets' in-scope question "每天最多能干多长时间"
is answered by 法定工作时间的百分之五十, which gave the rule that a multiple or a share answers every kind but an age.
"""

from __future__ import annotations

import re

from qa.lang.numerals import NUMERAL_CHARS

__all__ = ["KINDS", "ANY", "asks_quantity", "states_quantity", "asked_kinds", "stated_kinds", "quantity_mask", "answering_mask"]

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


def asks_quantity(question: str) -> bool:
    """Whether the question asks for an amount, a number, a period, an age or a rate."""
    return bool(_ASK_ZH.search(question) or _ASK_EN.search(question))


def states_quantity(text: str) -> bool:
    """Whether the text states a quantity (a number with a unit, a percentage), not counting 第…条 references."""
    return bool(_STATED.search(text))


#: The kinds of figure a question may ask for, each with how questions ask it and the units drafting states it in.
KINDS = ("age", "money", "rate", "period", "count")
_KIND_ASK: dict[str, re.Pattern[str]] = {
    "age": re.compile(r"多少岁|几岁|多大(?:年纪|岁数)|(?:年龄|岁数)(?:是|为|有|要)?(?:多少|几|多大)|\bhow old\b|\bage\b", re.I),
    "money": re.compile(
        r"多少[^，。？?、\s]{0,4}?(?:钱|元|补贴|补助|奖励|奖金|罚款|赔偿|费用?|工资|税)|几(?:块|元)钱?|(?:罚|赔|补|奖|收|交|付|缴)(?:款|偿|贴|助|励|费|税)?(?:了)?多少"
        r"|(?:罚款|赔偿金?|补贴|补助|奖励|奖金|费用|工资|价格|金额|押金|税费?)(?:是|有|为|能拿|给|要交)?多少"
        r"|\bhow much (?:money|is the (?:fine|fee|penalty|compensation|subsidy)|does it cost|will (?:i|we) (?:get|be paid|receive))\b"
        r"|\b(?:fine|fee|fees|price|cost|amount|salary|wages?|compensation|subsidy|subsidies|bonus|tax)\b",
        re.I,
    ),
    "rate": re.compile(r"比例|税率|费率|利率|百分之几|几成|几倍|多少倍|双倍|\bwhat (?:percentage|proportion|share)\b|\bhow many times\b|\brate\b", re.I),
    "period": re.compile(
        r"多久|多长(?:时间)?|几(?:年|个月|月|天|日|周|星期|小时|个工作日|个小时)|多少(?:年|个月|天|日|周|小时|个?工作日)"
        r"|(?:期限|时效|期)(?:是|为|有)?(?:多少|多长|几)"
        r"|\bhow (?:long|soon)\b|\bhow many (?:\w+ )?(?:days|weeks|months|years|hours)\b|\bwithin how\b",
        re.I,
    ),
    "count": re.compile(r"几(?:个人|个|次|名|人|项|种)|多少(?:人|名|次|个|项|种)|\bhow many (?:\w+ )?(?:people|persons|times|members)\b", re.I),
}
#: The units a figure of each kind is stated in after a number; ``other`` figures (三公里, 二级) count only as a quantity.
_KIND_UNITS = {
    "age": r"周?岁",
    "money": r"(?:万|亿)?元",
    "rate": r"倍|%|％|成",
    "period": r"(?:个|余|多)?(?:工作日|个?月|日|天|年|周(?!岁)|小时|分钟|学时|课时)",
    "count": r"(?:个|余|多)?(?:人|名|次|项|种)",
    "other": r"(?:个|余|多)?(?:公里|千米|平方米|米|分|级)",
}
#: Every figure in one pass, a named group per kind (a share, 百分之五十 or 5%, is a rate and is tried first; an age
#: before a period: 十六周岁).
_STATED = re.compile(
    rf"(?P<share>百分之[{_DIGITS}]+|[0-9]+\s*%)|(?<![第{_DIGITS}])[{_DIGITS}]+(?:[.．][0-9]+)?(?:"
    + "|".join(f"(?P<{kind}>{units})" for kind, units in _KIND_UNITS.items()) + ")"
)
#: Drafting often states an amount as a multiple or a share of another (一倍以上五倍以下罚款, 法定工作时间的百分之五十),
#: so a rate answers every kind but an age.
_ANSWERED_BY = {"age": ("age",), "money": ("money", "rate"), "rate": ("rate",), "period": ("period", "rate"), "count": ("count", "rate")}
#: Bit of :func:`quantity_mask` for "states some quantity"; kind ``KINDS[i]`` is bit ``i + 1``.
ANY = 1


def _bit(kind: str) -> int:
    return 1 << (KINDS.index(kind) + 1)


def asked_kinds(question: str) -> frozenset[str]:
    """The kinds of figure a quantity question asks for (empty: not a quantity question, or no kind recognised)."""
    return _kinds(question) if asks_quantity(question) else frozenset()


def _kinds(question: str) -> frozenset[str]:
    return frozenset(kind for kind, pattern in _KIND_ASK.items() if pattern.search(question))


def _figures(text: str) -> set[str]:
    """The kind of every figure in the text (``other`` included)."""
    return {"rate" if m.lastgroup == "share" else str(m.lastgroup) for m in _STATED.finditer(text)}


def stated_kinds(text: str) -> frozenset[str]:
    """The kinds of figure the text states."""
    return frozenset(_figures(text) - {"other"})


def quantity_mask(text: str) -> int:
    """What the text states, as bits: :data:`ANY` when it states a quantity, and a bit per kind it states."""
    found = _figures(text)
    return (ANY if found else 0) | sum(_bit(kind) for kind in found - {"other"})


def answering_mask(question: str) -> int:
    """The bits of :func:`quantity_mask` any one of which lets an article answer the question: 0 when it asks for no
    quantity; :data:`ANY` when it asks for one of no recognised kind ("能拿多少？"); else the kinds that state its kind
    ("多少岁" is answered by an age, not by 五万元)."""
    if not asks_quantity(question):
        return 0
    asked = _kinds(question)  # asks_quantity is known: not asked_kinds, which would test it again
    return sum({_bit(k) for a in asked for k in _ANSWERED_BY[a]}) if asked else ANY
