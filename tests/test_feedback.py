"""qa.measure.feedback: reports are appended locally, and only reviewed ones become questions."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from qa.corpus.model import CorpusError
from qa.measure.feedback import Feedback, append_feedback, feedback_questions, is_feedback_file, read_feedback


def test_reports_append_one_line_each_with_time_and_language(tmp_path: Path) -> None:
    path = tmp_path / "fb" / "feedback.jsonl"
    first = append_feedback(path, Feedback("停车收费怎么算？", shown=(35,), correct=[]))  # type: ignore[arg-type]
    append_feedback(path, Feedback("Who funds charging stations?", shown=(35, 8), correct=(35,)))
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    record = json.loads(lines[0])
    assert record["type"] == "feedback" and record["question"] == "停车收费怎么算？" and record["shown"] == [35]
    assert record["lang"] == "zh" and record["time"] == first.time and record["reviewed"] is False
    assert json.loads(lines[1])["lang"] == "en"
    assert is_feedback_file(path)


def test_concurrent_reports_never_interleave(tmp_path: Path) -> None:
    path = tmp_path / "feedback.jsonl"
    threads = [threading.Thread(target=append_feedback, args=(path, Feedback(f"问题{i}" * 200, shown=(i + 1,)))) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.shown[0] for r in read_feedback(path)) == list(range(1, 21))


def test_only_reviewed_reports_with_a_verdict_become_questions(tmp_path: Path) -> None:
    path = tmp_path / "feedback.jsonl"
    for report in (
        Feedback("充电桩谁来建？", shown=(8,), correct=(35,), reviewed=True),
        Feedback("停车费多少？", shown=(35,), correct=(), reviewed=True),
        Feedback("电池回收", shown=(21,), correct=(21,)),  # not reviewed
        Feedback("不对", shown=(3,), reviewed=True),  # no correct article named
    ):
        append_feedback(path, report)
    questions, left_out = feedback_questions(path)
    assert left_out == 2
    assert [(q.question, q.kind, q.expected) for q in questions] == [
        ("充电桩谁来建？", "paraphrase", (35,)),
        ("停车费多少？", "out_of_scope", ()),
    ]
    assert len({q.id for q in questions}) == 2 and all(q.id.startswith("FB-") for q in questions)


def test_a_damaged_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / "feedback.jsonl"
    path.write_text('{"type": "feedback", "question": "x", "shown": [1]}\n{"type": "feedback", "question": "y", "shown": ["a"]}\n', encoding="utf-8")
    with pytest.raises(CorpusError) as err:
        read_feedback(path)
    assert err.value.line == 2 and err.value.rule == "shown"
    assert not is_feedback_file(Path(__file__).parent / "eval" / "anhui.jsonl")
