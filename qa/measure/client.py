"""Talking to a running app's search API over raw HTTP, as any client would: one question at a
time, and waiting until the app answers with its semantic model.

Two APIs ask the same handler. ``json`` (the default): ``GET /api/search?q=…&k=…`` answers in one
request (:mod:`qa.app.api`); a question the app had no room for is HTTP 503 with the busy answer.
``gradio``: Gradio's documented call API, ``POST /gradio_api/call/search`` returns an event id and
``GET /gradio_api/call/search/<id>`` streams the result as server-sent events; a full queue answers the
POST with HTTP 503, and a question the app had no room for comes back as an answer with ``busy`` set.
Either refusal raises :class:`TurnedAway`.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import time
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import urlencode, urlsplit

__all__ = ["SearchClient", "TurnedAway", "Readiness", "wait_until_ready", "is_loopback_url", "READY_PROBE", "APIS"]

#: The search APIs a client can ask (see the module's docstring).
APIS = ("json", "gradio")


class TurnedAway(RuntimeError):
    """The app refused the question at once: HTTP 503, or a ``busy`` answer."""


def is_loopback_url(url: str) -> bool:
    """True for http(s) URLs whose host is ``localhost`` or a loopback IP literal (no DNS lookups)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    if parts.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False


class SearchClient:
    """One persistent HTTP connection asking ``/search`` questions through ``api`` (one of :data:`APIS`)."""

    def __init__(self, url: str, timeout: float, api: str = "json"):
        parts = urlsplit(url)
        if not parts.hostname:
            raise ValueError(f"no host in {url!r}")
        if api not in APIS:
            raise ValueError(f"unknown API {api!r}: one of {', '.join(APIS)}")
        self.api = api
        host, port = parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)
        self.prefix = parts.path.rstrip("/")
        factory = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        self._new = lambda: factory(host, port, timeout=timeout)
        self.conn = self._new()

    def _request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        for attempt in (1, 2):
            try:
                self.conn.request(method, self.prefix + path, body=body, headers=headers)
                response = self.conn.getresponse()
                return response.status, response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # A kept-alive connection the server closed meanwhile: reconnect once.
                self.conn.close()
                self.conn = self._new()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def call(self, endpoint: str, data: list[Any]) -> Any:
        """The one output of ``endpoint`` called with ``data``."""
        status, body = self._request("POST", f"/gradio_api/call/{endpoint}", json.dumps({"data": data}).encode())
        if status == 503:
            raise TurnedAway(f"POST /gradio_api/call/{endpoint}: HTTP 503 {body[:200]!r}")
        if status != 200:
            raise RuntimeError(f"POST /gradio_api/call/{endpoint}: HTTP {status} {body[:200]!r}")
        event_id = json.loads(body)["event_id"]
        status, body = self._request("GET", f"/gradio_api/call/{endpoint}/{event_id}")
        if status != 200:
            raise RuntimeError(f"GET /gradio_api/call/{endpoint}/{event_id}: HTTP {status} {body[:200]!r}")
        event: str | None = None
        payload: str | None = None
        for line in body.decode("utf-8").splitlines():
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:") and event in ("complete", "error"):
                payload = line[5:].strip()
                if event == "complete":
                    break
        if event != "complete" or payload is None:
            raise RuntimeError(f"{endpoint} did not complete: event {event!r}, data {str(payload)[:200]!r}")
        (output,) = json.loads(payload)
        return output

    def get_json(self, path: str) -> tuple[int, Any]:
        """``GET path``: the status and the body parsed as JSON (None when it is not JSON)."""
        status, body = self._request("GET", path)
        try:
            return status, json.loads(body)
        except ValueError:
            return status, None

    def stats(self) -> dict[str, Any]:
        """The app's counters (answer cache, query encoder, JSON API); {} from an app that keeps none."""
        status, output = self.get_json("/api/stats")
        return output if status == 200 and isinstance(output, dict) else {}

    def search(self, question: str, k: int = 5) -> dict:
        """The answer's JSON; :class:`TurnedAway` when the app had no room for the question."""
        if self.api == "json":
            status, answer = self.get_json("/api/search?" + urlencode({"q": question, "k": k}))
            if status == 503:
                raise TurnedAway(f"GET /api/search: HTTP 503 (busy: {isinstance(answer, dict) and answer.get('busy')})")
            if status != 200:
                raise RuntimeError(f"GET /api/search: HTTP {status} {str(answer)[:200]}")
        else:
            answer = self.call("search", [question, k])
        if isinstance(answer, dict) and answer.get("busy"):
            raise TurnedAway("answered busy")
        if not isinstance(answer, dict) or not {"hits", "abstained", "retriever"} <= answer.keys():
            raise RuntimeError(f"malformed answer: {str(answer)[:200]}")
        if answer["abstained"] == bool(answer["hits"] or answer.get("front")):
            raise RuntimeError(f"inconsistent answer: abstained={answer['abstained']} with {len(answer['hits'])} hits")
        return answer

    def close(self) -> None:
        self.conn.close()



@dataclass(frozen=True)
class Readiness:
    """How the app was found ready: its ``/search`` answered ``probe`` with ``retriever`` after ``waited_s``."""

    waited_s: float
    probe: str
    retriever: str
    semantic: bool
    notice: str | None = None
    first_answer_s: float | None = None

    def describe(self) -> str:
        how = "with the semantic model" if self.semantic else f"with keyword search only ({self.notice})"
        first = f" (first answer of any kind after {self.first_answer_s:.1f} s)" if self.first_answer_s is not None else ""
        return f"app ready after {self.waited_s:.1f} s: /search answered {self.probe!r} {how} (retriever {self.retriever}){first}"


#: Asked until the app answers with its semantic model: a paraphrase (a citation would be answered
#: without the model).
READY_PROBE = "增程式的车算新能源车吗？"
#: What an answer's notice says when the semantic model failed to load (the app then answers with
#: keyword search only, and waiting longer would not change that).
UNAVAILABLE = "semantic search unavailable"


def wait_until_ready(url: str, timeout: float, *, starting: Callable[[], None] | None = None, api: str = "json") -> Readiness:
    """Ask ``url``'s ``/search`` until an answer comes back from the semantic model (retriever
    ``hybrid``) or says the model is unavailable. ``starting`` is given while the app is starting
    (connection errors are then expected) and raises if it has died; without it, an app that does
    not answer at all is an error at once."""
    started = time.monotonic()
    first: float | None = None
    last = "no answer yet"
    while time.monotonic() - started < timeout:
        if starting is not None:
            starting()
        client = SearchClient(url, 10, api)
        try:
            answer = client.search(READY_PROBE, 1)
        except OSError as exc:
            if starting is None:
                raise RuntimeError(f"nothing answers at {url}: {exc}") from exc
            last = f"{type(exc).__name__}: {exc}"
        except (RuntimeError, ValueError) as exc:
            last = f"{type(exc).__name__}: {exc}"
        else:
            first = round(time.monotonic() - started, 1) if first is None else first
            notice = answer.get("notice")
            if answer["retriever"] == "hybrid" or UNAVAILABLE in (notice or ""):
                return Readiness(round(time.monotonic() - started, 1), READY_PROBE, answer["retriever"], answer["retriever"] == "hybrid", notice, first)
            last = f"answered with {answer['retriever']}: {notice}"
        finally:
            client.close()
        time.sleep(0.1 if first is None else 0.5)
    raise RuntimeError(f"the app at {url} did not answer with its semantic model within {timeout:.0f} s (last: {last})")
