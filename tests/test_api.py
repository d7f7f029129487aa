"""The plain JSON API (qa/app/api.py): through Starlette's test client over a fake engine, and against
the running app as any HTTP client would call it."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import replace
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from qa.app.api import RETRY_AFTER_S, JsonApi
from qa.search.messages import busy
from qa.search.searcher import busy_answer
from tests.answers import FakeSearcher, make_answer, partial_regulation


def _client(api: JsonApi) -> TestClient:
    return TestClient(Starlette(routes=api.routes))


def test_get_and_post_answer_with_the_answers_json() -> None:
    engine = FakeSearcher(partial_regulation())
    client = _client(JsonApi(engine))
    got = client.get("/api/search", params={"q": "第一条", "k": 3})
    posted = client.post("/api/search", json={"question": "第一条", "k": "2"})
    assert got.status_code == posted.status_code == 200
    assert got.json() == json.loads(json.dumps(replace(engine.answer, question="第一条").to_dict(), ensure_ascii=False))
    assert "第一条" in got.text and "\\u" not in got.text  # Chinese as characters
    assert engine.asked == [("第一条", 3, None), ("第一条", 2, None)]


@pytest.mark.parametrize(
    ("method", "kwargs", "says"),
    [
        ("get", {}, "no question"),
        ("post", {"content": b"not json"}, "not JSON"),
        ("post", {"json": ["第一条"]}, "JSON object"),
    ],
)
def test_a_malformed_request_is_one_clear_400(method: str, kwargs: dict[str, Any], says: str) -> None:
    response = getattr(_client(JsonApi(FakeSearcher(partial_regulation()))), method)("/api/search", **kwargs)
    assert response.status_code == 400 and says in response.json()["error"]


def test_odd_values_are_read_as_the_page_reads_them() -> None:
    engine = FakeSearcher(partial_regulation())
    response = _client(JsonApi(engine)).post("/api/search", json={"q": 12345, "k": "many"})
    assert response.status_code == 200 and engine.asked == [("", 5, None)]  # not a text: an empty question, as on the page


def test_a_busy_engine_answer_is_503_with_retry_after() -> None:
    engine = FakeSearcher(partial_regulation(), make_answer(hits=(), abstained=True, busy=True, message=busy().zh, message_en=busy().en))
    response = _client(JsonApi(engine)).get("/api/search", params={"q": "充电"})
    assert response.status_code == 503 and response.headers["retry-after"] == str(RETRY_AFTER_S)
    assert response.json()["busy"] is True and response.json()["message_en"] == busy().en


def test_beyond_its_threads_a_question_is_refused_at_once_unsearched() -> None:
    gate, entered = threading.Event(), threading.Event()

    class Slow(FakeSearcher):
        def search(self, question: str, k: int = 5, *, chapter: int | None = None):  # type: ignore[no-untyped-def]
            entered.set()
            gate.wait(10)
            return super().search(question, k, chapter=chapter)

    engine = Slow(partial_regulation())
    api = JsonApi(engine, threads=1)
    client = _client(api)
    first: list[int] = []
    holder = threading.Thread(target=lambda: first.append(client.get("/api/search", params={"q": "慢"}).status_code))
    holder.start()
    try:
        assert entered.wait(10)
        refused = client.get("/api/search", params={"q": "第二个问题"})
    finally:
        gate.set()
        holder.join(10)
    assert refused.status_code == 503 and refused.json() == json.loads(json.dumps(busy_answer("第二个问题").to_dict(), ensure_ascii=False))
    assert first == [200] and [q for q, _, _ in engine.asked] == ["慢"]
    stats = client.get("/api/stats").json()
    assert stats["api"] == {"in_progress": 0, "threads": 1, "refused": 1}


def test_the_running_app_answers_in_one_request(app_url: str, hash_searcher) -> None:  # type: ignore[no-untyped-def]
    url = f"{app_url}api/search?{urllib.parse.urlencode({'q': '增程式的车算新能源车吗？', 'k': 3})}"
    with urllib.request.urlopen(url, timeout=30) as response:
        assert response.status == 200 and response.headers["content-type"].startswith("application/json")
        answer = json.loads(response.read())
    expected = json.loads(json.dumps(hash_searcher.search("增程式的车算新能源车吗？", k=3).to_dict(), ensure_ascii=False))
    assert answer == expected | {"elapsed_ms": answer["elapsed_ms"]}
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{app_url}api/search", timeout=30)
    assert refused.value.code == 400
