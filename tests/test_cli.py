"""The ``qa`` command: JSON outputs, summaries, and a README reference that cannot drift from --help."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from qa.cli import README_END, README_START, build_parser, cli_reference, main

README = Path(__file__).resolve().parents[1] / "README.md"
SHARED = Path(__file__).resolve().parents[2] / "shared"
CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "anhui-nev-clusters"
QUESTIONS = Path(__file__).parent / "eval" / "anhui.jsonl"


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


DAMAGED = "测试条例\n第一条 为了测试，制定本条例。\n第二条 本条例适用于测试。\n监督管理\n第三条 测试部门负责监督。\n第三章 附则\n第四条 本条例自公布之日起施行。\n"


def test_import_refuses_damaged_headings_and_names_lenient(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    damaged = tmp_path / "damaged.txt"
    damaged.write_text(DAMAGED, encoding="utf-8")
    assert main(["import", str(damaged), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "damaged.txt:2: [article-outside-chapter]" in err and "qa import --lenient" in err
    assert not (tmp_path / "out").exists()


def test_import_lenient_warns_per_defect_and_marks_the_corpus(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    damaged = tmp_path / "damaged.txt"
    damaged.write_text(DAMAGED, encoding="utf-8")
    assert main(["import", str(damaged), "--out", str(tmp_path / "out"), "--lenient"]) == 0
    captured = capsys.readouterr()
    assert "4 articles, 0 chapters (complete, 3 structure warning(s): chapter headings left out)" in captured.out
    warnings = [line for line in captured.err.splitlines() if line.startswith("warning: headings left out")]
    assert [w.split("] ", 1)[0].rsplit("[", 1)[1] for w in warnings] == ["article-outside-chapter", "lost-heading", "chapter-order"]
    assert main(["import", str(damaged), "--out", str(tmp_path / "json"), "--lenient", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["articles"] == 4 and len(data["structure_warnings"]) == 3


def test_import_from_an_installed_package_writes_into_the_current_directory(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qa import config

    site_packages = tmp_path / "site-packages"
    (site_packages / "qa").mkdir(parents=True)
    monkeypatch.setattr(config, "ROOT", site_packages)
    monkeypatch.setattr(config, "catalogue_file", lambda: tmp_path / "no-catalogue.json")  # the wheel's qa.bundled is not installed here
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    document = work / "damaged.txt"
    document.write_text(DAMAGED, encoding="utf-8")
    assert main(["import", str(document), "--lenient", "--json"]) == 0
    written = Path(json.loads(capsys.readouterr().out)["path"])
    assert written.name == "regulation.jsonl" and written.parent.parent == work / "corpus" and written.is_file()
    assert not any(site_packages.rglob("regulation.jsonl"))


def _library_with_skipped_documents(folder: Path) -> Path:
    folder.mkdir()
    (folder / "a.txt").write_text("甲条例\n第一条 甲。\n第二条 乙。\n", encoding="utf-8")
    (folder / "b.txt").write_text("乙条例\n第一条 甲。\n第三条 乙。\n", encoding="utf-8")
    (folder / "c.txt").write_text("没有条文的文件。\n", encoding="utf-8")
    return folder


def test_index_summary_counts_the_documents_skipped(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    library = _library_with_skipped_documents(tmp_path / "library")
    assert main(["index", "--corpus", str(library), "--model", "hash", "--index-dir", str(tmp_path / "index")]) == 0
    captured = capsys.readouterr()
    assert captured.out.count("2 documents skipped (see log)") == 1 and "2 documents skipped" not in captured.err
    assert "warning: skipped" in captured.err and "note: skipped 1 document(s)" in captured.err


def test_serve_summary_counts_the_documents_skipped(capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import qa.app

    def port_taken(*args: object, **kwargs: object) -> None:
        raise OSError("address already in use")

    monkeypatch.setattr(qa.app, "build_app", lambda *args, **kwargs: None)
    monkeypatch.setattr(qa.app, "launch", port_taken)
    monkeypatch.setenv("QA_INDEX_DIR", str(tmp_path / "index"))
    library = _library_with_skipped_documents(tmp_path / "library")
    assert main(["serve", "--model", "hash", "--corpus", str(library)]) == 1
    err = capsys.readouterr().err
    assert err.count("2 documents skipped (see log)") == 1 and "  甲条例: 2 articles" in err


def test_ask_notes_the_documents_skipped_once(capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QA_INDEX_DIR", str(tmp_path / "index"))
    library = _library_with_skipped_documents(tmp_path / "library")
    assert main(["ask", "第二条", "--corpus", str(library), "--model", "hash", "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["hits"][0]["article"] == 2
    assert captured.err.count("note: 2 documents skipped (see log)") == 1 and "warning: skipped" in captured.err


def test_stard_notes_the_documents_skipped_once(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    library = _library_with_skipped_documents(tmp_path / "library")
    queries = tmp_path / "queries.json"
    queries.write_text(json.dumps([{"query_id": 1, "问题": "乙是什么？", "match_name": ["甲条例第二条"]}], ensure_ascii=False), encoding="utf-8")
    argv = ["stard", "--queries", str(queries), "--library", str(library), "--retriever", "bm25", "--index-dir", str(tmp_path / "index"), "--json"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["questions"] == 1
    assert captured.err.count("note: 2 documents skipped (see log)") == 1


def test_import_lenient_on_the_library_files_strict_refuses(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Every library file that strict import refuses for its headings imports with --lenient (the figures: bench/lenient_survey.py)."""
    library = SHARED / "regulations" / "library"
    if not library.is_dir():
        pytest.skip(f"the shared law library is not at {library}")
    names = [
        "DLC/山东地方法规/地方性法规/山东/山东省燃气管理条例(2016-03-30).md",
        "DLC/山东地方法规/地方性法规/山东/东营市城镇容貌和环境卫生管理条例(2016-09-26).md",
    ]
    for name in names:
        path = library / name
        assert main(["import", str(path), "--out", str(tmp_path / "strict")]) == 2
        assert "--lenient" in capsys.readouterr().err
        assert main(["import", str(path), "--out", str(tmp_path / "lenient"), "--lenient", "--json"]) == 0
        data = json.loads(capsys.readouterr().out)
        assert data["structure_warnings"] and data["chapters"] == 0, name


@pytest.mark.parametrize("argv", [["ask", "第三条"], ["ask", "Art. 3(2)", "--json"], ["ask", "充电设施", "--retriever", "bm25"]])
def test_citations_and_bm25_load_no_model(argv: list[str]) -> None:
    """A citation lookup or BM25 answers without importing torch or an embedding model (a cold start)."""
    import subprocess
    import sys

    code = (
        "import sys; from qa.cli import main; rc = main(sys.argv[1:]); "
        "assert 'torch' not in sys.modules and 'sentence_transformers' not in sys.modules, 'a model was loaded'; sys.exit(rc)"
    )
    done = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "第三条" in done.stdout or "Art. 3" in done.stdout or "第三十五条" in done.stdout


@pytest.mark.slow
def test_eval_studies_fit_a_model_that_eval_then_uses(capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QA_INDEX_DIR", str(tmp_path / "index"))
    lines = [line for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if '"citation"' not in line]
    argv = ["eval", "--model", "hash", "--json"]
    for i in range(3):
        part = tmp_path / f"part{i}.jsonl"
        part.write_text("\n".join(lines[i::9]) + "\n", encoding="utf-8")
        argv += ["--corpus", str(CORPUS), "--questions", str(part)]
    model = tmp_path / "confidence.json"
    assert main([*argv, "--curves", "--tune-ranking", "--cross-validate", "--fit-confidence", str(model)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"confidence_cross_validated", "curves", "ranking_cross_validated", "confidence", "ranking_and_thresholds_cross_validated"} <= set(data)
    assert [c["alpha"] for c in data["curves"]][:2] == [0.01, 0.02] and len(data["ranking_cross_validated"]["choices"]) == 3
    both, thresholds = data["ranking_and_thresholds_cross_validated"], data["report"]["cross_validated"]
    assert set(both) == set(thresholds) and all(both[n]["abstention"] == thresholds[n]["abstention"] for n in both)
    assert data["confidence"]["zh"] is None and data["confidence"]["en"] is not None  # English only by default
    assert main([*argv, "--confidence", str(model)]) == 0
    assert "pooled" in json.loads(capsys.readouterr().out)["hybrid"]
