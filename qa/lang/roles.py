"""The structural role of an article, read from its own wording, and the role a question asks about.

Every Chinese regulation states its purpose (为了……，制定本条例), its scope (本条例适用于……), its
definitions (本条例所称……是指), who is responsible (……部门负责……), when it takes effect
(本条例自……起施行), what it applies to by analogy (……参照本条例执行) and, in a chapter of their own
(法律责任), its penalties, in formulae that drafting rules fix. A citizen asks about those roles in other
words — "为什么出台", "管哪些事", "什么意思", "谁负责", "什么时候施行", "会被罚多少" — that share no term with
the article. Matching the role on both sides bridges that gap for any regulation, with no list of articles
or questions.

The patterns are deliberately narrow: a role is a ranking hint, and it is counted as evidence only
when the question asks about nothing but the role (see :func:`residual`).
"""

from __future__ import annotations

import re

__all__ = ["ROLES", "article_roles", "is_penalty_chapter", "question_roles", "residual", "FRONT_ROLES"]

_SELF = r"本(?:条例|法|办法|规定|细则|决定|规则|解释)"

#: Role → pattern over an article's text.
_ARTICLE: dict[str, re.Pattern[str]] = {
    "purpose": re.compile(rf"^为了?[^。]*(?:制定|修订){_SELF}"),
    "scope": re.compile(rf"{_SELF}适用于|适用{_SELF}|{_SELF}[^。]{{0,6}}适用"),
    "definition": re.compile(rf"{_SELF}(?:中|所)?所?称[^。]*?(?:是指|指)|{_SELF}所称"),
    "responsibility": re.compile(r"(?:部门|机构|人民政府|委员会|机关)[^。，；]{0,12}(?:负责|主管)"),
    "effective": re.compile(rf"{_SELF}自[^。]*?(?:起)?(?:施行|生效)"),
    "analogy": re.compile(rf"参照{_SELF}|参照适用{_SELF}"),
    "penalty": re.compile(rf"违反{_SELF}[^。]*的，|(?:处|并处)[^。]{{0,30}}罚款|给予[^。]{{0,8}}处分|追究[^。]{{0,6}}刑事责任"),
}

_PENALTY_CHAPTER = re.compile(r"法律责任|罚则")

ROLES = tuple(_ARTICLE)

#: Role → what a question about that role says (Chinese and English).
_QUESTION: dict[str, re.Pattern[str]] = {
    "purpose": re.compile(
        r"为(?:什么|何|啥)(?:要)?(?:专门)?(?:出台|制定|立法|颁布|搞|定|立)|立法(?:目的|宗旨|依据)|(?:制定|出台)(?:的)?(?:目的|原因|依据)|目的是什么|宗旨"
        r"|(?:根据|依据)什么(?:制定|出台)|(?:想|要)解决什么"
        r"|\bwhy\b.*\b(?:regulations?|rules|law|adopt|enact|pass|made|issue)|\b(?:purpose|aim|objective)s?\b",
        re.I,
    ),
    "scope": re.compile(
        r"管(?:哪些|什么|啥)|适用(?:于|范围|对象)|(?:适用|管)(?:不适用|不管)|对哪些.{0,6}(?:管用|适用|有效)|管用|在(?:什么|哪些)地方"
        r"|受[^，。？?]{0,12}(?:条例|规定|法律|法规|法)(?:的)?(?:约束|管辖)|(?:按|依|用)[^，。？?]{0,12}(?:条例|规定|法律|法规|法)(?:来)?(?:处理|维权)"
        r"|\bscope\b|\bappl(?:y|ies) to\b|\bwho(?:m)? does (?:it|this|the regulation) (?:apply|cover)|\bwhat does (?:it|this) cover\b"
        r"|\bcovered by (?:this|the)\b",
        re.I,
    ),
    "definition": re.compile(
        r"(?:是|指)?什么意思|(?:是|指)什么|定义|含义|算不算|算是|算[^，。？?]{0,10}吗|属不属于|是否属于|包括哪些|怎么界定|指的是"
        r"|\bdefin(?:e|ed|ition)\b|\bmeaning\b|\bmean by\b|\bcount(?:s)? as\b|\bconsidered\b",
        re.I,
    ),
    "responsibility": re.compile(
        r"谁(?:来)?(?:负责|管|主管|牵头|监管)|哪(?:个|些)(?:部门|单位|机关)|(?:主管|负责)(?:部门|单位|机关)|归谁管"
        r"|\bwho (?:is )?(?:responsible|in charge|oversees|supervises|regulates|manages)\b|\bwhich (?:department|authority|agency)\b",
        re.I,
    ),
    "effective": re.compile(
        r"(?:什么时候|何时|哪天|哪一天|几号|哪年)(?:起|开始)?(?:施行|生效|实施|实行|执行|起|开始)|(?:施行|生效|实施|实行)(?:日期|时间)|起施行|生效"
        r"|\b(?:(?:come|came|comes|coming) into (?:force|effect)|in force|take effect|took effect|takes effect|effective|come into|came into|commence[sd]?|start(?:ed|s)? to apply|apply from)\b",
        re.I,
    ),
    "analogy": re.compile(
        r"参照|非石油|其他燃料|别的燃料|醇醚|甲醇(?:汽)?车|\b(?:methanol|alcohol|ether|non-petroleum|other fuels?)\b",
        re.I,
    ),
    "penalty": re.compile(
        r"(?<![惩体政轻重])处罚|(?<![惩体政轻重处])(?:罚款|罚金|罚)(?!息)|处分|吊销"
        r"|\bpenalt(?:y|ies)\b|\bfine[ds]\b|\b(?:a|the|any|what|which|pay|paid|big|heavy) fine\b|(?<!corporal )\bpunish(?:ed|ment)?\b|\bsanctions?\b"
        # "what happens if / to someone who" asks for a penalty only when what follows is misconduct
        r"|\bwhat happens (?:if|when|to (?:an? |the )?\w+(?: \w+)? (?:who|that))\b(?=[^.?!]*?"
        r"\b(?:fail|refus|ignor|skip|violat|breach|fak|falsif|forg|lie[sd]?\b|lying|cheat|misus|neglect|abus|den(?:y|ies)|does(?:n't| not)|do(?:n't| not)|did(?:n't| not)))",
        re.I,
    ),
}

_CONTENTS = re.compile(
    r"几章|哪些章|哪几章|几个章|章节|目录|分为几|框架结构|\bhow many chapters\b|\bwhich chapters\b|\btable of contents\b|\bchapters?\b.*\b(?:list|all)\b|\bstructured?\b",
    re.I,
)

#: Roles the front matter plays: the announcement says who adopted the regulation, when, and from
#: when it applies; the adoption note says who adopted it and when.
FRONT_ROLES: dict[str, frozenset[str]] = {
    "announcement": frozenset({"effective", "adoption"}),
    "adoption": frozenset({"adoption"}),
    "contents": frozenset({"contents"}),
}

_ADOPTION = re.compile(
    r"(?:谁|哪个机关|哪个机构|哪个部门|什么机关|什么机构|哪次会议|什么会议)(?:通过|制定|颁布|发布|公布|批准)|(?:何时|什么时候|哪天|哪一天|哪日|哪年)(?:通过|制定|颁布|发布|公布)"
    r"|公告|第几号|文号|几届|哪次会议"
    r"|\bwho (?:adopted|passed|enacted|made|issued|promulgated)\b|\b(?:adopted|passed|enacted|promulgated|published)\b|\bannouncement\b|\b(?:meeting|session)\b",
    re.I,
)

#: Words that only point at the regulation or pad the question; what is left is its real content.
_FILLER = re.compile(
    r"管(?=[^，。？?]{1,12}?的(?:那|这)?(?:个|部|项)?(?:地方性?)?(?:条例|法规|规定|法律|办法))|这(?:个|部|项|份)?|那(?:个|部)?|本|该|一部|专门|关于|(?:地方性?)?(?:条例|法规|规定)|办法|文件|安徽(?:省)?|新能源(?:汽)?车|里|中|呢|吗|啊|呀|的|了|是|有|要|就|请问|我想知道|想问|一下"
    r"|事情?|怎么办|怎么样|如何|哪些|什么|多少|吧"
    r"|[？?。，,！!、\s]"
    r"|\b(?:the|these|this|a|an|of|in|on|at|by|to|for|from|with|and|or|that|since|do|does|did|is|are|was|were|be|been|has|have|it|its"
    r"|what|when|which|who|how|date|day|number|body"
    r"|regulations?|rules|law|anhui|province|provincial|nev|new energy vehicles?|please|tell me|i want to know)\b",
    re.I,
)


def article_roles(text: str, in_penalty_chapter: bool | None = None) -> frozenset[str]:
    """The roles an article plays, from the drafting formulae it uses. Where a regulation has a chapter of
    penalties, an article plays that role when it sits there (``in_penalty_chapter``), whatever its wording
    (取消相关安置待遇, 依照……执行); ``None`` when the regulation has no such chapter: then its wording decides."""
    roles = {role for role, pattern in _ARTICLE.items() if role != "penalty" and pattern.search(text)}
    if in_penalty_chapter is None:
        in_penalty_chapter = _ARTICLE["penalty"].search(text) is not None
    return frozenset(roles | {"penalty"}) if in_penalty_chapter else frozenset(roles)


def is_penalty_chapter(title: str) -> bool:
    """Whether a chapter's title says it sets out penalties (法律责任, 罚则)."""
    return _PENALTY_CHAPTER.search(title) is not None


def question_roles(question: str) -> frozenset[str]:
    """The roles a question asks about (``adoption`` and ``contents`` only the front matter answers)."""
    roles = {role for role, pattern in _QUESTION.items() if pattern.search(question)}
    if _ADOPTION.search(question):
        roles.add("adoption")
    if _CONTENTS.search(question):
        roles.add("contents")
    return frozenset(roles)


def residual(question: str) -> str:
    """The question without its role phrases and filler: empty when it asks about the role alone."""
    text = question
    for pattern in (*_QUESTION.values(), _ADOPTION, _CONTENTS):
        text = pattern.sub(" ", text)
    return _FILLER.sub(" ", text).strip()
