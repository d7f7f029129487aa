"""The app in a real headless Chromium: questions answered with the cited article, markup that
survives Gradio's sanitizer, injected markup that does not, deep links, the article browser, the
copy button. Screenshots go to test-artifacts/ (desktop 1280×900 and phone 390×844).

Uses the system Chromium (Debian's /usr/bin/chromium); Playwright never downloads a browser.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
TIMEOUT = 15_000
BOT_ROWS = "document.querySelectorAll('#qa-chat .bot-row').length"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.is_file():
        pytest.skip(f"no Chromium at {CHROMIUM} (install the Debian package `chromium`; Playwright must not download one)")
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture()
def page_at(browser, app_url: str):  # type: ignore[no-untyped-def]
    """Open the app at a viewport size; records requests that leave the app's own server."""
    contexts = []

    def open_page(viewport: dict, query: str = "", lang: str = "en-US"):  # type: ignore[no-untyped-def]
        context = browser.new_context(viewport=viewport, locale=lang)
        contexts.append(context)
        page = context.new_page()
        page.external_requests = []  # type: ignore[attr-defined]
        page.on(
            "request",
            lambda r: page.external_requests.append(r.url)  # type: ignore[attr-defined]
            if not r.url.startswith(app_url.rstrip("/")) and not r.url.startswith(("data:", "blob:"))
            else None,
        )
        page.goto(app_url + query)
        page.wait_for_selector("#qa-question textarea", state="attached", timeout=TIMEOUT)
        return page

    yield open_page
    for context in contexts:
        context.close()


def ask(page, question: str) -> None:  # type: ignore[no-untyped-def]
    page.fill("#qa-question textarea", question)
    page.click("#qa-ask")


def shot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    # Not "networkidle": the page keeps Gradio's session heartbeat open (it holds per-visitor state).
    page.wait_for_load_state("load")
    page.evaluate("document.fonts.ready")
    page.wait_for_timeout(300)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def test_desktop_question_shows_cited_article_with_highlights(page_at) -> None:  # type: ignore[no-untyped-def]
    page = page_at(DESKTOP)
    ask(page, "增程式的车算新能源车吗？")
    card = page.wait_for_selector('#qa-chat .qa-hit.qa-art-3', timeout=TIMEOUT)
    text = card.inner_text()
    assert "《安徽省新能源汽车产业集群发展条例》第三条" in text
    assert "插电式混合动力（含增程式）汽车" in text  # the official text, verbatim
    assert card.query_selector("mark") is not None, "the answering sentence should be marked"
    assert card.query_selector("button.qa-copy") is not None
    assert "第一章 总则 · 第三条" in page.inner_text("#qa-chat")
    assert page.query_selector("#qa-banner .qa-banner") is None, "the bundled corpus is complete: no partial banner"
    assert page.external_requests == []  # type: ignore[attr-defined]
    assert shot(page, "desktop-answer").stat().st_size > 10_000


def test_phone_english_question_marks_translation_unofficial(page_at) -> None:  # type: ignore[no-untyped-def]
    page = page_at(PHONE)
    ask(page, "Do plug-in hybrids count as new energy vehicles?")
    card = page.wait_for_selector('#qa-chat .qa-hit.qa-art-3', timeout=TIMEOUT)
    translation = card.query_selector("details.qa-en")
    assert translation is not None and "UNOFFICIAL" in translation.inner_text()
    assert "本条例所称新能源汽车" in card.inner_text()  # the official Chinese is always shown
    assert "Anhui NEV Industry Cluster Regulations, Art. 3" in card.inner_text()
    assert "Chapter 1 General Provisions · Article 3" in page.inner_text("#qa-chat")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, f"page scrolls sideways on a phone ({width}px)"
    shot(page, "phone-answer")


def test_injected_markup_stays_text(page_at) -> None:  # type: ignore[no-untyped-def]
    page = page_at(DESKTOP)
    page.evaluate("window.__xss = 0")
    attacks = [
        '<img src=x onerror="window.__xss=1">',
        "<script>window.__xss=2</script>",
        "[click me](javascript:window.__xss=3) https://evil.example/",
    ]
    for attack in attacks:
        before = page.evaluate(BOT_ROWS)
        ask(page, attack)
        page.wait_for_function(f"{BOT_ROWS} > {before}", timeout=TIMEOUT)
    chat = page.query_selector("#qa-chat .message-wrap")
    assert chat.query_selector("img") is None
    assert chat.query_selector("script") is None
    assert chat.query_selector("a") is None
    assert page.evaluate("window.__xss") == 0
    assert "<script>window.__xss=2</script>" in chat.inner_text()  # shown, as text
    shot(page, "desktop-injection")


def test_later_chapters_answer_in_chat(page_at) -> None:  # type: ignore[no-untyped-def]
    page = page_at(DESKTOP)
    ask(page, "老旧小区的充电设施建设，条例怎么规定？")  # the app under test runs the hash test double: keyword evidence
    card = page.wait_for_selector('#qa-chat .qa-hit.qa-art-35', timeout=TIMEOUT)
    assert "老旧小区充换电基础设施建设" in card.inner_text()
    assert "第六章 支撑保障 · 第三十五条" in page.inner_text("#qa-chat")
    shot(page, "desktop-answer-charging")
    page = page_at(PHONE)
    ask(page, "条例哪天起生效？")
    front = page.wait_for_selector("#qa-chat .qa-front-announcement", timeout=TIMEOUT)
    assert "（十四届）第十六号" in front.inner_text() and "公布公告（非条文）" in page.inner_text("#qa-chat")
    assert page.query_selector("#qa-chat .qa-hit.qa-art-43") is not None
    shot(page, "phone-answer-effective-date")


def test_deep_links_open_article_and_run_question(page_at) -> None:  # type: ignore[no-untyped-def]
    page = page_at(DESKTOP, "?article=12")
    view = page.wait_for_selector("#qa-article-view .qa-hit.qa-art-12", timeout=TIMEOUT)
    assert "第十二条" in page.inner_text("#qa-article-view") and "省人民政府科技部门应当建立" in view.inner_text()
    shot(page, "desktop-article-12")

    page = page_at(PHONE, "?q=%E7%AC%AC%E4%BA%8C%E6%9D%A1")  # ?q=第二条
    card = page.wait_for_selector('#qa-chat .qa-hit.qa-art-2', timeout=TIMEOUT)
    assert "本条例适用于本省行政区域内" in card.inner_text()


def test_browser_tab_shows_the_whole_regulation(page_at) -> None:  # type: ignore[no-untyped-def]
    page = page_at(DESKTOP, "?article=3")
    view = page.wait_for_selector('#qa-article-view .qa-hit.qa-art-3', timeout=TIMEOUT)
    assert "第二款" in view.inner_text()
    grid = page.query_selector("#qa-coverage")
    links = grid.query_selector_all("a.qa-in")
    assert len(links) == 43 and not grid.query_selector_all(".qa-out")
    assert [a.get_attribute("href") for a in links] == [f"?article={n}" for n in range(1, 44)]
    front = page.query_selector("#qa-front-matter").inner_text()
    assert "（十四届）第十六号" in front and "第七章　附则" in front
    shot(page, "desktop-browse")
    links[34].click()
    page.wait_for_selector('#qa-article-view .qa-hit.qa-art-35', timeout=TIMEOUT)
    shot(page, "desktop-browse-article-35")
    phone = page_at(PHONE, "?article=27")
    phone.wait_for_selector('#qa-article-view .qa-hit.qa-art-27', timeout=TIMEOUT)
    shot(phone, "phone-browse-article-27")


def test_copy_button_copies_the_citation(browser, app_url: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=DESKTOP)
    try:
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=app_url.rstrip("/"))
        page = context.new_page()
        page.goto(app_url + "?q=Art.%203(2)")
        button = page.wait_for_selector('#qa-chat .qa-hit.qa-art-3 button.qa-copy', timeout=TIMEOUT)
        button.click()
        page.wait_for_function("document.querySelector('#qa-chat button.qa-copy').dataset.copied === 'yes'", timeout=TIMEOUT)
        assert page.evaluate("navigator.clipboard.readText()") == "Anhui NEV Industry Cluster Regulations, Art. 3(2)"
    finally:
        context.close()


@pytest.fixture(scope="module")
def feedback_app(hash_searcher, tmp_path_factory) -> Iterator[tuple[str, Path]]:  # type: ignore[no-untyped-def]
    """A second app with the "Wrong answer?" control on, writing to a temporary feedback file."""
    from qa.app import build_app, launch
    from tests.conftest import free_port

    path = tmp_path_factory.mktemp("feedback") / "feedback.jsonl"
    demo = build_app(hash_searcher, feedback=path)
    port = free_port()
    launch(demo, host="127.0.0.1", port=port, block=False, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/", path
    finally:
        demo.close()


def _answered(page, rows: int) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_function(f"{BOT_ROWS} > {rows}", timeout=TIMEOUT)


def test_two_turn_dialogue_reads_the_follow_up(page_at) -> None:  # type: ignore[no-untyped-def]
    page = page_at(DESKTOP)
    ask(page, "第三十五条")
    page.wait_for_selector("#qa-chat .qa-hit.qa-art-35", timeout=TIMEOUT)
    ask(page, "下一条呢")
    card = page.wait_for_selector("#qa-chat .qa-hit.qa-art-36", timeout=TIMEOUT)
    assert "加氢基础设施" in card.inner_text()
    assert "按上文理解为：第三十六条" in page.inner_text("#qa-chat")
    shot(page, "desktop-follow-up")


def test_export_offers_the_answer_as_markdown(page_at) -> None:  # type: ignore[no-untyped-def]
    page = page_at(DESKTOP)
    ask(page, "增程式的车算新能源车吗？")
    page.wait_for_selector("#qa-chat .qa-hit.qa-art-3", timeout=TIMEOUT)
    page.click("#qa-export button")  # open the accordion
    page.wait_for_function(
        "(document.querySelector('#qa-export-text textarea') || {}).value?.includes('第三条')", timeout=TIMEOUT
    )
    text = page.input_value("#qa-export-text textarea")
    assert "《安徽省新能源汽车产业集群发展条例》第三条" in text and "插电式混合动力（含增程式）汽车" in text
    assert "Unofficial English translation" in text and "?q=" in text
    with page.expect_download(timeout=TIMEOUT) as download:
        page.click("#qa-download")
    saved = Path(download.value.path())
    assert saved.read_text(encoding="utf-8") == text
    shot(page, "desktop-export")


def test_feedback_control_writes_a_local_report(browser, feedback_app) -> None:  # type: ignore[no-untyped-def]
    import json

    url, path = feedback_app
    context = browser.new_context(viewport=DESKTOP)
    try:
        page = context.new_page()
        page.goto(url)
        page.wait_for_selector("#qa-question textarea", state="attached", timeout=TIMEOUT)
        ask(page, "小区充电难，条例管不管？")
        _answered(page, 0)
        page.click("#qa-feedback button")  # open "Wrong answer?"
        page.click("#qa-right-article input")
        page.keyboard.type("Article 35")
        page.click("ul[role=listbox] li:has-text('Article 35')", timeout=TIMEOUT)
        page.click("#qa-report")
        page.wait_for_function("document.querySelector('#qa-report-status').innerText.includes('recorded')", timeout=TIMEOUT)
        record = json.loads(path.read_text(encoding="utf-8").splitlines()[-1])
        assert record["type"] == "feedback" and record["correct"] == [35] and record["question"] == "小区充电难，条例管不管？"
        shot(page, "desktop-feedback")
    finally:
        context.close()


def test_feedback_control_is_absent_by_default(page_at) -> None:  # type: ignore[no-untyped-def]
    page = page_at(DESKTOP)
    assert page.query_selector("#qa-feedback") is None or not page.is_visible("#qa-feedback")
