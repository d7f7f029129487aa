"""The corpus folder format: round trip, every rule load_corpus enforces, translations."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from qa.corpus import (
    REGULATION_FILE,
    TRANSLATION_FILE,
    CorpusError,
    citation_en,
    load_corpus,
    regulation_records,
    save_corpus,
    save_translation,
    text_sha,
)

BUNDLED = Path(__file__).resolve().parents[1] / "corpus" / "anhui-nev-clusters"


def meta(**extra: Any) -> dict[str, Any]:
    return {"type": "regulation", "format": 1, "id": "t", "title": "测试条例", "sources": [{"id": "s"}], **extra}


def article(number: int, *paragraphs: str, chapter: int | None = 1, **extra: Any) -> dict[str, Any]:
    return {"type": "article", "number": number, "chapter": chapter, "paragraphs": list(paragraphs or ["正文。"]), **extra}


CHAPTER = {"type": "chapter", "number": 1, "title": "总则"}


def write(folder: Path, records: list[Any], name: str = REGULATION_FILE) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def test_bundled_corpus() -> None:
    regulation = load_corpus(BUNDLED)
    assert [a.number for a in regulation.articles] == list(range(1, 44))
    assert [c.title for c in regulation.chapters] == ["总则", "创新引领", "产业链提升", "场景拓展", "开放合作", "支撑保障", "附则"]
    assert regulation.complete and regulation.declared_articles == 43
    ranges = {c.number: [a.number for a in regulation.chapter_articles(c.number)] for c in regulation.chapters}
    assert {n: (r[0], r[-1]) for n, r in ranges.items()} == {1: (1, 8), 2: (9, 17), 3: (18, 23), 4: (24, 29), 5: (30, 34), 6: (35, 41), 7: (42, 43)}
    assert regulation.short_title_en == "Anhui NEV Industry Cluster Regulations"
    assert all(a.text_en for a in regulation.articles)
    assert regulation.chapters[0].title_en == "General Provisions"
    assert regulation.coverage_zh() == "第一条至第四十三条（全文共四十三条）"
    assert [f.kind for f in regulation.front] == ["announcement", "adoption"]


def test_round_trip(tmp_path: Path) -> None:
    regulation = load_corpus(BUNDLED)
    save_corpus(regulation, tmp_path)
    assert (tmp_path / REGULATION_FILE).read_bytes() == (BUNDLED / REGULATION_FILE).read_bytes()
    again = load_corpus(tmp_path)
    assert regulation_records(again) == regulation_records(regulation)
    assert not (tmp_path / TRANSLATION_FILE).exists()


GOOD = [meta(), CHAPTER, article(1), article(2)]

CASES = [
    ("json", 2, [meta(), "{not json"]),
    ("record", 2, [meta(), "[1, 2]"]),
    ("record", 2, [meta(), {"number": 1}]),
    ("record", 3, [meta(), CHAPTER, {"type": "footnote"}]),
    ("order", 1, [CHAPTER, meta()]),
    ("format", 1, [meta(format=2)]),
    ("field", 1, [{"type": "regulation", "format": 1, "title": "x"}]),
    ("field", 2, [meta(), {"type": "chapter", "number": "一", "title": "总则"}]),
    ("field", 3, [meta(), CHAPTER, {"type": "article", "number": True, "paragraphs": ["x"]}]),
    ("chapter-order", 3, [meta(), CHAPTER, {"type": "chapter", "number": 3, "title": "附则"}]),
    ("article-order", 3, [meta(), CHAPTER, article(2)]),
    ("article-order", 4, [meta(), CHAPTER, article(1), article(3)]),
    ("paragraphs", 3, [meta(), CHAPTER, article(1, "")]),
    ("paragraphs", 3, [meta(), CHAPTER, {"type": "article", "number": 1, "chapter": 1, "paragraphs": []}]),
    ("chapter-ref", 3, [meta(), CHAPTER, article(1, chapter=2)]),
    ("chapter-ref", 5, [meta(), CHAPTER, {"type": "chapter", "number": 2, "title": "二"}, article(1, chapter=2), article(2, chapter=1)]),
    ("source-ref", 3, [meta(), CHAPTER, article(1, source="nowhere")]),
    ("article-count", 4, [meta(declared_articles=1), CHAPTER, article(1), article(2)]),
    # inserted articles (第X条之Y): after 第X条 or 第X条之(Y-1), before 第X+1条
    ("article-order", 3, [meta(), CHAPTER, article(1, suffix=1)]),
    ("article-order", 4, [meta(), CHAPTER, article(1), article(1, suffix=2)]),
    ("article-order", 5, [meta(), CHAPTER, article(1), article(2), article(1, suffix=1)]),
    ("article-order", 5, [meta(), CHAPTER, article(1), article(1, suffix=1), article(1, suffix=1)]),
    ("field", 4, [meta(), CHAPTER, article(1), article(1, suffix=0)]),
    ("field", 4, [meta(), CHAPTER, article(1), article(1, suffix="一")]),
    ("field", 4, [meta(), CHAPTER, article(1), article(1, suffix=True)]),
    ("article-count", 5, [meta(declared_articles=1), CHAPTER, article(1), article(1, suffix=1), article(2)]),
]


@pytest.mark.parametrize(("rule", "line", "records"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_rules(tmp_path: Path, rule: str, line: int, records: list[Any]) -> None:
    write(tmp_path, records)
    with pytest.raises(CorpusError) as caught:
        load_corpus(tmp_path)
    assert (caught.value.rule, caught.value.line) == (rule, line)
    assert caught.value.path == str(tmp_path / REGULATION_FILE)
    assert f":{line}: [{rule}]" in str(caught.value)


def test_missing_empty_and_encoding(tmp_path: Path) -> None:
    with pytest.raises(CorpusError) as caught:
        load_corpus(tmp_path)
    assert (caught.value.rule, caught.value.line) == ("missing", None)
    (tmp_path / REGULATION_FILE).write_text("\n\n", encoding="utf-8")
    with pytest.raises(CorpusError) as caught:
        load_corpus(tmp_path)
    assert caught.value.rule == "empty"
    (tmp_path / REGULATION_FILE).write_bytes(json.dumps(meta()).encode() + b"\n\xff\xfe\n")
    with pytest.raises(CorpusError) as caught:
        load_corpus(tmp_path)
    assert (caught.value.rule, caught.value.line) == ("encoding", 2)


def test_fewer_than_declared_loads_as_partial(tmp_path: Path) -> None:
    regulation = load_corpus(write(tmp_path, [meta(declared_articles=5), *GOOD[1:]]))
    assert not regulation.complete and regulation.total_articles == 5


def translation(folder: Path, **changes: Any) -> list[dict[str, Any]]:
    regulation = load_corpus(folder)
    records: list[dict[str, Any]] = [
        {"type": "title", "en": "Test Regulations", "short_en": "Test Regs"},
        {"type": "chapter", "number": 1, "zh": "总则", "en": "General Provisions"},
    ]
    records += [{"type": "article", "number": a.number, "zh_sha256": text_sha(a.text), "paragraphs": ["Text."]} for a in regulation.articles]
    for record in records:
        record.update(changes.get(record["type"], {}))
    return records


def test_translation_attached_and_stale_dropped(tmp_path: Path) -> None:
    write(tmp_path, GOOD)
    records = translation(tmp_path)
    records[-1]["zh_sha256"] = text_sha("改过的文字。")
    save_translation(records, tmp_path)
    regulation = load_corpus(tmp_path)
    assert regulation.title_en == "Test Regulations"
    assert citation_en(regulation, 1, 1) == "Test Regs, Art. 1(1)"
    assert regulation.article(1).text_en == "Text."
    assert regulation.article(2).text_en is None  # stale: the Chinese it translated has changed


def test_stale_chapter_title_dropped(tmp_path: Path) -> None:
    write(tmp_path, GOOD)
    save_translation(translation(tmp_path, chapter={"zh": "旧标题"}), tmp_path)
    assert load_corpus(tmp_path).chapters[0].title_en is None


def test_translation_must_be_unofficial(tmp_path: Path) -> None:
    write(tmp_path, GOOD)
    records = [{**r, "unofficial": True} for r in translation(tmp_path)]
    records[1]["unofficial"] = False
    write(tmp_path, records, TRANSLATION_FILE)
    with pytest.raises(CorpusError) as caught:
        load_corpus(tmp_path)
    assert (caught.value.rule, caught.value.line) == ("unofficial", 2)
    assert caught.value.path == str(tmp_path / TRANSLATION_FILE)


def test_unknown_translation_record(tmp_path: Path) -> None:
    write(tmp_path, GOOD)
    write(tmp_path, [{"type": "gloss", "unofficial": True}], TRANSLATION_FILE)
    with pytest.raises(CorpusError) as caught:
        load_corpus(tmp_path)
    assert (caught.value.rule, caught.value.line) == ("record", 1)


def test_bundled_translation_is_unofficial_and_covers_every_article(tmp_path: Path) -> None:
    lines = (BUNDLED / TRANSLATION_FILE).read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert all(r["unofficial"] is True for r in records)
    assert sorted(r["number"] for r in records if r["type"] == "article") == list(range(1, 44))
    assert [r["kind"] for r in records if r["type"] == "front"] == ["announcement", "adoption"]
    shutil.copytree(BUNDLED, tmp_path / "c")
    regulation = load_corpus(tmp_path / "c")
    assert all(a.text_en for a in regulation.articles) and all(f.paragraphs_en for f in regulation.front)


def test_stale_front_matter_translation_is_dropped(tmp_path: Path) -> None:
    shutil.copytree(BUNDLED, tmp_path / "c")
    path = tmp_path / "c" / REGULATION_FILE
    path.write_text(path.read_text(encoding="utf-8").replace("现予公布", "现在公布", 1), encoding="utf-8")
    regulation = load_corpus(tmp_path / "c")
    assert regulation.front_matter("announcement").paragraphs_en is None
    assert regulation.front_matter("adoption").paragraphs_en


# ---------------------------------------------------------------- inserted articles (第X条之Y)

INSERTED = [meta(), CHAPTER, article(1), article(1, suffix=1), article(1, suffix=2), article(2)]


def test_inserted_articles_load_and_are_looked_up_by_number_and_suffix(tmp_path: Path) -> None:
    regulation = load_corpus(write(tmp_path, INSERTED))
    assert [a.key for a in regulation.articles] == [(1, 0), (1, 1), (1, 2), (2, 0)]
    assert [a.label_zh for a in regulation.articles] == ["第一条", "第一条之一", "第一条之二", "第二条"]
    assert regulation.article(1).key == (1, 0) and regulation.article(1, 2).key == (1, 2)
    assert regulation.article(1, 3) is None and regulation.article(2, 1) is None
    assert regulation.numbered_articles == 2 and regulation.total_articles == 2 and regulation.complete


def test_suffix_is_written_only_for_inserted_articles(tmp_path: Path) -> None:
    regulation = load_corpus(write(tmp_path / "in", INSERTED))
    save_corpus(regulation, tmp_path / "out")
    records = [json.loads(line) for line in (tmp_path / "out" / REGULATION_FILE).read_text(encoding="utf-8").splitlines()]
    articles = [r for r in records if r["type"] == "article"]
    assert [list(r)[:3] for r in articles] == [["type", "number", "chapter"], ["type", "number", "suffix"], ["type", "number", "suffix"], ["type", "number", "chapter"]]
    assert [r.get("suffix") for r in articles] == [None, 1, 2, None]
    assert records[0]["articles_loaded"] == 4
    again = load_corpus(tmp_path / "out")
    assert regulation_records(again) == regulation_records(regulation)
    save_corpus(again, tmp_path / "again")
    assert (tmp_path / "again" / REGULATION_FILE).read_bytes() == (tmp_path / "out" / REGULATION_FILE).read_bytes()


def test_declared_count_and_coverage_count_numbered_articles(tmp_path: Path) -> None:
    regulation = load_corpus(write(tmp_path, [meta(declared_articles=5), *INSERTED[1:5]]))
    assert not regulation.complete and regulation.total_articles == 5 and len(regulation.articles) == 3
    assert regulation.coverage_zh() == "第一条至第一条之二（全文共五条）"
    assert regulation.coverage_en() == "Articles 1–1-2 of 5"


def test_translation_of_an_inserted_article(tmp_path: Path) -> None:
    write(tmp_path, INSERTED)
    regulation = load_corpus(tmp_path)
    records = [{"type": "article", "number": 1, "suffix": 1, "zh_sha256": text_sha(regulation.article(1, 1).text), "paragraphs": ["Text."]}]
    save_translation(records, tmp_path)
    regulation = load_corpus(tmp_path)
    assert regulation.article(1, 1).text_en == "Text."
    assert regulation.article(1).text_en is None and regulation.article(1, 2).text_en is None
