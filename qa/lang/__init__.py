"""Language: Chinese numerals, text normalisation and tokens, citations in questions, structural roles."""

from qa.lang.cite import Citation, find_citation
from qa.lang.numerals import (
    NUMERAL,
    NUMERAL_CHARS,
    SMALL_NUMERAL,
    SMALL_NUMERAL_CHARS,
    article_label,
    from_chinese,
    parse_number,
    to_chinese,
)
from qa.lang.roles import FRONT_ROLES, ROLES, article_roles, question_roles, residual
from qa.lang.text import (
    CJK_CHARS,
    MAX_QUESTION_CHARS,
    clean_question,
    detect_lang,
    is_cjk,
    normalize,
    sentences,
    token_set,
    tokens,
)

__all__ = [
    "Citation",
    "find_citation",
    "NUMERAL",
    "NUMERAL_CHARS",
    "SMALL_NUMERAL",
    "SMALL_NUMERAL_CHARS",
    "article_label",
    "from_chinese",
    "parse_number",
    "to_chinese",
    "FRONT_ROLES",
    "ROLES",
    "article_roles",
    "question_roles",
    "residual",
    "CJK_CHARS",
    "MAX_QUESTION_CHARS",
    "clean_question",
    "detect_lang",
    "is_cjk",
    "normalize",
    "sentences",
    "token_set",
    "tokens",
]
