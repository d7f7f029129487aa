"""qa.search.followup: which follow-ups are read with the conversation, and how the answer says so."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.measure.dialogues import load_dialogues, run_dialogues, summarize_dialogues
from qa.search.followup import Turn, ask_follow_up, read_follow_up
from qa.search.searcher import Searcher

PREVIOUS = Turn("政府会推动建设充电桩吗？", (35, 8))


@pytest.mark.parametrize(
    ("question", "rule", "query"),
    [
        ("下一条呢", "neighbour", "第三十六条"),
        ("上一条？", "neighbour", "第三十四条"),
        ("What about the next article?", "neighbour", "第三十六条"),
        ("the previous one", "neighbour", "第三十四条"),
        ("第十二条", "citation", "第十二条"),
        ("这条由哪个部门负责？", "this-article", "政府会推动建设充电桩吗？ 这条由哪个部门负责？"),
        ("Which department enforces this article?", "this-article", "政府会推动建设充电桩吗？ Which department enforces this article?"),
        ("那加氢站呢？", "ellipsis", "政府会推动建设充电桩吗？ 那加氢站呢？"),
        ("What about hydrogen?", "ellipsis", "政府会推动建设充电桩吗？ What about hydrogen?"),
        ("需要什么条件？", "ellipsis", "政府会推动建设充电桩吗？ 需要什么条件？"),
        ("新能源汽车人才引进和培养有哪些政策支持？", "new", "新能源汽车人才引进和培养有哪些政策支持？"),
        ("Is there any support for training engineers in this industry?", "new", "Is there any support for training engineers in this industry?"),
    ],
)
def test_readings(question: str, rule: str, query: str) -> None:
    reading = read_follow_up(question, PREVIOUS)
    assert (reading.rule, reading.query) == (rule, query)


def test_without_a_previous_turn_everything_is_new() -> None:
    assert read_follow_up("下一条呢", None).rule == "new"
    assert read_follow_up("上一条", Turn("第一条", (1,))).rule != "neighbour"  # no article 0


def test_answer_says_how_it_was_read(hash_searcher: Searcher) -> None:
    answer, reading = ask_follow_up(hash_searcher.search, "下一条呢", Turn("第三十五条", (35,)))
    assert reading.rule == "neighbour" and [h.article for h in answer.hits] == [36]
    assert answer.question == "下一条呢"
    assert answer.notice_zh and answer.notice_zh.startswith("按上文理解为：第三十六条")
    assert answer.notice and "Read with the previous question as: 第三十六条" in answer.notice


def test_a_standalone_question_is_untouched(hash_searcher: Searcher) -> None:
    answer, reading = ask_follow_up(hash_searcher.search, "第十二条", PREVIOUS)
    assert reading.rule == "citation" and answer.notice_zh is None and answer.hits[0].article == 12


def test_dialogue_set_is_valid_and_runs(hash_searcher: Searcher) -> None:
    dialogues = load_dialogues(Path(__file__).parent / "dialogues" / "anhui.jsonl")
    assert len(dialogues) >= 30 and len({d.id for d in dialogues}) == len(dialogues)
    summary = summarize_dialogues(run_dialogues(hash_searcher, dialogues[:6]))
    assert summary["n"] == 6 and summary["hit_at_3_with_rule"] is not None
