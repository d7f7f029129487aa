"""Bad input through every door: the retrieval API, `qa ask --json`, and the app's /search and /chat.

Whatever a visitor types (nothing, 100,000 characters, control characters, emoji, mixed scripts,
traditional characters, full-width digits, HTML/JS/Markdown, impossible article numbers) must give a
well-formed answer, never an exception, and must never come back as live HTML.
"""

from __future__ import annotations

import json
import math
from html.parser import HTMLParser
from pathlib import Path
from typing import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa.present import render_hit_card_html, render_notice_html, render_plain
from qa.search.searcher import RETRIEVERS, Answer, Searcher
from qa.lang.text import MAX_QUESTION_CHARS
from qa.app import answer_messages, article_view_html, user_message

INJECTIONS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "<svg/onload=alert(1)>",
    "<a href='javascript:alert(1)'>第三条</a>",
    "[第三条](javascript:alert(1))",
    "![x](http://127.0.0.1/x.png)",
    "**新能源汽车** `code` $x^2$ <details open>",
    "<iframe src=//example.com></iframe>",
    "&lt;b&gt;&#60;script&#62;",
    "{{7*7}} ${7*7} <%= 7*7 %>",
    "</p></div><style>body{display:none}</style>",
    "www.example.com https://example.com/?q=<b>",
]

BAD_INPUTS = [
    pytest.param("", id="empty"),
    pytest.param("   \t\n\u3000  ", id="whitespace"),
    pytest.param("新" * 100_000, id="100k-chinese"),
    pytest.param("x" * 100_000, id="100k-latin"),
    pytest.param("\x00\x01\x1b[31m第三条\x7f\u200b\u202e\ufeff", id="control-chars"),
    pytest.param("🚗🔋⚡️ 新能源车 👨‍👩‍👧", id="emoji"),
    pytest.param("новые электромобили 新能源汽车 Elektroautos ماشین", id="mixed-scripts"),
    pytest.param("增程式的車算新能源車嗎？", id="traditional"),
    pytest.param("第３条", id="full-width-digit"),
    pytest.param("Ａｒｔｉｃｌｅ　２", id="full-width-latin"),
    pytest.param("第九十九条", id="article-99"),
    pytest.param("Article 0", id="article-0"),
    pytest.param("Article -1", id="article-minus-1"),
    pytest.param("第零条", id="article-zero-zh"),
    pytest.param("Art. 99999999999999999999999", id="article-huge"),
    pytest.param("第三条第九款", id="paragraph-out-of-range"),
    *(pytest.param(text, id=f"injection-{i}") for i, text in enumerate(INJECTIONS)),
]

# ----------------------------------------------------------------------------------------- checks

#: The only markup our renderers write; anything else in their output came from the input.
ALLOWED_TAGS = {"div", "p", "span", "mark", "code", "details", "summary", "button", "strong", "h1"}
ALLOWED_ATTRS = {"class", "title", "lang", "type", "open", "role"}


class _Markup(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        self.tags.append((tag, attrs))

    def handle_startendtag(self, tag, attrs):  # type: ignore[no-untyped-def]
        self.tags.append((tag, attrs))

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        self.text.append(data)

    def handle_comment(self, data):  # type: ignore[no-untyped-def]
        raise AssertionError(f"an HTML comment in rendered output: {data!r}")

    def handle_decl(self, decl):  # type: ignore[no-untyped-def]
        raise AssertionError(f"a declaration in rendered output: {decl!r}")

    def handle_pi(self, data):  # type: ignore[no-untyped-def]
        raise AssertionError(f"a processing instruction in rendered output: {data!r}")


def assert_inert(fragment: str) -> str:
    """Fail if ``fragment`` holds any element or attribute our renderers do not write; return its text."""
    parser = _Markup()
    parser.feed(fragment)
    parser.close()
    for tag, attrs in parser.tags:
        assert tag in ALLOWED_TAGS, f"unexpected <{tag}> in {fragment[:300]!r}"
        for name, value in attrs:
            assert name in ALLOWED_ATTRS and not name.startswith("on"), f"unexpected attribute {name}= on <{tag}>"
            assert "javascript:" not in (value or "").lower().replace(" ", ""), f"javascript: URL in {name}="
    return "".join(parser.text)


def assert_well_formed(answer: Answer, k: int = 5) -> None:
    assert answer.lang in ("zh", "en")
    assert answer.retriever in RETRIEVERS
    assert answer.abstained == (not answer.hits)
    assert len(answer.hits) <= max(1, min(k, 50))
    if answer.abstained:
        assert answer.message and answer.message_en
    assert 0.0 <= answer.confidence <= 1.0
    assert len(answer.question) <= MAX_QUESTION_CHARS
    for hit in answer.hits:
        assert hit.article >= 1 and hit.paragraphs and all(isinstance(p, str) and p for p in hit.paragraphs)
        assert hit.citation.startswith("《") and hit.citation_en
        assert math.isfinite(hit.score)
        assert hit.via in ("citation", *RETRIEVERS)
        assert all(1 <= p <= len(hit.paragraphs) for p in hit.matched_paragraphs)
        if hit.paragraphs_en is not None:
            assert len(hit.paragraphs_en) == len(hit.paragraphs)
        for h in hit.highlights:
            assert 1 <= h.paragraph <= len(hit.paragraphs)
            text = hit.paragraphs[h.paragraph - 1]
            assert 0 <= h.start < h.end <= len(text) and text[h.start : h.end] == h.text
    json.dumps(answer.to_dict(), ensure_ascii=False, allow_nan=False)  # the API's JSON, no NaN


def assert_rendered_inert(question: str, answer: Answer, searcher: Searcher) -> None:
    """Every HTML renderer of qa.present / qa.app keeps the question (and the law) as text."""
    shown = user_message(question)["content"]
    assert assert_inert(shown) == question  # every character survives, as text
    assert_inert(render_notice_html(answer))
    for message in answer_messages(answer):
        assert_inert(message["content"])
        for value in (message.get("metadata") or {}).values():
            assert "<" not in str(value) and ">" not in str(value)
    for hit in answer.hits:
        for lang in ("zh", "en"):
            assert_inert(render_hit_card_html(hit, lang))
    render_plain(answer)


# ----------------------------------------------------------------------------------------- retrieval API


@pytest.mark.parametrize("question", BAD_INPUTS)
def test_bad_input_gives_a_well_formed_inert_answer(hash_searcher: Searcher, question: str) -> None:
    for retriever in RETRIEVERS:
        answer = hash_searcher.search(question, k=5, retriever=retriever)
        assert_well_formed(answer)
    assert_rendered_inert(question, answer, hash_searcher)


@pytest.mark.parametrize("question", ["", "   \t\n\u3000  ", "\x00\u200b\ufeff"])
def test_empty_questions_ask_for_a_question(hash_searcher: Searcher, question: str) -> None:
    answer = hash_searcher.search(question)
    assert answer.abstained and answer.message_en == "Please type a question." and answer.message == "请输入问题。"


@pytest.mark.parametrize("question", ["新" * 100_000, "Do plug-in hybrids count? " * 4000])
def test_overlong_question_is_truncated_with_a_visible_note(hash_searcher: Searcher, question: str) -> None:
    answer = hash_searcher.search(question)
    assert answer.truncated and len(answer.question) == MAX_QUESTION_CHARS
    assert ("已截断" in render_plain(answer)) or ("truncated" in render_plain(answer))
    assert "qa-note" in render_notice_html(answer)
    assert answer_messages(answer)[0]["content"] == render_notice_html(answer)


def test_question_of_exactly_the_limit_is_not_truncated(hash_searcher: Searcher) -> None:
    assert not hash_searcher.search("新" * MAX_QUESTION_CHARS).truncated


@pytest.mark.parametrize(
    ("question", "says"),
    [
        ("第九十九条", "there is no Article 99"),
        ("Article 0", "there is no Article 0"),
        ("Article -1", "there is no Article -1"),
        ("Art. 44", "there is no Article 44"),
        ("第四十四条", "has 43 articles; there is no Article 44"),
        ("第三条第九款", "showing the whole article"),
    ],
)
def test_article_numbers_out_of_range_say_why(hash_searcher: Searcher, question: str, says: str) -> None:
    answer = hash_searcher.search(question)
    text = (answer.message_en or "") + (answer.notice or "")
    assert says in text, text


def test_normalised_variants_find_the_same_article(hash_searcher: Searcher) -> None:
    """Traditional characters, full-width digits and control characters do not change the answer."""
    simplified = hash_searcher.search("增程式的车算新能源车吗？")
    assert not simplified.abstained
    for variant in ("增程式的車算新能源車嗎？", "增程式的\x00车算\u200b新能源车吗？", "　增程式的车算新能源车吗？\t"):
        assert [h.article for h in hash_searcher.search(variant).hits] == [h.article for h in simplified.hits]
    assert [h.article for h in hash_searcher.search("第３条").hits] == [3]


def test_out_of_range_article_in_the_browser_is_inert(hash_searcher: Searcher) -> None:
    for number in (0, -1, 99, 10**30):
        html = article_view_html(hash_searcher, number)
        assert "qa-missing" in html and assert_inert(html)


def test_lone_surrogates_do_not_break_the_searcher(hash_searcher: Searcher) -> None:
    assert_well_formed(hash_searcher.search("\ud800新能源\udfff汽车"))


@pytest.mark.parametrize("chapter", [0, -1, 10_000])
def test_impossible_chapter_filter_is_refused_cleanly(hash_searcher: Searcher, chapter: int) -> None:
    answer = hash_searcher.search("新能源汽车", chapter=chapter)
    assert_well_formed(answer)
    assert answer.abstained and f"no chapter {chapter}" in (answer.message_en or "")


# ----------------------------------------------------------------------------------------- property


_FRAGMENTS = st.sampled_from(
    [
        *INJECTIONS,
        "第三条",
        "第二条第一款",
        "Art. 3(2)",
        "第九十九条",
        "Article -1",
        "新能源汽车",
        "增程式",
        "产业集群",
        "plug-in hybrid",
        "《安徽省新能源汽车产业集群发展条例》",
        "車",
        "１２３",
        "🚗",
        "\x00",
        "\u202e",
        "\n\n",
        "。；！？",
    ]
)
QUESTIONS = st.lists(st.one_of(st.text(max_size=20), _FRAGMENTS), max_size=6).map("".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    question=QUESTIONS,
    k=st.integers(min_value=-5, max_value=100),
    retriever=st.sampled_from(RETRIEVERS),
    chapter=st.one_of(st.none(), st.integers(min_value=1, max_value=12)),
)
def test_any_text_gives_a_well_formed_answer_rendered_as_text(
    hash_searcher: Searcher, question: str, k: int, retriever: str, chapter: int | None
) -> None:
    answer = hash_searcher.search(question, k=k, retriever=retriever, chapter=chapter)
    assert_well_formed(answer, k)
    assert_rendered_inert(question, answer, hash_searcher)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(min_size=MAX_QUESTION_CHARS * 4 + 1, max_size=MAX_QUESTION_CHARS * 4 + 50))
def test_any_overlong_text_is_truncated(hash_searcher: Searcher, question: str) -> None:
    answer = hash_searcher.search(question)
    assert answer.truncated
    assert_well_formed(answer)


# ----------------------------------------------------------------------------------------- qa ask --json


@pytest.fixture(scope="module")
def cli_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`qa ask` must not write a hash-model index over the real one in index/."""
    return tmp_path_factory.mktemp("cli-index")


@pytest.mark.parametrize(
    "question",
    ["", "   ", "x" * 100_000, "\x00\x1b[2J第三条", "🚗 新能源", "增程式的車算新能源車嗎？", "第３条", "第九十九条", "Article 0", "Article -1", *INJECTIONS[:4]],
)
def test_qa_ask_json_survives_bad_input(
    question: str, cli_index: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from qa.cli import main

    monkeypatch.setenv("QA_INDEX_DIR", str(cli_index))
    assert main(["ask", "--json", "--model", "hash", "--", question]) == 0
    out = capsys.readouterr().out
    data = json.loads(out)
    assert {"hits", "abstained", "question", "truncated", "message", "message_en"} <= data.keys()
    assert data["abstained"] == (not data["hits"])
    assert data["truncated"] == (len(question) > MAX_QUESTION_CHARS)
    if question.strip() == "":
        assert data["message_en"] == "Please type a question."


def test_qa_ask_plain_notes_truncation(cli_index: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from qa.cli import main

    monkeypatch.setenv("QA_INDEX_DIR", str(cli_index))
    assert main(["ask", "--model", "hash", "新能源汽车" * 30_000]) == 0
    assert "已截断" in capsys.readouterr().out


# ----------------------------------------------------------------------------------------- the app


@pytest.fixture(scope="module")
def client(app_url: str) -> Iterator[object]:
    gradio_client = pytest.importorskip("gradio_client")
    client = gradio_client.Client(app_url, verbose=False, download_files=False)
    yield client
    client.close()


@pytest.mark.parametrize("question", BAD_INPUTS)
def test_app_search_survives_bad_input(client, hash_searcher: Searcher, question: str) -> None:  # type: ignore[no-untyped-def]
    result = client.predict(question, 5, api_name="/search")
    expected = json.loads(json.dumps(hash_searcher.search(question, k=5).to_dict(), ensure_ascii=False))
    assert result == expected | {"elapsed_ms": result["elapsed_ms"]}


def test_app_search_reports_truncation(client) -> None:  # type: ignore[no-untyped-def]
    result = client.predict("新" * 100_000, 5, api_name="/search")
    assert result["truncated"] is True and len(result["question"]) == MAX_QUESTION_CHARS


def test_app_chat_shows_injection_as_text(client) -> None:  # type: ignore[no-untyped-def]
    for payload in INJECTIONS:
        history, _ = client.predict(payload, [], 0, 5, api_name="/chat")
        assert history[0]["role"] == "user"
        for message in history:
            content = message["content"]
            if not isinstance(content, str):  # Gradio 6 returns [{"type": "text", "text": …}]
                content = "".join(part.get("text", "") for part in content if isinstance(part, dict))
            text = assert_inert(content)
            if message is history[0]:
                assert text == payload.strip()


def _raw_search(app_url: str, data: list) -> tuple[str, str]:
    """POST /gradio_api/call/search with arbitrary JSON ``data``; returns the SSE (event, data)."""
    from qa.measure.client import SearchClient as _Client

    client = _Client(app_url, 30)
    try:
        status, body = client._request("POST", "/gradio_api/call/search", json.dumps({"data": data}).encode())
        if status != 200:
            return f"http-{status}", body.decode()
        event_id = json.loads(body)["event_id"]
        status, body = client._request("GET", f"/gradio_api/call/search/{event_id}")
    finally:
        client.close()
    lines = body.decode().splitlines()
    events = [line[6:].strip() for line in lines if line.startswith("event:")]
    datas = [line[5:].strip() for line in lines if line.startswith("data:")]
    return events[-1], datas[-1]


@pytest.mark.parametrize(
    "data",
    [
        ["\ud800新能源\udfff", 5],  # lone surrogates: a valid JSON escape
        [12345, 5],
        [None, None],
        [["第三条"], {"k": 1}],
        ["第三条", "many"],
        ["第三条", -7],
        ["第三条", 10**40],
        ["第三条", 2.5],
    ],
    ids=["surrogates", "number-question", "nulls", "wrong-types", "k-text", "k-negative", "k-huge", "k-float"],
)
def test_app_search_survives_malformed_api_calls(app_url: str, data: list) -> None:
    event, payload = _raw_search(app_url, data)
    assert event == "complete", payload
    (answer,) = json.loads(payload)
    assert answer["abstained"] == (not answer["hits"]) and len(answer["hits"]) <= 50


# ----------------------------------------------------------------------------------------- safe defaults


def test_launch_defaults_are_local_and_private() -> None:
    import inspect

    from qa.app import layout

    params = inspect.signature(layout.launch).parameters
    assert params["host"].default == "127.0.0.1"
    source = inspect.getsource(layout.launch)
    assert "share=False" in source and "max_file_size=0" in source and "mcp_server=False" in source
    from app import parse_args

    assert parse_args([]).host in ("127.0.0.1", __import__("os").environ.get("QA_HOST"))


@pytest.mark.parametrize(
    "path",
    [
        "/gradio_api/file=/etc/passwd",
        "/gradio_api/file=%2Fetc%2Fpasswd",
        "/gradio_api/file=../../../../etc/passwd",
        "/gradio_api/file=..%2F..%2F..%2F..%2Fetc%2Fpasswd",
        "/file=/etc/passwd",
        "/gradio_api/file=app.py",
        "/gradio_api/file=corpus/anhui-nev-clusters/regulation.jsonl",
        "/gradio_api/file=pyproject.toml",
        "/static/../app.py",
        "/assets/../../app.py",
    ],
)
def test_app_serves_no_files_from_outside(app_url: str, path: str) -> None:
    from qa.config import ROOT

    absolute = path.replace("=app.py", f"={ROOT / 'app.py'}").replace("=corpus/", f"={ROOT}/corpus/").replace("=pyproject.toml", f"={ROOT / 'pyproject.toml'}")
    for candidate in {path, absolute}:
        from qa.measure.client import SearchClient as _Client

        client = _Client(app_url, 10)
        try:
            status, body = client._request("GET", candidate)
        finally:
            client.close()
        assert status in (403, 404), (candidate, status, body[:200])
        assert b"root:" not in body and b"def main" not in body and b'"type"' not in body


def test_app_refuses_uploads(app_url: str) -> None:
    from qa.measure.client import SearchClient as _Client

    boundary = "qa-test-boundary"
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"x.html\"\r\n"
        "Content-Type: text/html\r\n\r\n<script>alert(1)</script>\r\n"
        f"--{boundary}--\r\n"
    ).encode()
    client = _Client(app_url, 10)
    try:
        client.conn.request("POST", "/gradio_api/upload", body=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        response = client.conn.getresponse()
        status, text = response.status, response.read()
    finally:
        client.close()
    assert status in (400, 413), (status, text[:200])


def test_nothing_untrusted_is_unpickled_or_evaluated() -> None:
    """Index, cache and corpus are read as FAISS, NumPy (allow_pickle=False) and JSON; no eval anywhere."""
    import re

    from qa.config import ROOT

    risky = re.compile(r"\bpickle\b|(?<!\.)\beval\(|(?<!\.)\bexec\(|allow_pickle\s*=\s*True|torch\.load|trust_remote_code\s*=\s*True|yaml\.load\(|marshal\.loads")
    sources = [ROOT / "app.py", *sorted((ROOT / "qa").rglob("*.py"))]
    found = [
        f"{path.name}:{n}: {line.strip()}"
        for path in sources
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if risky.search(line.split("#")[0]) and "nothing is unpickled" not in line
    ]
    assert not found, found
    assert "allow_pickle=False" in (ROOT / "qa" / "index" / "dense.py").read_text(encoding="utf-8")
