"""Shared fixtures: a fast searcher over the bundled corpus, the web app served on a free port, the
paths of a wheel install, and a tiny STARD sample (two laws, their questions) for the adapter trainer."""

from __future__ import annotations

import json
import shutil
import socket
from dataclasses import fields, replace
from pathlib import Path
from typing import Iterator

import pytest

from qa import config
from qa.corpus.library import default_corpus, load_library
from qa.search import Abstention, Searcher


SHARED = Path(__file__).resolve().parents[2] / "shared"
_LIBRARY = SHARED / "regulations" / "library"
_QUERIES = SHARED / "benchmarks" / "stard" / "queries-train.json"
#: Two real laws of ../shared that a few dozen STARD questions point to.
LAWS = [_LIBRARY / "社会法" / "劳动合同法(2012-12-28).md", _LIBRARY / "社会法" / "劳动法(2018-12-29).md"]


@pytest.fixture()
def tiny_sample(tmp_path: Path) -> tuple[Path, Path]:
    """A library folder of :data:`LAWS` and a STARD file of 40 questions labelled with them (skipped without ../shared)."""
    for path in LAWS + [_QUERIES]:
        if not path.exists():
            pytest.skip(f"{path} is absent (../shared is not beside the project)")
    library = tmp_path / "library"
    library.mkdir()
    for law in LAWS:
        shutil.copy(law, library / law.name)
    records = [r for r in json.loads(_QUERIES.read_text(encoding="utf-8")) if any(n.startswith("劳动") for n in r["match_name"])][:40]
    queries = tmp_path / "queries.json"
    queries.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return library, queries


def hash_abstention() -> Abstention:
    """The hash embedder is a deterministic test double, not a language model: its cosines run far
    lower than e5's, so every dense threshold is set to suit it. Tests using it check plumbing
    (what the app shows and returns), not answer quality."""
    return replace(Abstention(), **{f.name: 0.25 for f in fields(Abstention) if f.name.startswith("dense")})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def installed_from_wheel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``qa`` as a wheel installs it: its parent folder is site-packages, with no checkout (and no tests/)
    around it. Returns that folder."""
    site_packages = tmp_path / "site-packages"
    (site_packages / "qa").mkdir(parents=True)
    monkeypatch.setattr(config, "ROOT", site_packages)
    assert config.checkout_dir() is None
    return site_packages


@pytest.fixture(scope="session")
def hash_searcher(tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    corpus = default_corpus()
    if not (Path(corpus) / "regulation.jsonl").is_file():
        pytest.skip(f"bundled corpus not found at {corpus}")
    return Searcher(
        load_library(corpus),
        embedder="hash",
        index_dir=tmp_path_factory.mktemp("index"),
        abstention=hash_abstention(),
        log=lambda message: None,
        progress=False,
    )


def partial_library() -> list:
    """The bundled regulation cut to Articles 1–4 of its declared 43: what an excerpt loads as."""
    corpus = default_corpus()
    if not (Path(corpus) / "regulation.jsonl").is_file():
        pytest.skip(f"bundled corpus not found at {corpus}")
    regulation = load_library(corpus)[0]
    return [replace(regulation, articles=regulation.articles[:4])]


@pytest.fixture(scope="session")
def partial_searcher(tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    """A searcher over a partial corpus (Articles 1–4 of 43), for the messages that say so."""
    return Searcher(
        partial_library(),
        embedder="hash",
        index_dir=tmp_path_factory.mktemp("partial-index"),
        abstention=hash_abstention(),
        log=lambda message: None,
        progress=False,
    )


@pytest.fixture(scope="session")
def app_url(hash_searcher: Searcher) -> Iterator[str]:
    """The app, as `python app.py` builds it, on 127.0.0.1 and a free port."""
    from qa.app import build_app, launch
    from qa.app.api import JsonApi

    demo = build_app(hash_searcher)
    port = free_port()
    launch(demo, host="127.0.0.1", port=port, block=False, quiet=True, routes=JsonApi(hash_searcher).routes)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        demo.close()
