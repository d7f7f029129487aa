"""The Gradio page: endpoints registered, styling and script read from package data, and the
handlers' plain data turned into Gradio updates."""

from __future__ import annotations

from types import SimpleNamespace

import gradio as gr

from qa.app import build_app
from qa.app.layout import Events, static_text
from tests.answers import FakeSearcher, partial_regulation


def test_build_app_registers_search_and_chat_endpoints(hash_searcher) -> None:  # type: ignore[no-untyped-def]
    demo = build_app(hash_searcher)
    names = {d.api_name for d in demo.fns.values() if getattr(d, "api_visibility", "public") == "public"}
    assert {"search", "chat"} <= names


def test_page_styling_and_script_are_package_data() -> None:
    assert ".qa-copy" in static_text("app.css") and "@media" in static_text("app.css")
    script = static_text("app.js")
    assert script.startswith("() => {") and "qa-copy" in script and "navigator.clipboard" in script


def test_deep_link_becomes_updates_of_tab_view_and_browser() -> None:
    events = Events(FakeSearcher(partial_regulation()))
    tab, history, view, number, chapter, browse_chapter, browse_article, conversation = events.on_load(SimpleNamespace(query_params={"article": "2"}))  # type: ignore[arg-type]
    assert isinstance(tab, gr.Tabs) and tab.selected == "browse"
    assert history == gr.update() and chapter == gr.update() and conversation == gr.update()
    assert "第二条的文字" in view and number == 2
    assert browse_chapter == gr.update(value=1)
    assert isinstance(browse_article, gr.Dropdown) and browse_article.value == "2"
    assert events.on_load(None) == tuple(gr.update() for _ in range(8))  # type: ignore[arg-type]


def test_browser_events_update_the_dropdowns() -> None:
    events = Events(FakeSearcher(partial_regulation()))
    articles, view = events.browse_chapter_changed(0, 2)
    assert isinstance(articles, gr.Dropdown) and articles.choices == [] and "qa-missing" in view
    chapters, articles, view, coverage, front = events.browse_regulation_changed(0)
    assert [value for _, value in chapters.choices] == [1, 2] and articles.value == "1"
    assert "qa-grid" in coverage and front == ""


def test_example_questions_fit_the_corpus_served() -> None:
    from qa.app.layout import EXAMPLES, GENERIC_EXAMPLES, examples_for
    from qa.corpus.model import Regulation

    bundled = Regulation("anhui-nev-clusters", "安徽省新能源汽车产业集群发展条例", ())
    other = Regulation("weihai-parking", "威海市停车管理和服务条例", ())
    assert examples_for([bundled]) == EXAMPLES
    assert examples_for([other]) == GENERIC_EXAMPLES and examples_for([bundled, other]) == GENERIC_EXAMPLES
