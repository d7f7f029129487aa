"""The page as Gradio Blocks: components, and each event wired to one of :mod:`qa.app.handlers`.

Nothing here decides what is shown; it turns the handlers' plain data into Gradio updates.
``build_app(searcher)`` returns the ``gr.Blocks``; ``launch(demo, …)`` serves it with the page
styling and the copy-button script (``static/app.css``, ``static/app.js``, package data) and the
interface translations (Gradio 6 takes those at launch).

Concurrency: the two answering endpoints (``/search`` and the chat) share one group of
:data:`~qa.app.api.ANSWER_THREADS` workers, so questions run side by side — the searcher batches their
encoding (:mod:`qa.models.batcher`) and a citation or keyword answer never waits for it. The page's own
events (browsing, export) have :data:`PAGE_THREADS`. Gradio's queue holds at most :data:`QUEUE_SIZE`
events; beyond that a request is refused with HTTP 503 at once, so memory stays bounded whatever the
load. The plain JSON API (:mod:`qa.app.api`, ``/api/search``) is served by the same server, outside
Gradio's queue.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any, Sequence

import gradio as gr
from starlette.routing import BaseRoute

from qa.app import conversation as talk
from qa.app import handlers
from qa.app.api import ANSWER_THREADS
from qa.app.conversation import Conversation
from qa.app.handlers import Choices, Engine, Message, PageStart
from qa.app.views import banner_html
from qa.config import BUNDLED_ID
from qa.corpus.model import Regulation

__all__ = ["build_app", "launch", "EXAMPLES", "GENERIC_EXAMPLES", "examples_for", "I18N", "static_text"]

EXAMPLES = [
    "增程式的车算新能源车吗？",
    "小区充电难，条例管不管？",
    "无人驾驶汽车上路测试要向社会公布吗？",
    "废旧动力电池怎么回收利用？",
    "引进新能源汽车高层次人才有什么支持？",
    "新能源汽车企业贷款难，条例怎么说？",
    "自由贸易试验区在新能源汽车方面做什么？",
    "条例从哪天起施行？",
    "第二十七条第四款",
    "What date did these rules start to apply?",
    "Do plug-in hybrids count as new energy vehicles?",
    "Who is responsible for charging infrastructure planning?",
]
#: For any other corpus: what most regulations answer (an article by number, scope, entry into force, purpose; on
#: the sixteen evaluation regulations each question but the citations abstains on one or two that lack such an article).
GENERIC_EXAMPLES = [
    "第一条",
    "适用范围是什么？",
    "从哪天起施行？",
    "Art. 2",
    "When does it come into force?",
    "What is the purpose of these rules?",
]


def examples_for(library: Sequence[Regulation]) -> list[str]:
    """:data:`EXAMPLES` for the bundled regulation (:data:`qa.config.BUNDLED_ID`) alone; :data:`GENERIC_EXAMPLES` for any other corpus, where
    questions about new energy vehicles would only abstain."""
    return EXAMPLES if [r.id for r in library] == [BUNDLED_ID] else GENERIC_EXAMPLES

I18N = gr.I18n(
    en={
        "tab_ask": "Ask",
        "tab_browse": "Browse articles",
        "chat": "Answers (official text, cited)",
        "question": "Question",
        "placeholder": "Ask in Chinese or English, or type a citation such as 第十二条 / Art. 12(2)",
        "ask": "Ask",
        "clear": "Clear",
        "chapter_filter": "Search within chapter",
        "k": "Articles per answer",
        "examples": "Example questions",
        "browse_regulation": "Regulation",
        "browse_chapter": "Chapter",
        "browse_article": "Loaded articles in this chapter",
        "open": "Open article",
        "export": "Share and export this answer",
        "markdown": "Markdown (question, cited official text, unofficial translation, source, link)",
        "wrong": "Wrong answer?",
        "right_article": "The right article (optional)",
        "report": "Report",
    },
    **{
        locale: {
            "tab_ask": "问答",
            "tab_browse": "条文浏览",
            "chat": "答复（官方原文，附引用）",
            "question": "问题",
            "placeholder": "用中文或英文提问，或输入条文引用，如 第十二条 / Art. 12(2)",
            "ask": "提问",
            "clear": "清空",
            "chapter_filter": "限定章节",
            "k": "每次显示条文数",
            "examples": "示例问题",
            "browse_regulation": "法规",
            "browse_chapter": "章",
            "browse_article": "本章已载入的条文",
            "open": "打开条文",
            "export": "分享与导出本次答复",
            "markdown": "Markdown（问题、引用的官方原文、非官方译文、来源、链接）",
            "wrong": "答复不对？",
            "right_article": "正确的条文（可选）",
            "report": "报告",
        }
        for locale in ("zh", "zh-CN", "zh-Hans", "zh-TW", "zh-HK")
    },
)

PRIVATE = "private"  # an event of the page itself, not an API endpoint
ANSWER = "answer"  # the concurrency group of the endpoints that answer questions

#: Page events (browsing, export, feedback) side by side.
PAGE_THREADS = 8
#: Events Gradio's queue holds before refusing new ones (HTTP 503, "queue is full").
QUEUE_SIZE = 512


def static_text(name: str) -> str:
    """A file of ``qa/app/static`` (package data, so it is there once installed too)."""
    return files("qa.app").joinpath("static", name).read_text(encoding="utf-8")


def _theme() -> gr.themes.Base:
    # System fonts only: the page must not fetch web fonts (it runs without network).
    return gr.themes.Soft(
        font=["system-ui", "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Micro Hei", "sans-serif"],
        font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"],
    )


def _dropdown(choices: Choices) -> gr.Dropdown:
    return gr.Dropdown(choices=choices.options, value=choices.value)


def _unchanged_or(value: Any) -> Any:
    return gr.update() if value is None else value


class Events:
    """The page's event functions, one per handler. Gradio reads their names (endpoint names),
    signatures and docstrings (the API page), and passes ``gr.Request`` to ``on_load``."""

    def __init__(self, engine: Engine, feedback: Path | None = None):
        self.engine = engine
        self.feedback = feedback

    def ask(
        self, message: str, history: list | None, chapter: int | None, k: int | float | None, conversation: Conversation | None = None
    ) -> tuple[list[Message], str, Conversation]:
        """Ask a question (a short follow-up is read with the previous answer); returns the chat history with the answer's messages appended, and '' for the textbox."""
        return talk.converse(self.engine, message, history, chapter, k, conversation)

    def export(self, conversation: Conversation | None, request: gr.Request) -> tuple[str, Any]:
        headers = dict(request.headers) if request is not None else {}
        scheme = request.url.scheme if request is not None else "http"
        text, path = talk.export_markdown(self.engine, conversation, headers, scheme)
        return text, gr.DownloadButton(value=path, interactive=path is not None)

    def report(self, conversation: Conversation | None, correct: int | None) -> str:
        return talk.report_wrong(conversation, correct, self.feedback)

    def search(self, question: str, k: int = 5) -> dict:
        """Answer `question` with up to `k` articles: the same JSON object as `qa ask --json` (Answer.to_dict())."""
        return handlers.search(self.engine, question, k)

    def clear(self) -> tuple[list[Message], str, Conversation]:
        return [], "", Conversation()

    def browse_regulation_changed(self, regulation: int | None) -> tuple[gr.Dropdown, gr.Dropdown, str, str, str]:
        view = handlers.regulation_view(self.engine, regulation)
        return _dropdown(view.chapters), _dropdown(view.chapter.articles), view.chapter.html, view.coverage, view.front

    def browse_chapter_changed(self, regulation: int | None, chapter: int | None) -> tuple[gr.Dropdown, str]:
        view = handlers.chapter_view(self.engine, regulation, chapter)
        return _dropdown(view.articles), view.html

    def open_article(self, regulation: int | None, number: int | float | str | None) -> str:
        return handlers.open_article(self.engine, regulation, number)

    def on_load(self, request: gr.Request) -> tuple[Any, ...]:
        """Deep links: ?q=… asks a question (with optional &chapter=N), ?article=N opens an article."""
        start: PageStart = handlers.page_start(self.engine, dict(request.query_params) if request is not None else {})
        return (
            gr.Tabs(selected=start.tab) if start.tab else gr.update(),
            _unchanged_or(start.history),
            _unchanged_or(start.article_html),
            _unchanged_or(start.number),
            gr.update() if start.chapter is None else gr.update(value=start.chapter),
            gr.update() if start.browse_chapter is None else gr.update(value=start.browse_chapter),
            gr.update() if start.browse_articles is None else _dropdown(start.browse_articles),
            gr.update() if start.answer is None else Conversation(start.answer, start.answer.question),
        )


def build_app(searcher: Engine, *, examples: Sequence[str] | None = None, title: str | None = None, feedback: Path | None = None) -> gr.Blocks:
    """The whole app for ``searcher``'s library. Launch it with ``launch(demo, …)``.

    ``examples`` default to :func:`examples_for` the library. ``feedback`` names the JSON Lines file that "Wrong
    answer?" reports go to; without it the control is absent."""
    library = searcher.library
    examples = examples_for(library) if examples is None else examples
    single = len(library) == 1
    first = library[0] if library else None
    page_title = title or (f"{first.title} · 问答 Q&A" if single and first else "法规问答 Q&A")
    events = Events(searcher, feedback)
    opening = handlers.opening_view(searcher)

    # Gradio keeps a copy of every file it serves (the Markdown downloads): clear those after an hour too.
    with gr.Blocks(title=page_title, analytics_enabled=False, delete_cache=(talk.EXPORT_MAX_AGE, talk.EXPORT_MAX_AGE)) as demo:
        gr.HTML(banner_html(library), elem_id="qa-banner")
        with gr.Tabs(selected="ask") as tabs:
            with gr.Tab(I18N("tab_ask"), id="ask"):
                chatbot = gr.Chatbot(
                    label=I18N("chat"),
                    elem_id="qa-chat",
                    height=None,
                    min_height=360,
                    max_height="78vh",
                    render_markdown=False,
                    sanitize_html=True,
                    latex_delimiters=[],
                    buttons=[],
                    feedback_options=None,
                    allow_tags=False,
                    autoscroll=False,
                    layout="panel",
                    group_consecutive_messages=False,
                )
                with gr.Row(equal_height=True):
                    question = gr.Textbox(
                        label=I18N("question"),
                        show_label=False,
                        placeholder=I18N("placeholder"),
                        elem_id="qa-question",
                        lines=1,
                        max_lines=4,
                        max_length=4000,
                        scale=6,
                        autofocus=True,
                    )
                    ask_button = gr.Button(I18N("ask"), variant="primary", elem_id="qa-ask", scale=1, min_width=80)
                with gr.Row():
                    chapter = gr.Dropdown(
                        handlers.chapter_filter_choices(searcher),
                        value=handlers.ALL_CHAPTERS,
                        label=I18N("chapter_filter"),
                        elem_id="qa-chapter",
                        visible=single,
                        scale=3,
                        min_width=240,
                    )
                    k = gr.Slider(1, 10, value=5, step=1, label=I18N("k"), elem_id="qa-k", scale=2, min_width=200)
                    clear = gr.Button(I18N("clear"), variant="secondary", scale=1, min_width=80)
                conversation = gr.State(Conversation())
                with gr.Accordion(I18N("export"), open=False, elem_id="qa-export"):
                    export_text = gr.Textbox(label=I18N("markdown"), lines=6, max_lines=16, interactive=False, buttons=["copy"], elem_id="qa-export-text")
                    download = gr.DownloadButton("下载 Markdown / Download Markdown", value=None, interactive=False, elem_id="qa-download")
                with gr.Accordion(I18N("wrong"), open=False, visible=feedback is not None, elem_id="qa-feedback"):
                    with gr.Row():
                        right_article = gr.Dropdown(
                            talk.report_choices(searcher), value=None, label=I18N("right_article"), elem_id="qa-right-article", scale=3
                        )
                        report = gr.Button(I18N("report"), elem_id="qa-report", scale=1, min_width=80)
                    report_status = gr.Markdown(elem_id="qa-report-status")
                gr.Examples([[e] for e in examples], inputs=[question], label=I18N("examples"), elem_id="qa-examples")
            with gr.Tab(I18N("tab_browse"), id="browse"):
                reg_choices = [(r.title, i) for i, r in enumerate(library)]
                browse_reg = gr.Dropdown(reg_choices, value=0 if library else None, label=I18N("browse_regulation"), visible=len(library) > 1)
                with gr.Row():
                    browse_chapter = gr.Dropdown(
                        opening.chapters.options, value=opening.chapters.value, label=I18N("browse_chapter"), elem_id="qa-browse-chapter", scale=3
                    )
                    browse_article = gr.Dropdown(
                        opening.chapter.articles.options,
                        value=opening.chapter.articles.value,
                        label=I18N("browse_article"),
                        elem_id="qa-browse-article",
                        scale=3,
                    )
                    number = gr.Number(label="条号 / Article no.", precision=0, minimum=1, elem_id="qa-number", scale=1, min_width=150)
                    open_button = gr.Button(I18N("open"), elem_id="qa-open", scale=1, min_width=90)
                article_view = gr.HTML(opening.chapter.html, elem_id="qa-article-view")
                coverage = gr.HTML(opening.coverage, elem_id="qa-coverage")
                front_view = gr.HTML(opening.front, elem_id="qa-front-matter")

        asking = [question, chatbot, chapter, k, conversation]
        answered = [chatbot, question, conversation]
        exported = [export_text, download]
        answering: dict[str, Any] = {"concurrency_limit": ANSWER_THREADS, "concurrency_id": ANSWER}
        ask_button.click(events.ask, asking, answered, api_name="chat", api_description=events.ask.__doc__, **answering).then(
            events.export, [conversation], exported, api_visibility=PRIVATE
        )
        question.submit(events.ask, asking, answered, api_visibility=PRIVATE, **answering).then(events.export, [conversation], exported, api_visibility=PRIVATE)
        clear.click(events.clear, None, answered, api_visibility=PRIVATE).then(events.export, [conversation], exported, api_visibility=PRIVATE)
        report.click(events.report, [conversation, right_article], [report_status], api_visibility=PRIVATE)
        browse_reg.change(
            events.browse_regulation_changed, [browse_reg], [browse_chapter, browse_article, article_view, coverage, front_view], api_visibility=PRIVATE
        )
        browse_chapter.input(events.browse_chapter_changed, [browse_reg, browse_chapter], [browse_article, article_view], api_visibility=PRIVATE)
        browse_article.input(events.open_article, [browse_reg, browse_article], [article_view], api_visibility=PRIVATE)
        open_button.click(events.open_article, [browse_reg, number], [article_view], api_visibility=PRIVATE)
        number.submit(events.open_article, [browse_reg, number], [article_view], api_visibility=PRIVATE)
        demo.load(
            events.on_load, None, [tabs, chatbot, article_view, number, chapter, browse_chapter, browse_article, conversation], api_visibility=PRIVATE
        ).then(events.export, [conversation], exported, api_visibility=PRIVATE)
        gr.api(events.search, api_name="search", **answering)
    demo.queue(default_concurrency_limit=PAGE_THREADS, max_size=QUEUE_SIZE)
    return demo


def launch(
    demo: gr.Blocks, *, host: str = "127.0.0.1", port: int = 7860, block: bool = True, quiet: bool = False, routes: Sequence[BaseRoute] = ()
) -> tuple[Any, str, str]:
    """Serve ``demo`` locally (never a public share link), with the app's styling and scripts, and
    ``routes`` (the JSON API, :class:`qa.app.api.JsonApi`) ahead of Gradio's own."""
    return demo.launch(
        server_name=host,
        server_port=port,
        share=False,
        prevent_thread_lock=not block,
        quiet=quiet,
        show_error=False,
        max_file_size=0,  # the app takes no files: refuse uploads rather than let them fill the temp folder
        footer_links=["api"],
        run_history=False,
        ssr_mode=False,
        mcp_server=False,
        enable_monitoring=False,
        theme=_theme(),
        css=static_text("app.css"),
        js=static_text("app.js"),
        i18n=I18N,
        max_threads=ANSWER_THREADS + PAGE_THREADS + 8,  # the rest: Gradio's own work
        app_kwargs={"routes": list(routes)},
    )
