"""The ``qa`` command: JSON outputs, error exits, and a README reference that cannot drift from --help."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from qa.cli import README_END, README_START, build_parser, cli_reference, main

README = Path(__file__).resolve().parents[1] / "README.md"
SHARED = Path(__file__).resolve().parents[2] / "shared"


def test_readme_cli_reference_is_generated_from_help() -> None:
    text = README.read_text(encoding="utf-8")
    block = text.split(README_START, 1)[1].split(README_END, 1)[0].strip()
    assert block == cli_reference().strip(), "README's CLI reference is stale: run `qa docs --write README.md`"


def test_every_command_and_option_is_documented() -> None:
    text = README.read_text(encoding="utf-8")
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    for name, command in sub.choices.items():
        assert f"### `qa {name}`" in text
        for action in command._actions:
            if action.help == argparse.SUPPRESS:  # internal (e.g. qa bench's subprocess workers)
                continue
            for flag in action.option_strings:
                assert flag in text, f"qa {name} {flag} is not in the README"


def test_ask_json_shape(capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QA_INDEX_DIR", str(tmp_path))
    assert main(["ask", "第三条第二款", "--json", "--model", "hash"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["abstained"] is False
    hit = data["hits"][0]
    assert hit["article"] == 3 and hit["chapter"] == 1
    assert hit["citation"] == "《安徽省新能源汽车产业集群发展条例》第三条第二款"
    assert hit["text"].startswith("本条例所称新能源汽车") and isinstance(hit["score"], float)
    assert isinstance(hit["highlights"], list)


def test_ask_plain_output_names_missing_articles(capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QA_INDEX_DIR", str(tmp_path))
    assert main(["ask", "第四十四条", "--model", "hash"]) == 0
    assert "《安徽省新能源汽车产业集群发展条例》共四十三条，没有第四十四条。" in capsys.readouterr().out


def test_ask_last_article_gives_its_official_text(capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QA_INDEX_DIR", str(tmp_path))
    assert main(["ask", "第四十三条", "--model", "hash"]) == 0
    out = capsys.readouterr().out
    assert "《安徽省新能源汽车产业集群发展条例》第四十三条" in out and "本条例自2024年3月1日起施行。" in out


def test_ask_plain_output_shows_front_matter(capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QA_INDEX_DIR", str(tmp_path))
    assert main(["ask", "条例哪天起生效？", "--model", "hash"]) == 0
    out = capsys.readouterr().out
    assert "[公布公告（非条文）] 安徽省人民代表大会常务委员会公告（十四届）第十六号" in out
    assert "现予公布，自2024年3月1日起施行。" in out


def test_import_json_summary(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    excerpt = SHARED / "regulations" / "anhui-nev-clusters" / "final-excerpt.txt"
    if not excerpt.is_file():
        pytest.skip(f"{excerpt} is absent (../shared is not beside the project)")
    assert main(["import", str(excerpt), "--out", str(tmp_path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["title"], data["articles"], data["chapters"], data["complete"]) == ("安徽省新能源汽车产业集群发展条例", 4, 7, False)


def test_import_error_exits_non_zero_and_writes_nothing(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("某某条例\n第一条 甲。\n第三条 乙。\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["import", str(bad), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "bad.txt:3" in err and "article-order" in err
    assert not out.exists() or not any(out.iterdir())


def test_eval_json_keys(capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QA_INDEX_DIR", str(tmp_path))
    questions = Path(__file__).parent / "eval" / "anhui.jsonl"
    corpus = Path(__file__).resolve().parents[1] / "corpus" / "anhui-nev-clusters"
    assert main(["eval", "--corpus", str(corpus), "--questions", str(questions), "--model", "hash", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    for key in ("n", "hit_at_1", "hit_at_3", "hit_at_5", "mrr", "abstain_accuracy", "false_abstain_rate", "by_kind", "by_lang"):
        assert key in data
    assert data["by_kind"]["citation"]["hit_at_1"] == 1.0
