"""The Gradio web app: chat over the regulation's articles, an article browser and a JSON API.

The app only calls ``Searcher`` and renders what it returns. It never writes text about the law:
every answer is the retrieved articles' official Chinese text (with the answering sentences
marked), our English translation where it exists (marked unofficial), labels and citations.

``build_app(searcher)`` returns the ``gr.Blocks``; ``launch(demo, …)`` starts it with the page
styling, the copy-button script and the interface translations (Gradio 6 takes those at launch).
"""

from __future__ import annotations

import html
import re
from typing import Any, Sequence

import gradio as gr

from qa.corpus.model import Regulation, article_number_en
from qa.lang.numerals import article_label, to_chinese
from qa.present.render import UI_LABELS, front_heading, hit_heading, relevance_label, render_front_card_html, render_hit_card_html, render_notice_html, safe_text
from qa.search.searcher import Answer, Searcher

__all__ = ["build_app", "launch", "answer_messages", "user_message", "banner_html", "article_view_html", "EXAMPLES", "I18N"]

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
        }
        for locale in ("zh", "zh-CN", "zh-Hans", "zh-TW", "zh-HK")
    },
)

CSS = """
.qa-header h1 { font-size: 1.35rem; margin: 0 0 .15rem 0; }
.qa-header .qa-sub { margin: 0; color: var(--body-text-color-subdued); font-size: .95rem; }
.qa-banner { border: 1px solid #d97706; background: #fffbeb; color: #78350f; border-radius: 8px;
  padding: .55rem .8rem; margin: .5rem 0 0 0; font-size: .92rem; line-height: 1.5; }
.qa-banner p { margin: .1rem 0; }
.qa-banner code, .qa-cite code { white-space: normal; word-break: break-all; }
.qa-hit { line-height: 1.75; font-size: var(--text-md); }
.qa-hit .qa-para { margin: .35rem 0; }
.qa-hit .qa-pn { display: inline-block; min-width: 3.2em; font-size: .82em; font-weight: 600;
  color: #475569; background: #f1f5f9; border-radius: 4px; padding: 0 .3em; margin-right: .25em; text-align: center; }
.qa-hit .qa-matched { border-left: 3px solid #f59e0b; padding-left: .5rem; }
.qa-hit mark { background: #fde68a; color: inherit; padding: 0 .05em; border-radius: 2px; }
.qa-rel { font-size: .85rem; color: #475569; margin: 0 0 .25rem 0; }
.qa-direct { color: #1d4ed8; font-weight: 600; }
.qa-cite { font-size: .88rem; margin: .5rem 0 0 0; display: flex; flex-wrap: wrap; gap: .35rem; align-items: center; }
.qa-cite-label { color: #475569; }
button.qa-copy { font-size: .8rem; border: 1px solid #94a3b8; border-radius: 6px; padding: .05rem .5rem;
  background: #fff; color: #0f172a; cursor: pointer; }
button.qa-copy:hover { background: #f1f5f9; }
.qa-en { margin-top: .5rem; border-top: 1px dashed #cbd5e1; padding-top: .35rem; color: #334155; }
.qa-en summary { font-size: .82rem; color: #b45309; cursor: pointer; }
.qa-note { font-size: .85rem; color: #475569; margin: .2rem 0; }
.qa-abstain { margin: .2rem 0; font-weight: 500; }
.qa-missing { border: 1px dashed #94a3b8; border-radius: 8px; padding: .7rem .9rem; color: #475569; background: #f8fafc; }
.qa-grid { display: flex; flex-wrap: wrap; gap: 4px; margin-top: .4rem; }
.qa-grid span, .qa-grid a { min-width: 2.1em; text-decoration: none; text-align: center; font-size: .78rem; border-radius: 4px; padding: .1rem .2rem; }
.qa-grid .qa-in { background: #dcfce7; color: #14532d; border: 1px solid #86efac; }
.qa-grid .qa-out { background: #f1f5f9; color: #94a3b8; border: 1px dashed #cbd5e1; }
.qa-legend { font-size: .8rem; color: #64748b; }
.qa-article-title { font-weight: 600; margin: 0 0 .3rem 0; }
.qa-front-matter { border-top: 1px solid #e2e8f0; margin-top: .8rem; }
.qa-front-matter .qa-article-title { margin-top: .9rem; }
#qa-chat .message { max-width: 100%; }
#qa-chat .message-row.bot-row { padding-top: 2px; padding-bottom: 2px; }
#qa-chat .message-row.bot-row .message { margin-bottom: 0; }
@media (max-width: 640px) {
  .qa-header .qa-sub:first-of-type { display: none; }
  .qa-header h1 { font-size: 1.1rem; }
  .qa-hit .qa-pn { min-width: 0; }
}
"""

# Page script (Gradio runs it once on load): clicking a citation's copy button copies the citation.
# One listener on the document, so it works for messages added later, and with a fallback for
# pages served over plain http on a LAN, where navigator.clipboard is unavailable.
JS = """
() => {
  const copy = async (text) => {
    try { await navigator.clipboard.writeText(text); return true; } catch (e) {}
    const area = document.createElement('textarea');
    area.value = text; area.setAttribute('readonly', ''); area.style.position = 'fixed'; area.style.opacity = '0';
    document.body.appendChild(area); area.select();
    let ok = false; try { ok = document.execCommand('copy'); } catch (e) {}
    area.remove(); return ok;
  };
  document.addEventListener('click', async (event) => {
    const button = event.composedPath().find((el) => el.classList && el.classList.contains('qa-copy'));
    if (!button) return;
    event.preventDefault(); event.stopPropagation();
    const row = button.closest('.qa-cite');
    const code = row && row.querySelector('code');
    const text = code ? code.textContent : '';
    const ok = await copy(text);
    const label = button.textContent;
    button.textContent = ok ? '✓' : '✗';
    button.dataset.copied = ok ? 'yes' : 'no';
    setTimeout(() => { button.textContent = label; }, 1500);
  }, true);
}
"""


def _theme() -> gr.themes.Base:
    # System fonts only: the page must not fetch web fonts (it runs without network).
    return gr.themes.Soft(
        font=["system-ui", "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Micro Hei", "sans-serif"],
        font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"],
    )


# ---------------------------------------------------------------- pure rendering (unit-tested)


def user_message(question: str) -> dict[str, Any]:
    """The visitor's question as a chat message: inert text, never markup."""
    return {"role": "user", "content": safe_text(question)}


def answer_messages(answer: Answer) -> list[dict[str, Any]]:
    """An answer as chat messages: notes first, then one collapsible block per article.

    The best article is open; further candidates start collapsed. Titles are the chapter/article
    heading in the question's language; the relevance goes in the block's subdued log line.
    """
    lang = answer.lang if answer.lang in UI_LABELS else "zh"
    messages: list[dict[str, Any]] = []
    note = render_notice_html(answer)
    if note:
        messages.append({"role": "assistant", "content": note})
    for rank, hit in enumerate(answer.hits, 1):
        metadata: dict[str, Any] = {"title": _plain(hit_heading(hit, lang)), "log": _plain(relevance_label(hit, lang, rank))}
        if rank > 1 and hit.via != "citation":
            metadata["status"] = "done"  # collapsed: a further candidate
        # The relevance is in the block's log line, so the card itself leaves it out (rank=None).
        messages.append({"role": "assistant", "content": render_hit_card_html(hit, lang, rank=None), "metadata": metadata})
    for front in answer.front:
        metadata = {"title": _plain(front_heading(front, lang)), "log": _plain(front.citation if lang == "zh" else front.citation_en)}
        messages.append({"role": "assistant", "content": render_front_card_html(front, lang), "metadata": metadata})
    return messages


def _plain(text: str) -> str:
    """Block titles are shown as text: strip anything that could read as markup."""
    return "".join(c for c in text if c not in "<>[]`*_\\")


def banner_html(library: Sequence[Regulation]) -> str:
    """Title and the honesty banner for every regulation that is only partly loaded."""
    parts = ['<div class="qa-header">']
    if len(library) == 1:
        reg = library[0]
        parts.append(f"<h1>《{safe_text(reg.title)}》问答</h1>")
        if reg.title_en:
            parts.append(f'<p class="qa-sub">{safe_text(reg.title_en)} — Q&amp;A (unofficial English title)</p>')
    else:
        parts.append(f"<h1>法规问答 · {len(library)} regulations</h1>")
    parts.append(
        '<p class="qa-sub">答复只由检索到的条文原文、标签与引用组成，不生成文字。'
        " Answers consist only of retrieved official text, labels and citations; nothing is generated.</p>"
    )
    for reg in library:
        if reg.complete:
            continue
        parts.append(
            '<div class="qa-banner" role="status">'
            f"<p>⚠ 本库只收录《{safe_text(reg.title)}》{safe_text(reg.coverage_zh())}；其余条文未载入，"
            "问答与浏览不涉及这些条文。请下载官方全文并用 <code>qa import 文件 --out corpus</code> 载入。</p>"
            f"<p>This copy holds {safe_text(reg.coverage_en())} only; the rest are not loaded and cannot be "
            "answered or browsed. Load the official text with <code>qa import FILE --out corpus</code>.</p>"
            "</div>"
        )
    parts.append("</div>")
    return "".join(parts)


def _chapter_label(reg: Regulation, number: int) -> str:
    chapter = reg.chapter(number)
    if chapter is None:
        return f"第{to_chinese(number)}章 / Chapter {number}"
    en = f" / Chapter {number} {chapter.title_en}" if chapter.title_en else f" / Chapter {number}"
    return f"{chapter.label_zh} {chapter.title}{en}"


def front_matter_html(searcher: Searcher, regulation: int = 0) -> str:
    """The regulation's announcement, adoption note and table of contents (official text that is not an article)."""
    if not searcher.library:
        return ""
    reg = searcher.library[regulation]
    cards = []
    for front in searcher.front_hits(regulation):
        cards.append(
            f'<p class="qa-article-title">{safe_text(front_heading(front, "zh"))} '
            f'<span class="qa-legend">{safe_text(front_heading(front, "en"))}</span></p>' + render_front_card_html(front, "zh")
        )
    if not cards:
        return ""
    return f'<div class="qa-front-matter" aria-label="{html.escape(reg.title)}">{"".join(cards)}</div>'


def coverage_grid_html(reg: Regulation) -> str:
    """Every article number of the regulation: loaded ones green, missing ones greyed 'not loaded'."""
    loaded = {a.number for a in reg.articles}
    cells = "".join(
        f'<a class="qa-in" href="?article={n}" title="第{to_chinese(n)}条 · Article {n}">{n}</a>'
        if n in loaded
        else f'<span class="qa-out" title="第{to_chinese(n)}条 未载入 · Article {n} not loaded">{n}</span>'
        for n in range(1, reg.total_articles + 1)
    )
    legend = (
        '<p class="qa-legend">绿色：已载入（点击打开该条的链接）；灰色虚框：未载入（不显示任何文字）。'
        " Green: loaded (each is a link to the article); grey dashed: not loaded (no text is shown for these).</p>"
    )
    return f'<div class="qa-coverage">{legend}<div class="qa-grid">{cells}</div></div>'


def article_view_html(searcher: Searcher, number: int | str | None, regulation: int = 0) -> str:
    """One article in full for the browser, or a clear 'not loaded' / 'no such article' panel.

    ``number`` is an article number, or ``"17-1"`` for an inserted article (第十七条之一)."""
    if not searcher.library:
        return '<div class="qa-missing">未载入任何法规。 No regulation is loaded.</div>'
    key = _article_key(number)
    if key is None:
        return ""
    reg = searcher.library[regulation]
    hit = searcher.article_hit(key[0], regulation=regulation, suffix=key[1])
    if hit is not None:
        title = hit_heading(hit, "zh")
        title_en = hit_heading(hit, "en")
        return (
            f'<p class="qa-article-title">{safe_text(title)} <span class="qa-legend">{safe_text(title_en)}</span></p>'
            + render_hit_card_html(hit, "zh", rank=None, translation=True)
        )
    n = key[0]
    if 1 <= n <= reg.total_articles and not key[1]:
        return (
            '<div class="qa-missing">'
            f"<p><strong>第{to_chinese(n)}条 · Article {n}</strong> — 未载入 / not loaded</p>"
            f"<p>本库只收录{safe_text(reg.coverage_zh())}。请用 <code>qa import</code> 载入官方全文后再查看。</p>"
            f"<p>This copy holds {safe_text(reg.coverage_en())}. Load the official text with <code>qa import</code> to read it.</p>"
            "</div>"
        )
    return (
        '<div class="qa-missing">'
        f"<p>《{safe_text(reg.title)}》共{to_chinese(reg.total_articles)}条，没有{html.escape(article_label(*key))}。</p>"
        f"<p>The regulation has {reg.total_articles} articles; there is no Article {html.escape(article_number_en(*key))}.</p>"
        "</div>"
    )


# ---------------------------------------------------------------- the app


_SURROGATES = re.compile("[\ud800-\udfff]")


def _question(value: Any) -> str:
    """A question from the page or the API as text the searcher can take: anything but a string
    becomes '', and lone surrogates (a valid JSON escape such as "\\ud800", but not encodable text,
    which made the embedders raise) become spaces."""
    return _SURROGATES.sub(" ", value) if isinstance(value, str) else ""


def _article_key(value: Any) -> tuple[int, int] | None:
    """(number, suffix) from 17, "17" or "17-1" (the browser's value for 第十七条之一)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (int(value), 0)
    number, _, suffix = str(value).strip().partition("-")
    n, sub = _int(number), _int(suffix or 0)
    return (n, sub) if n is not None and sub is not None and sub >= 0 else None


def _int(value: Any, default: int | None = None) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


def build_app(searcher: Searcher, *, examples: Sequence[str] = EXAMPLES, title: str | None = None) -> gr.Blocks:
    """The whole app for ``searcher``'s library. Launch it with ``launch(demo, …)``."""
    library = searcher.library
    single = len(library) == 1
    first = library[0] if library else None
    chapter_choices: list[tuple[str, int]] = [("全部章节 / All chapters", 0)]
    if single and first is not None:
        chapter_choices += [(_chapter_label(first, c.number), c.number) for c in first.chapters]
    page_title = title or (f"{first.title} · 问答 Q&A" if single and first else "法规问答 Q&A")

    def ask(message: str, history: list | None, chapter: int | None, k: int | float | None):
        """Ask a question; returns the chat history with the answer's messages appended, and '' for the textbox."""
        history = list(history or [])
        message = _question(message).strip()
        if not message:
            return history, ""
        answer = searcher.search(message, k=_int(k, 5) or 5, chapter=_int(chapter) or None)
        return history + [user_message(message)] + answer_messages(answer), ""

    def search(question: str, k: int = 5) -> dict:
        """Answer `question` with up to `k` articles: the same JSON object as `qa ask --json` (Answer.to_dict())."""
        return searcher.search(_question(question), k=_int(k, 5) or 5).to_dict()

    def articles_in(regulation: int, chapter: int | None) -> list[tuple[str, str]]:
        if not library:
            return []
        reg = library[regulation]
        return [
            (f"{a.label_zh} / Article {a.number_en}", a.number_en)
            for a in reg.articles
            if chapter in (None, 0) or a.chapter == chapter
        ]

    def browse_chapter_changed(regulation: int | None, chapter: int | None):
        regulation = _int(regulation, 0) or 0
        choices = articles_in(regulation, _int(chapter))
        if not choices:
            reg = library[regulation]
            note = (
                '<div class="qa-missing">'
                f"<p>本章没有已载入的条文（本库只收录{safe_text(reg.coverage_zh())}）。哪些条文属于本章，需载入官方全文后才能显示。</p>"
                f"<p>No article of this chapter is loaded ({safe_text(reg.coverage_en())}). Which articles belong to it "
                "is shown once the official text is loaded with <code>qa import</code>.</p></div>"
            )
            return gr.Dropdown(choices=[], value=None), note
        value = choices[0][1]
        return gr.Dropdown(choices=choices, value=value), article_view_html(searcher, value, regulation)

    def open_article(regulation: int | None, number: int | float | str | None):
        return article_view_html(searcher, number, _int(regulation, 0) or 0)

    def browse_regulation_changed(regulation: int | None):
        regulation = _int(regulation, 0) or 0
        reg = library[regulation]
        chapters = [(_chapter_label(reg, c.number), c.number) for c in reg.chapters] or [("全部 / All", 0)]
        dropdown, view = browse_chapter_changed(regulation, chapters[0][1])
        return gr.Dropdown(choices=chapters, value=chapters[0][1]), dropdown, view, coverage_grid_html(reg), front_matter_html(searcher, regulation)

    def on_load(request: gr.Request):
        """Deep links: ?q=… asks a question (with optional &chapter=N), ?article=N opens an article."""
        params = dict(request.query_params) if request is not None else {}
        question = (params.get("q") or "").strip()
        article = _int(params.get("article"))
        chapter = _int(params.get("chapter"), 0) or 0
        if chapter not in {c for _, c in chapter_choices}:
            chapter = 0
        # Without parameters nothing changes: the visitor may already be typing when this runs.
        tab, history, view, number, b_chapter, b_article = (gr.update() for _ in range(6))
        if article is not None and library:
            tab, view, number = gr.Tabs(selected="browse"), article_view_html(searcher, article), article
            loaded = library[0].article(article)
            if loaded is not None and loaded.chapter is not None:
                b_chapter = gr.update(value=loaded.chapter)
                b_article = gr.Dropdown(choices=articles_in(0, loaded.chapter), value=loaded.number_en)
        if question:
            history, _ = ask(question, [], chapter, 5)
            tab = gr.Tabs(selected="ask")
        return tab, history, view, number, gr.update(value=chapter) if chapter else gr.update(), b_chapter, b_article

    with gr.Blocks(title=page_title, analytics_enabled=False) as demo:
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
                        chapter_choices, value=0, label=I18N("chapter_filter"), elem_id="qa-chapter", visible=single, scale=3, min_width=240
                    )
                    k = gr.Slider(1, 10, value=5, step=1, label=I18N("k"), elem_id="qa-k", scale=2, min_width=200)
                    clear = gr.Button(I18N("clear"), variant="secondary", scale=1, min_width=80)
                gr.Examples([[e] for e in examples], inputs=[question], label=I18N("examples"), elem_id="qa-examples")
            with gr.Tab(I18N("tab_browse"), id="browse"):
                reg_choices = [(r.title, i) for i, r in enumerate(library)]
                browse_reg = gr.Dropdown(reg_choices, value=0 if library else None, label=I18N("browse_regulation"), visible=len(library) > 1)
                first_chapters = [(_chapter_label(first, c.number), c.number) for c in first.chapters] if first else []
                first_chapters = first_chapters or [("全部 / All", 0)]
                initial_articles = articles_in(0, first_chapters[0][1]) if first else []
                with gr.Row():
                    browse_chapter = gr.Dropdown(first_chapters, value=first_chapters[0][1], label=I18N("browse_chapter"), elem_id="qa-browse-chapter", scale=3)
                    browse_article = gr.Dropdown(
                        initial_articles,
                        value=initial_articles[0][1] if initial_articles else None,
                        label=I18N("browse_article"),
                        elem_id="qa-browse-article",
                        scale=3,
                    )
                    number = gr.Number(label="条号 / Article no.", precision=0, minimum=1, elem_id="qa-number", scale=1, min_width=150)
                    open_button = gr.Button(I18N("open"), elem_id="qa-open", scale=1, min_width=90)
                article_view = gr.HTML(
                    article_view_html(searcher, initial_articles[0][1]) if initial_articles else "", elem_id="qa-article-view"
                )
                coverage = gr.HTML(coverage_grid_html(first) if first else "", elem_id="qa-coverage")
                front_view = gr.HTML(front_matter_html(searcher), elem_id="qa-front-matter")

        hidden = {"api_visibility": "private"}
        ask_button.click(ask, [question, chatbot, chapter, k], [chatbot, question], api_name="chat", api_description=ask.__doc__)
        question.submit(ask, [question, chatbot, chapter, k], [chatbot, question], **hidden)
        clear.click(lambda: ([], ""), None, [chatbot, question], **hidden)
        browse_reg.change(browse_regulation_changed, [browse_reg], [browse_chapter, browse_article, article_view, coverage, front_view], **hidden)
        browse_chapter.input(browse_chapter_changed, [browse_reg, browse_chapter], [browse_article, article_view], **hidden)
        browse_article.input(open_article, [browse_reg, browse_article], [article_view], **hidden)
        open_button.click(open_article, [browse_reg, number], [article_view], **hidden)
        number.submit(open_article, [browse_reg, number], [article_view], **hidden)
        demo.load(on_load, None, [tabs, chatbot, article_view, number, chapter, browse_chapter, browse_article], **hidden)
        gr.api(search, api_name="search")
    return demo


def launch(demo: gr.Blocks, *, host: str = "127.0.0.1", port: int = 7860, block: bool = True, quiet: bool = False):
    """Serve ``demo`` locally (never a public share link), with the app's styling and scripts."""
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
        css=CSS,
        js=JS,
        i18n=I18N,
    )
