"""The web app: chat over the regulation's articles, an article browser and a JSON API.

The app only calls ``Searcher`` and renders what it returns. It never writes text about the law:
every answer is the retrieved articles' official Chinese text (with the answering sentences
marked), our English translation where it exists (marked unofficial), labels and citations.

:mod:`.inputs` (page and API values) → :mod:`.views` (HTML fragments) → :mod:`.handlers` (what
each control does, pure) → :mod:`.layout` (the Gradio page). Gradio is imported only when
``build_app``, ``launch``, ``EXAMPLES`` or ``I18N`` is first used, so the handlers work without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qa.app.handlers import answer_messages, user_message
from qa.app.views import article_view_html, banner_html

if TYPE_CHECKING:
    from qa.app.layout import EXAMPLES, I18N, build_app, launch

__all__ = ["build_app", "launch", "EXAMPLES", "I18N", "answer_messages", "user_message", "banner_html", "article_view_html"]

_LAYOUT = {"build_app", "launch", "EXAMPLES", "I18N"}


def __getattr__(name: str) -> Any:
    if name in _LAYOUT:
        from qa.app import layout

        return getattr(layout, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
