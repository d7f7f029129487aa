"""The plain JSON API beside the page: ``GET /api/search?q=…&k=…`` (or ``POST`` a JSON object) answers in
one HTTP request with ``Answer.to_dict()``, and ``GET /api/stats`` returns the engine's counters.

Why beside Gradio's own ``/gradio_api/call/search``: that one is two requests (an event id, then a
stream of server-sent events) through Gradio's queue, and under load its per-event work cost more CPU
than answering the question (docs/benchmarks.md). This route runs the same handler
(:func:`qa.app.handlers.search`) straight on a worker thread.

Overload: at most :data:`ANSWER_THREADS` questions are in progress here; a question beyond that, or one
the engine itself turns away (its ``max_active`` bound), is answered at once with HTTP 503, a
``Retry-After`` header and the bilingual busy answer as the body — nothing waits in a queue, so memory
stays bounded and a refusal is quick.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import anyio
from anyio import CapacityLimiter
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from qa.app import handlers
from qa.app.handlers import Engine
from qa.app.inputs import question_text
from qa.search.searcher import busy_answer

__all__ = ["JsonApi", "ANSWER_THREADS", "RETRY_AFTER_S"]

#: Questions answered side by side through this API (each holds a worker thread; waiting for the
#: encoder costs no CPU). More than the engine's own default bound, so that its answer is the one met first.
ANSWER_THREADS = 256
#: What a refused client is told to wait (seconds, the ``Retry-After`` header).
RETRY_AFTER_S = 1


class _Unicode(JSONResponse):
    """JSON with Chinese as characters, not ``\\u`` escapes (a third of the bytes)."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass
class JsonApi:
    """The routes of the JSON API over ``engine``; pass :attr:`routes` to :func:`qa.app.layout.launch`."""

    engine: Engine
    threads: int = ANSWER_THREADS
    in_progress: int = 0
    refused: int = 0
    _limiter: CapacityLimiter | None = field(default=None, repr=False)

    @property
    def routes(self) -> list[BaseRoute]:
        return [Route("/api/search", self.search, methods=["GET", "POST"]), Route("/api/stats", self.stats, methods=["GET"])]

    async def search(self, request: Request) -> _Unicode:
        try:
            question, k = await _arguments(request)
        except ValueError as exc:
            return _Unicode({"error": str(exc)}, status_code=400)
        if self.in_progress >= self.threads:  # only the event loop changes it: no lock needed
            self.refused += 1
            return _busy(busy_answer(question_text(question)).to_dict())
        if self._limiter is None:
            self._limiter = CapacityLimiter(self.threads)
        self.in_progress += 1
        try:
            answer = await anyio.to_thread.run_sync(handlers.search, self.engine, question, k, limiter=self._limiter)
        finally:
            self.in_progress -= 1
        return _busy(answer) if answer.get("busy") else _Unicode(answer)

    async def stats(self, request: Request) -> _Unicode:
        counters = handlers.server_stats(self.engine)
        counters["api"] = {"in_progress": self.in_progress, "threads": self.threads, "refused": self.refused}
        return _Unicode(counters)


def _busy(answer: dict[str, Any]) -> _Unicode:
    return _Unicode(answer, status_code=503, headers={"Retry-After": str(RETRY_AFTER_S)})


async def _arguments(request: Request) -> tuple[Any, Any]:
    """``q`` (or ``question``) and ``k`` from the query string, or from a JSON object body for POST."""
    values: dict[str, Any] = dict(request.query_params)
    if request.method == "POST":
        try:
            body = json.loads(await request.body() or b"{}")
        except (ValueError, UnicodeDecodeError):
            raise ValueError("the body is not JSON: send {\"q\": \"…\", \"k\": 5}") from None
        if not isinstance(body, dict):
            raise ValueError("the body must be a JSON object: {\"q\": \"…\", \"k\": 5}")
        values.update(body)
    question = values.get("q", values.get("question"))
    if question is None:
        raise ValueError("no question: give q, as in /api/search?q=第十二条&k=5")
    return question, values.get("k", 5)
