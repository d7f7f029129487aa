"""Turn a ``--corpus`` argument into regulations: a corpus folder, a folder of them, or documents.

Documents (.md, .txt, .docx, .html) are imported on the fly with the same importer as ``qa import``,
so a deployment can point at the official text without a separate step.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Callable

from qa.corpus import REGULATION_FILE, CorpusError, Regulation, load_corpus

__all__ = ["ROOT", "default_corpus", "load_library", "index_dir_for", "DOCUMENT_SUFFIXES"]

ROOT = Path(__file__).resolve().parents[1]
DOCUMENT_SUFFIXES = (".md", ".txt", ".docx", ".html", ".htm")


def default_corpus() -> Path:
    return Path(os.environ.get("QA_CORPUS") or ROOT / "corpus" / "anhui-nev-clusters")


def load_library(path: str | os.PathLike[str], *, log: Callable[[str], None] = print, progress: bool = False) -> list[Regulation]:
    """Regulations at ``path``.

    A single document or corpus folder must be valid (defects raise). In a folder of documents — a
    whole library — each document that cannot be imported is skipped with its reason, and damaged
    chapter headings are dropped with a warning instead of refusing the document, so one bad file
    does not take the library down.
    """
    path = Path(path)
    if not path.exists():
        raise CorpusError(path, None, "missing", "no such file or folder")
    if path.is_dir() and (path / REGULATION_FILE).is_file():
        return [load_corpus(path)]
    if path.is_file():
        from qa.importer import parse_document

        return [parse_document(path)]
    folders = sorted(p.parent for p in path.rglob(REGULATION_FILE))
    if folders:
        return [load_corpus(f) for f in folders]
    from qa.importer import parse_document

    documents = sorted(p for p in path.rglob("*") if p.suffix.lower() in DOCUMENT_SUFFIXES and p.is_file())
    if not documents:
        raise CorpusError(path, None, "empty", f"no {REGULATION_FILE} and no documents ({', '.join(DOCUMENT_SUFFIXES)}) here")
    regulations: list[Regulation] = []
    refused: list[CorpusError] = []
    iterator = documents
    if progress:
        from tqdm import tqdm

        iterator = tqdm(documents, desc="loading documents", unit="doc")
    for document in iterator:
        try:
            regulations.append(parse_document(document, strict_headings=False))
        except CorpusError as exc:
            refused.append(exc)
    no_articles = sum(exc.rule == "no-articles" for exc in refused)
    if no_articles:
        log(f"note: skipped {no_articles} document(s) with no numbered articles (第X条)")
    for exc in (e for e in refused if e.rule != "no-articles"):
        log(f"warning: skipped {exc}")
    return regulations


def index_dir_for(corpus: str | os.PathLike[str]) -> Path:
    """Where the index of a corpus lives: ``index/<name>-<hash of its path>`` unless QA_INDEX_DIR is set."""
    if os.environ.get("QA_INDEX_DIR"):
        return Path(os.environ["QA_INDEX_DIR"])
    resolved = Path(corpus).resolve()
    digest = hashlib.sha256(str(resolved).encode()).hexdigest()[:8]
    return ROOT / "index" / f"{resolved.stem[:40]}-{digest}"
