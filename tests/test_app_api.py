"""The app's HTTP API, called as a deployer would: gradio_client against a running app."""

from __future__ import annotations

import json
from typing import Iterator

import pytest

gradio_client = pytest.importorskip("gradio_client")


@pytest.fixture(scope="module")
def client(app_url: str) -> Iterator[object]:
    client = gradio_client.Client(app_url, verbose=False, download_files=False)
    yield client
    client.close()


def test_search_returns_article_3_in_the_qa_ask_json_shape(client, hash_searcher) -> None:  # type: ignore[no-untyped-def]
    result = client.predict("增程式的车算新能源车吗？", 3, api_name="/search")
    # What `qa ask --json` prints for the same question (timing aside).
    expected = json.loads(json.dumps(hash_searcher.search("增程式的车算新能源车吗？", k=3).to_dict(), ensure_ascii=False))
    assert result == expected | {"elapsed_ms": result["elapsed_ms"]}
    assert result["abstained"] is False and result["lang"] == "zh"
    assert 1 <= len(result["hits"]) <= 3
    top = result["hits"][0]
    assert top["article"] == 3 and top["chapter"] == 1
    assert top["citation"].startswith("《安徽省新能源汽车产业集群发展条例》第三条")
    assert "插电式混合动力（含增程式）汽车" in top["text"]
    assert {"paragraphs", "paragraphs_en_unofficial", "highlights", "score", "citation_en", "via"} <= top.keys()
    assert all({"paragraph", "start", "end", "text"} <= h.keys() for h in top["highlights"])


def test_search_abstains_with_the_engines_message(client) -> None:  # type: ignore[no-untyped-def]
    result = client.predict("今天天气怎么样？", 5, api_name="/search")
    assert result["abstained"] is True and result["hits"] == []
    assert result["message"] == "《安徽省新能源汽车产业集群发展条例》中没有条文回答这个问题。"
    assert result["message_en"] == "No article in the Regulations covers this question."


def test_search_of_a_missing_article_names_the_article_count(client) -> None:  # type: ignore[no-untyped-def]
    result = client.predict("第四十四条", 5, api_name="/search")
    assert result["abstained"] is True and result["hits"] == []
    assert "共四十三条，没有第四十四条" in result["message"]
    assert "The regulation has 43 articles; there is no Article 44." in result["message_en"]


def test_search_returns_front_matter_apart_from_the_articles(client) -> None:  # type: ignore[no-untyped-def]
    result = client.predict("公告是第几号？", 5, api_name="/search")
    assert result["abstained"] is False
    announcement = next(f for f in result["front"] if f["kind"] == "announcement")
    assert "（十四届）第十六号" in announcement["paragraphs"]
    assert announcement["citation"] == "安徽省人民代表大会常务委员会公告（十四届）第十六号"


def test_chat_endpoint_returns_messages_with_the_cited_article(client) -> None:  # type: ignore[no-untyped-def]
    history, textbox = client.predict("第三条", [], 0, 5, api_name="/chat")
    assert textbox == ""
    assert history[0]["role"] == "user"
    blocks = [m for m in history if m["role"] == "assistant" and (m.get("metadata") or {}).get("title")]
    assert blocks[0]["metadata"]["title"] == "第一章 总则 · 第三条"
    content = blocks[0]["content"]
    text = content if isinstance(content, str) else str(content)
    assert "《安徽省新能源汽车产业集群发展条例》第三条" in text


def test_api_lists_both_endpoints(client) -> None:  # type: ignore[no-untyped-def]
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert "/search" in endpoints and "/chat" in endpoints
    assert [p["parameter_name"] for p in endpoints["/search"]["parameters"]] == ["question", "k"]
