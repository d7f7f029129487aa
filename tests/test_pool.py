"""qa.measure.pool: the load test's questions come from the project's own sets, distinct, in a fixed order."""

from __future__ import annotations

import json
from pathlib import Path

from qa.measure.pool import MIN_POOL, bad_inputs, citations, eval_questions, question_pool, stard_questions


def test_the_pool_has_300_distinct_questions_of_every_kind() -> None:
    pool = question_pool()
    assert len(pool) >= MIN_POOL and len(set(pool)) == len(pool)
    assert set(eval_questions()) <= set(pool) and set(citations()) <= set(pool) and set(bad_inputs()) <= set(pool)
    assert any(q.isascii() and q.strip() for q in pool) and any(not q.isascii() for q in pool)  # zh and en
    assert pool == question_pool() and pool != question_pool(seed=1)  # fixed, seeded order


def test_stard_questions_are_read_when_present_and_skipped_when_not(tmp_path: Path) -> None:
    assert stard_questions(tmp_path / "absent.json") == []
    path = tmp_path / "queries.json"
    path.write_text(json.dumps([{"问题": "谁可以成为个体工商户？"}, {"问题": "离婚后孩子归谁？"}], ensure_ascii=False), encoding="utf-8")
    assert stard_questions(path, limit=1) == ["谁可以成为个体工商户？"]
    sets = tmp_path / "sets"
    sets.mkdir()
    (sets / "a.jsonl").write_text('{"question": "第三条"}\n\n{"question": "What is a cluster?"}\n', encoding="utf-8")
    pool = question_pool(eval_folder=sets, stard=path)
    assert {"第三条", "What is a cluster?", "离婚后孩子归谁？"} <= set(pool)


def test_citations_include_articles_that_do_not_exist() -> None:
    found = citations(43)
    assert {"第一条", "Article 43", "第四十四条", "第九十九条", "Art. 3(2)"} <= set(found)
