"""What each control of the page does, without Gradio: chat messages from answers, the question
box and API values coerced, the article browser's choices, deep links."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

from qa.app import handlers
from qa.app.handlers import Choices, PageStart, answer_messages, user_message
from tests.answers import FakeSearcher, make_answer, make_hit, partial_regulation


def test_answer_messages_open_best_article_and_collapse_the_rest() -> None:
    messages = answer_messages(make_answer("zh"))
    assert [m["metadata"]["title"] for m in messages] == ["第三章 产业链提升 · 第十二条", "第三章 产业链提升 · 第十三条"]
    assert "status" not in messages[0]["metadata"]
    assert messages[1]["metadata"]["status"] == "done"
    assert "最相关" in messages[0]["metadata"]["log"]
    english = answer_messages(make_answer("en"))
    assert english[0]["metadata"]["title"] == "Chapter 3 Industrial Chain Upgrading · Article 12"


def test_direct_citations_are_labelled_and_abstentions_show_engine_message() -> None:
    cited = make_answer("zh", hits=(make_hit(via="citation", score=1.0),))
    assert answer_messages(cited)[0]["metadata"]["log"] == "直接引用"
    message = "已载入的条文（第一条至第四条（共四十三条））中没有条文回答这个问题。"
    abstained = answer_messages(make_answer("zh", hits=(), message=message, message_en="No article …"))
    assert len(abstained) == 1 and message.replace("（", "（") in abstained[0]["content"]
    english = answer_messages(make_answer("en", hits=(), message=message, message_en="No article in the articles loaded."))
    assert "No article in the articles loaded." in english[0]["content"]


def test_titles_of_collapsible_blocks_carry_no_markup() -> None:
    hit = make_hit(chapter_title="<b>[x](javascript:1)</b>")
    title = answer_messages(make_answer("zh", hits=(hit,)))[0]["metadata"]["title"]
    assert "<" not in title and "[" not in title


def test_inserted_article_blocks_are_titled_with_their_suffix() -> None:
    answer = make_answer("zh", hits=(make_hit(article=17, suffix=1),))
    assert answer_messages(answer)[0]["metadata"]["title"] == "第三章 产业链提升 · 第十七条之一"


def test_ask_appends_question_and_answer_to_the_history() -> None:
    engine = FakeSearcher(partial_regulation())
    earlier = [user_message("早先的问题")]
    history, box = handlers.ask(engine, "  第一条  ", earlier, "1", "2")
    assert box == "" and engine.asked == [("第一条", 2, 1)]
    assert history[:2] == [earlier[0], user_message("第一条")]
    assert history[2:] == answer_messages(make_answer(question="第一条"))
    assert earlier == [user_message("早先的问题")]  # the caller's list is not changed


def test_ask_ignores_blank_and_non_text_questions() -> None:
    engine = FakeSearcher(partial_regulation())
    for message in ("", "   ", None, 12345, ["第一条"]):
        assert handlers.ask(engine, message, None, 0, 5) == ([], "")
    assert engine.asked == []


def test_ask_and_search_take_defaults_for_unusable_numbers() -> None:
    engine = FakeSearcher(partial_regulation())
    for chapter, k in ((0, 0), (None, None), ("all", "many"), (0, 2.5)):
        handlers.ask(engine, "问", [], chapter, k)
    assert engine.asked == [("问", 5, None), ("问", 5, None), ("问", 5, None), ("问", 5, None)]
    result = handlers.search(engine, "\ud800新能源", "3")
    assert engine.asked[-1] == (" 新能源", 3, None) and result == make_answer(question=" 新能源").to_dict()
    handlers.search(engine, 12345, None)
    assert engine.asked[-1] == ("", 5, None)


def test_chapter_filter_lists_every_chapter_of_a_single_regulation() -> None:
    choices = handlers.chapter_filter_choices(FakeSearcher(partial_regulation()))
    assert choices == [("全部章节 / All chapters", 0), ("第一章 总则 / Chapter 1 General Provisions", 1), ("第二章 附则 / Chapter 2", 2)]


def test_choosing_a_chapter_opens_its_first_loaded_article() -> None:
    engine = FakeSearcher(partial_regulation())
    view = handlers.chapter_view(engine, 0, "1")
    assert view.articles == Choices([("第一条 / Article 1", "1"), ("第二条 / Article 2", "2")], "1")
    assert "第一条的文字&lt;b&gt;。" in view.html
    empty = handlers.chapter_view(engine, None, 2)
    assert empty.articles == Choices([], None)
    assert "qa-missing" in empty.html and "本章没有已载入的条文" in empty.html and "qa-para" not in empty.html


def test_choosing_a_regulation_shows_its_chapters_coverage_and_first_article() -> None:
    engine = FakeSearcher(partial_regulation())
    view = handlers.regulation_view(engine, "0")
    assert view.chapters.value == 1 and [c for _, c in view.chapters.options] == [1, 2]
    assert view.chapter == handlers.chapter_view(engine, 0, 1)
    assert "qa-grid" in view.coverage and view.front == ""
    assert handlers.opening_view(engine) == view


def test_opening_a_chapter_without_loaded_articles_shows_nothing_at_first() -> None:
    regulation = partial_regulation()
    engine = FakeSearcher(replace(regulation, chapters=tuple(reversed(regulation.chapters))))
    opening = handlers.opening_view(engine)
    assert opening.chapters.value == 2 and opening.chapter == handlers.ChapterView(Choices([], None), "")


def test_open_article_takes_numbers_and_inserted_article_values() -> None:
    engine = FakeSearcher(partial_regulation())
    assert handlers.open_article(engine, None, 2.0) == handlers.open_article(engine, 0, "2")
    assert "第二条的文字" in handlers.open_article(engine, 0, "2")
    assert "没有第二条之一" in handlers.open_article(engine, 0, "2-1")
    assert handlers.open_article(engine, 0, "x") == ""


def test_page_without_parameters_changes_nothing() -> None:
    assert handlers.page_start(FakeSearcher(partial_regulation()), {}) == PageStart()


def test_article_deep_link_opens_the_browser_at_that_article() -> None:
    engine = FakeSearcher(partial_regulation())
    start = handlers.page_start(engine, {"article": "2"})
    assert (start.tab, start.number, start.browse_chapter, start.history) == ("browse", 2, 1, None)
    assert start.browse_articles == Choices([("第一条 / Article 1", "1"), ("第二条 / Article 2", "2")], "2")
    assert start.article_html and "第二条的文字" in start.article_html
    missing = handlers.page_start(engine, {"article": "4"})
    assert missing.tab == "browse" and missing.browse_chapter is None and "not loaded" in (missing.article_html or "")


def test_question_deep_link_asks_within_a_known_chapter_only() -> None:
    engine = FakeSearcher(partial_regulation())
    start = handlers.page_start(engine, {"q": " 第一条 ", "chapter": "1", "article": "1"})
    assert start.tab == "ask" and start.chapter == 1 and start.number == 1
    assert start.history == handlers.ask(FakeSearcher(partial_regulation()), "第一条", [], 1, 5)[0]
    assert engine.asked == [("第一条", 5, 1)]
    unknown = handlers.page_start(engine, {"q": "问", "chapter": "9"})
    assert unknown.chapter is None and engine.asked[-1] == ("问", 5, None)


def test_handlers_work_without_gradio() -> None:
    code = "import sys, qa.app, qa.app.handlers; assert 'gradio' not in sys.modules, 'gradio imported'"
    subprocess.run([sys.executable, "-c", code], check=True)
