"""The search stage's sentences, in both languages."""

from __future__ import annotations

from dataclasses import replace

from qa.corpus.model import Article, Paragraph, Regulation
from qa.search import messages

COMPLETE = Regulation("r", "某某条例", tuple(Article(n, (Paragraph(1, "文字。"),)) for n in (1, 2)), declared_articles=2)
PARTIAL = replace(COMPLETE, declared_articles=9)


def test_abstention_names_what_was_searched() -> None:
    assert messages.no_answer([COMPLETE], None) == messages.Message("《某某条例》中没有条文回答这个问题。", "No article in the Regulations covers this question.")
    partial = messages.no_answer([PARTIAL], 3)
    assert partial.zh == "《某某条例》已载入的第一条至第二条（全文共九条）第三章中没有条文回答这个问题。"
    assert partial.en == "No article in the articles loaded (Articles 1–2 of 9), chapter 3 covers this question."
    assert messages.no_answer([COMPLETE, PARTIAL], None).en == "No article in the 2 regulations loaded covers this question."


def test_missing_articles() -> None:
    assert messages.no_such_article(COMPLETE, "第九条", "Article 9") == messages.Message(
        "《某某条例》共二条，没有第九条。", "The regulation has 2 articles; there is no Article 9."
    )
    assert messages.article_not_loaded(PARTIAL, "第五条", "Article 5").en == (
        "Article 5 is not among the loaded articles (Articles 1–2 of 9); load the official text with `qa import`."
    )
    assert messages.paragraph_out_of_range(COMPLETE.articles[0]).zh == "第一条只有一款。"


def test_notices_say_the_answer_is_lexical() -> None:
    assert "keyword search only" in messages.model_loading().en
    unavailable = messages.dense_unavailable(messages.semantic_unavailable("no model"))
    assert unavailable.en == "semantic search unavailable: no model; these results are from keyword search only."
    assert unavailable.zh.startswith("语义检索不可用")
