"""Every path and environment variable the package uses, resolved when asked (never at import time).

One place so that ``--help``, the README and the code name the same variables, and so that a test or a
deployer can change one with ``monkeypatch.setenv`` / ``export`` and be obeyed everywhere.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import os
import sys
from pathlib import Path

__all__ = [
    "BUNDLED_ID",
    "ENVIRONMENT",
    "ROOT",
    "adapter_dir",
    "bundled_corpus",
    "cache_dir",
    "catalogue_file",
    "checkout_dir",
    "child_env",
    "corpus_dir",
    "environment_help",
    "feedback_file",
    "cache_size_text",
    "max_waiting_text",
    "host",
    "import_dir",
    "stard_index_dir",
    "port_text",
    "python_module",
    "absent_default",
    "dialogues_file",
    "eval_dir",
    "index_dir_for",
    "index_root",
    "library_dir",
    "model_dir",
    "shared_dir",
    "stard_queries",
    "query_encoder",
    "query_threads_text",
]

#: The project checkout (or, once installed, the folder holding the ``qa`` package).
ROOT = Path(__file__).resolve().parents[1]

#: The package holding the bundled corpus once installed: ``corpus/`` of the repository, mapped by pyproject.toml.
_BUNDLED_PACKAGE = "qa.bundled"

#: Variable -> what it sets; printed in ``qa --help`` and the README.
ENVIRONMENT: dict[str, str] = {
    "QA_CORPUS": "default corpus folder (default: the bundled Anhui Regulations)",
    "QA_INDEX_DIR": (
        "index folder to use for every corpus (default: index/<corpus>-<hash> in a checkout, "
        "$XDG_CACHE_HOME/anhui-nev-qa/index/<corpus>-<hash> once installed)"
    ),
    "QA_MODEL_DIR": "converted e5 model (default: $XDG_CACHE_HOME/anhui-nev-qa/models/…)",
    "QA_SHARED": "the shared material: law library, STARD (default: ../shared beside the project)",
    "QA_LIBRARY": "law library for qa stard / qa bench --scale (default: $QA_SHARED/regulations/library)",
    "QA_HOST": "address the app listens on (default: 127.0.0.1)",
    "QA_PORT": "port the app listens on (default: 7860)",
    "QA_FEEDBACK": "JSON Lines file the app's 'Wrong answer?' reports go to (default: none, the control is off)",
    "QA_QUERY_ENCODER": "how e5 encodes questions: onnx (default), onnx-int8 or torch; passages use the fp32 onnx graph under onnx, torch otherwise",
    "QA_QUERY_THREADS": "threads of the ONNX e5 query encoder (default: every core; give replicas sharing a host fewer)",
    "QA_CACHE_SIZE": "answers the app keeps for repeated questions; 0 turns the cache off (default: 1024)",
    "QA_MAX_WAITING": "questions the app lets wait for its semantic model before answering 'busy, try again' (default: 64)",
    "QA_ADAPTER": "query adapter folder for the model names ending in +adapter and for e5+use over a collection of regulations; off leaves collections without one (default: the bundled qa/models/adapters/stard-e5)",
}


def _env(name: str) -> str | None:
    return os.environ.get(name) or None


def environment_help() -> str:
    return "Environment: " + "; ".join(f"{name} — {text}" for name, text in ENVIRONMENT.items()) + "."


def checkout_dir() -> Path | None:
    """The project checkout ``qa`` runs from (plain or editable install), or None when installed from a wheel."""
    return ROOT if (ROOT / "pyproject.toml").is_file() and (ROOT / "corpus").is_dir() else None


def python_module(module: str, *args: str) -> list[str]:
    """The command running ``python -m module args`` in a child process of this interpreter.

    The child runs in the caller's directory, so that relative paths (``--corpus``, ``QA_INDEX_DIR``)
    mean what they meant to the user; ``-P`` keeps that directory off its ``sys.path``, so a ``qa``
    folder there cannot stand in for the package. Give it :func:`child_env`.
    """
    return [sys.executable, "-P", "-m", module, *args]


def child_env(**extra: str) -> dict[str, str]:
    """This environment plus ``extra`` for :func:`python_module`, whose child must import this very ``qa``:
    run from a checkout, the checkout goes first on PYTHONPATH (an editable install may point at another
    checkout); installed from a wheel, the child finds the package as this process did."""
    found = {**os.environ, **extra}
    checkout = checkout_dir()
    if checkout is not None:
        found["PYTHONPATH"] = os.pathsep.join([str(checkout), *([found["PYTHONPATH"]] if found.get("PYTHONPATH") else [])])
    return found


def cache_dir() -> Path:
    """The per-user cache: ``$XDG_CACHE_HOME/anhui-nev-qa`` (default ``~/.cache``)."""
    return Path(_env("XDG_CACHE_HOME") or Path.home() / ".cache").expanduser() / "anhui-nev-qa"


def _bundled(name: str) -> Path:
    """A file of the repository's ``corpus/``: read in place in a checkout, else from the installed package data.

    The checkout comes first: setuptools' editable import hook cannot import the data-only
    ``qa.bundled``, and a worktree must never read another checkout's files through that hook.
    """
    checkout = checkout_dir()
    if checkout is not None:
        return checkout / "corpus" / name
    found = importlib.resources.files(_BUNDLED_PACKAGE).joinpath(name)
    if not isinstance(found, Path):
        raise RuntimeError(f"{_BUNDLED_PACKAGE} must be installed as files, not zipped: {found}")
    return found


#: The bundled regulation's id, which is also its corpus folder's name.
BUNDLED_ID = "anhui-nev-clusters"


def bundled_corpus() -> Path:
    return _bundled(BUNDLED_ID)


def catalogue_file() -> Path:
    """Official metadata of the library's regulations (sources, dates) that the importer merges in."""
    return _bundled("catalogue.json")


def corpus_dir() -> Path:
    return Path(_env("QA_CORPUS") or bundled_corpus())


def import_dir() -> Path:
    """Where ``qa import`` writes by default: the checkout's ``corpus/``; installed from a wheel,
    ``./corpus`` in the current directory (the package's own folder is site-packages, not the user's)."""
    checkout = checkout_dir()
    return checkout / "corpus" if checkout is not None else Path.cwd() / "corpus"


def index_root() -> Path:
    """``index/`` of the checkout; once installed (no checkout to write into), ``index/`` in the user cache."""
    checkout = checkout_dir()
    return checkout / "index" if checkout is not None else cache_dir() / "index"


def index_dir_for(corpus: str | os.PathLike[str]) -> Path:
    """Where the index of a corpus lives: ``index/<name>-<hash of its path>`` unless QA_INDEX_DIR is set."""
    override = _env("QA_INDEX_DIR")
    if override:
        return Path(override)
    resolved = Path(corpus).resolve()
    digest = hashlib.sha256(str(resolved).encode()).hexdigest()[:8]
    return index_root() / f"{resolved.stem[:40]}-{digest}"


def stard_index_dir(library: Path, given: str | os.PathLike[str] | None = None) -> Path:
    """The law library's index that ``qa stard``, ``qa train`` and the STARD benchmarks share: ``given``
    (their ``--index-dir``), else QA_INDEX_DIR, else ``index/stard-<library folder name>``."""
    chosen = given or _env("QA_INDEX_DIR")
    return Path(chosen) if chosen else index_root() / f"stard-{library.name}"


def adapter_dir() -> Path | None:
    """The query adapter of the ``…+adapter`` models and of collections: ``$QA_ADAPTER``, else the one shipped in
    the package; None for ``QA_ADAPTER=off``."""
    override = _env("QA_ADAPTER")
    if override and override.strip().lower() == "off":
        return None
    return Path(override).expanduser() if override else Path(__file__).resolve().parent / "models" / "adapters" / "stard-e5"


def model_dir(model: str) -> Path:
    """Folder of a converted model: ``$QA_MODEL_DIR``, else the per-user cache (keeps 466 MB out of the repo)."""
    override = _env("QA_MODEL_DIR")
    if override:
        return Path(override).expanduser()
    return cache_dir() / "models" / model


def shared_dir() -> Path:
    return Path(_env("QA_SHARED") or ROOT.parent / "shared")


def library_dir() -> Path:
    return Path(_env("QA_LIBRARY") or shared_dir() / "regulations" / "library")


def stard_queries() -> Path:
    return shared_dir() / "benchmarks" / "stard" / "queries-train.json"


def host() -> str:
    return _env("QA_HOST") or "127.0.0.1"


def port_text() -> str:
    """The port as given (checked by the caller, which names QA_PORT in its error)."""
    return _env("QA_PORT") or "7860"


def cache_size_text() -> str | None:
    """QA_CACHE_SIZE as given (checked by the caller, which names the variable in its error)."""
    return _env("QA_CACHE_SIZE")


def max_waiting_text() -> str | None:
    """QA_MAX_WAITING as given (checked by the caller)."""
    return _env("QA_MAX_WAITING")


def feedback_file() -> Path | None:
    value = _env("QA_FEEDBACK")
    return Path(value).expanduser() if value else None


def query_encoder() -> str | None:
    """The e5 query encoder asked for (checked by qa.models), or None for the default."""
    return _env("QA_QUERY_ENCODER")


def query_threads_text() -> str | None:
    """QA_QUERY_THREADS as given (checked by qa.models), or None for the default."""
    return _env("QA_QUERY_THREADS")


def eval_dir() -> Path:
    """The evaluation question sets (``tests/eval``, in a checkout; see :func:`absent_default`)."""
    return ROOT / "tests" / "eval"


def dialogues_file() -> Path:
    """The follow-up dialogues ``qa dialogues`` scores by default (``tests/dialogues/anhui.jsonl``, in a checkout)."""
    return ROOT / "tests" / "dialogues" / "anhui.jsonl"


def absent_default(path: Path) -> str | None:
    """None when a default under the checkout's ``tests/`` exists, else why it does not: a wheel ships no
    ``tests/``, so its commands must say what to pass instead of failing on a path inside site-packages."""
    if path.exists():
        return None
    why = "not in this checkout" if checkout_dir() is not None else "installed from a wheel, which has no tests/"
    return f"{path} not found ({why})"
