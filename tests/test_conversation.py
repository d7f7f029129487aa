"""qa.app.conversation: a follow-up is read with the last answer; the last answer exports and can be reported."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from qa.app.conversation import Conversation, converse, export_markdown, report_choices, report_wrong
from qa.search.searcher import Searcher


def _two_turns(searcher: Searcher) -> tuple[list, Conversation]:
    history, box, state = converse(searcher, "第三十五条", [], 0, 5, None)
    assert box == "" and state.answer is not None and state.answer.hits[0].article == 35
    history, _, state = converse(searcher, "下一条呢", history, 0, 5, state)
    return history, state


def test_follow_up_uses_the_previous_answer(hash_searcher: Searcher) -> None:
    history, state = _two_turns(hash_searcher)
    assert state.answer is not None and [h.article for h in state.answer.hits] == [36]
    assert state.query == "第三十六条"
    assert history[2]["role"] == "user" and "下一条呢" in history[2]["content"]
    assert any("按上文理解为" in m["content"] for m in history[3:])


def test_blank_question_keeps_the_conversation(hash_searcher: Searcher) -> None:
    _, state = _two_turns(hash_searcher)
    history, box, same = converse(hash_searcher, "   ", [], 0, 5, state)
    assert (history, box, same) == ([], "", state)


def test_export_links_to_what_was_searched(hash_searcher: Searcher) -> None:
    _, state = _two_turns(hash_searcher)
    text, path = export_markdown(hash_searcher, state, {"host": "qa.example.org"}, "https")
    assert path is not None and Path(path).read_text(encoding="utf-8") == text and path.endswith("answer-article-36.md")
    assert state.answer is not None and state.answer.hits[0].citation in text
    link = next(line for line in text.splitlines() if line.startswith("**链接"))
    url = urlsplit(link.split("<", 1)[1].rstrip(">"))
    assert (url.scheme, url.netloc) == ("https", "qa.example.org") and parse_qs(url.query)["q"] == ["第三十六条"]
    assert export_markdown(hash_searcher, None, {}) == ("", None)


def test_reports_go_to_the_named_file_only(hash_searcher: Searcher, tmp_path: Path) -> None:
    _, state = _two_turns(hash_searcher)
    assert "not enabled" in report_wrong(state, 12, None)
    assert "Ask a question first" in report_wrong(None, 12, tmp_path / "f.jsonl")
    path = tmp_path / "feedback.jsonl"
    assert "recorded" in report_wrong(state, 35, path)
    record = json.loads(path.read_text(encoding="utf-8"))
    assert (record["question"], record["shown"], record["correct"], record["reviewed"]) == ("第三十六条", [36], [35], False)
    assert report_choices(hash_searcher)[0] == ("第一条 / Article 1", 1) and len(report_choices(hash_searcher)) == 43


def test_exports_are_written_once_and_old_ones_removed(hash_searcher: Searcher) -> None:
    import os
    import time

    from qa.app.conversation import EXPORT_MAX_AGE

    _, state = _two_turns(hash_searcher)
    _, first = export_markdown(hash_searcher, state, {})
    _, again = export_markdown(hash_searcher, state, {})
    assert first == again and first is not None
    folder = Path(first).parent
    stale = time.time() - EXPORT_MAX_AGE - 10
    os.utime(folder, (stale, stale))
    _, other = export_markdown(hash_searcher, Conversation(hash_searcher.search("第十二条"), "第十二条"), {})
    assert other is not None and Path(other).is_file() and not folder.exists()
