"""The on-disk index: manifest checks, automatic rebuilds, atomic writes, and the embedding cache."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from qa.corpus.model import Regulation
from qa.models import HashEmbedder
from qa.corpus.passages import units_of
from qa.index.dense import MANIFEST, UNITS, VECTORS, IndexError_, build, cache_file, folder_for, load, load_or_build
from qa.corpus.library import default_corpus, load_library


@pytest.fixture()
def library() -> list[Regulation]:
    return load_library(default_corpus())


def _messages() -> tuple[list[str], object]:
    seen: list[str] = []
    return seen, seen.append


def test_units_cover_articles_paragraphs_and_translations(library: list[Regulation]) -> None:
    units = [u for u, _ in units_of(library)]
    assert {u.article for u in units} == set(range(1, 44))
    assert any(u.paragraph == 2 and u.article == 3 for u in units)
    assert any(u.lang == "en" for u in units)


def test_build_then_load_round_trip(tmp_path: Path, library: list[Regulation]) -> None:
    built = build(library, HashEmbedder(), tmp_path)
    loaded = load(tmp_path, library, built.manifest["model_id"], built.manifest["dim"])
    assert loaded.units == built.units and loaded.index.ntotal == len(built.units)
    manifest = json.loads((folder_for(tmp_path, HashEmbedder().model_id) / MANIFEST).read_text())
    assert {"corpus_hash", "model_id", "dim", "built_at", "files"} <= set(manifest)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "dense"]


def test_changed_corpus_is_rebuilt_with_a_message(tmp_path: Path, library: list[Regulation]) -> None:
    build(library, HashEmbedder(), tmp_path)
    edited = [replace(library[0], articles=library[0].articles[:3])]
    seen, log = _messages()
    index = load_or_build(edited, HashEmbedder(), tmp_path, progress=False, log=log)  # type: ignore[arg-type]
    assert "corpus changed" in seen[0]
    assert {u.article for u in index.units} == {1, 2, 3}


def test_two_models_on_one_corpus_folder_keep_their_own_index(tmp_path: Path, library: list[Regulation]) -> None:
    small, large = HashEmbedder(dim=64), HashEmbedder(dim=128)
    seen, log = _messages()
    load_or_build(library, small, tmp_path, progress=False, log=log)  # type: ignore[arg-type]
    load_or_build(library, large, tmp_path, progress=False, log=log)  # type: ignore[arg-type]
    assert len(seen) == 2 and all("building it now" in m for m in seen), seen
    seen.clear()
    for _ in range(2):  # alternating starts (two processes) find both valid: nothing is rebuilt
        assert load_or_build(library, small, tmp_path, progress=False, log=log).index.d == 64  # type: ignore[arg-type]
        assert load_or_build(library, large, tmp_path, progress=False, log=log).index.d == 128  # type: ignore[arg-type]
    assert not seen
    assert folder_for(tmp_path, small.model_id) != folder_for(tmp_path, large.model_id)
    assert {p.name for p in (tmp_path / "cache").iterdir()} == {cache_file(tmp_path, m.model_id).name for m in (small, large)}


def test_manifest_of_another_model_in_a_models_folder_is_rebuilt(tmp_path: Path, library: list[Regulation]) -> None:
    build(library, HashEmbedder(dim=64), tmp_path)
    own = folder_for(tmp_path, HashEmbedder(dim=64).model_id) / MANIFEST
    own.write_text(json.dumps(json.loads(own.read_text()) | {"model_id": "another"}))
    seen, log = _messages()
    index = load_or_build(library, HashEmbedder(dim=64), tmp_path, progress=False, log=log)  # type: ignore[arg-type]
    assert "built with model 'another'" in seen[0] and index.manifest["embedded"] == 0


def _old_layout(folder: Path, library: list[Regulation], embedder: HashEmbedder) -> None:
    """An index as the one-model layout wrote it: its files at the top of the corpus folder, cache beside."""
    build(library, embedder, folder)
    for name in (MANIFEST, VECTORS, UNITS):
        (folder_for(folder, embedder.model_id) / name).rename(folder / name)
    shutil.rmtree(folder / "dense")


def test_old_layout_is_rebuilt_from_its_cache_and_removed(tmp_path: Path, library: list[Regulation]) -> None:
    embedder = HashEmbedder()
    _old_layout(tmp_path, library, embedder)
    cache_before = cache_file(tmp_path, embedder.model_id).read_bytes()

    class Refuses(HashEmbedder):
        def encode_passages(self, texts, *, batch_size=32, progress=False):  # type: ignore[no-untyped-def]
            raise AssertionError(f"re-embedded {len(texts)} passages: the cache was not reused")

    seen, log = _messages()
    index = load_or_build(library, Refuses(), tmp_path, progress=False, log=log)  # type: ignore[arg-type]
    assert index.manifest["embedded"] == 0 and index.index.ntotal == len(index.units)
    assert "old one-model layout" in seen[0] and "removed the old" in seen[1], seen
    assert not [name for name in (MANIFEST, VECTORS, UNITS) if (tmp_path / name).exists()]
    assert cache_file(tmp_path, embedder.model_id).read_bytes() == cache_before
    seen.clear()
    load_or_build(library, embedder, tmp_path, progress=False, log=log)  # type: ignore[arg-type]
    assert not seen


def test_a_foreign_manifest_at_the_top_is_left_alone(tmp_path: Path, library: list[Regulation]) -> None:
    (tmp_path / MANIFEST).write_text(json.dumps({"name": "someone else's"}))
    build(library, HashEmbedder(), tmp_path)
    assert json.loads((tmp_path / MANIFEST).read_text()) == {"name": "someone else's"}
    load(tmp_path, library, HashEmbedder().model_id, HashEmbedder().dim)


@pytest.mark.parametrize("victim", [VECTORS, UNITS, MANIFEST])
def test_truncated_or_missing_files_are_reported_and_rebuilt(tmp_path: Path, library: list[Regulation], victim: str) -> None:
    build(library, HashEmbedder(), tmp_path)
    path = folder_for(tmp_path, HashEmbedder().model_id) / victim
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    with pytest.raises(IndexError_):
        load(tmp_path, library, HashEmbedder().model_id, HashEmbedder().dim)
    seen, log = _messages()
    index = load_or_build(library, HashEmbedder(), tmp_path, progress=False, log=log)  # type: ignore[arg-type]
    assert seen and index.index.ntotal == len(index.units)
    load(tmp_path, library, HashEmbedder().model_id, HashEmbedder().dim)


def test_crash_during_build_leaves_no_usable_half_index(tmp_path: Path, library: list[Regulation]) -> None:
    class Crash(HashEmbedder):
        def encode_passages(self, texts, *, batch_size=32, progress=False):  # type: ignore[no-untyped-def]
            raise KeyboardInterrupt

    build(library, HashEmbedder(), tmp_path)
    article = library[0].articles[0]
    changed = replace(article, paragraphs=(replace(article.paragraphs[0], text="（改）" + article.paragraphs[0].text),))
    edited = [replace(library[0], articles=(changed, *library[0].articles[1:]))]
    with pytest.raises(KeyboardInterrupt):
        build(edited, Crash(), tmp_path)
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]
    with pytest.raises(IndexError_, match="corpus changed"):
        load(tmp_path, edited, HashEmbedder().model_id, HashEmbedder().dim)


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_read_only_index_dir_falls_back_to_memory(tmp_path: Path, library: list[Regulation]) -> None:
    tmp_path.chmod(0o500)
    try:
        seen, log = _messages()
        index = load_or_build(library, HashEmbedder(), tmp_path / "idx", progress=False, log=log)  # type: ignore[arg-type]
        assert index.index.ntotal > 0 and any("cannot write" in m for m in seen)
    finally:
        tmp_path.chmod(0o700)


def test_unwritable_index_falls_back_to_memory(tmp_path: Path, library: list[Regulation]) -> None:
    blocker = tmp_path / "idx"
    blocker.write_text("a file where the index folder should be")
    seen, log = _messages()
    index = load_or_build(library, HashEmbedder(), blocker, progress=False, log=log)  # type: ignore[arg-type]
    assert index.index.ntotal > 0 and any("cannot write" in m for m in seen)


def test_rebuild_after_an_edit_embeds_only_what_changed(tmp_path: Path, library: list[Regulation]) -> None:
    first = build(library, HashEmbedder(), tmp_path)
    assert first.manifest["embedded"] == len(first.units)
    article = library[0].articles[0]
    edited_article = replace(article, paragraphs=(replace(article.paragraphs[0], text=article.paragraphs[0].text + "（测试）"),))
    edited = [replace(library[0], articles=(edited_article, *library[0].articles[1:]))]
    second = build(edited, HashEmbedder(), tmp_path)
    assert second.manifest["embedded"] == 1
