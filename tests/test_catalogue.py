"""What the import adds to the text: the catalogue's sources and facts, and supplementary documents that must agree."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from qa.corpus import CorpusError, load_corpus
from qa.importer import import_document, slugify
from tests.documents import ANHUI, BUNDLED, OFFICIAL, doc, shared


def test_bundled_sources_name_the_flk_page_download_and_mirror() -> None:
    regulation = load_corpus(BUNDLED)
    flk = next(s for s in regulation.sources if s.id == "flk")
    assert flk.url and flk.url.startswith("https://flk.npc.gov.cn/detail2.html?")
    assert flk.download_url == "https://wb.flk.npc.gov.cn/dfxfg/WORD/08fcfd3667f547d0913d7a09a709ea52.docx"
    assert (flk.mirror_repository, flk.mirror_commit, flk.mirror_path) == (
        "jacksunhack/China_Law_Database",
        "45d12995baf000eb436b03f59911db589835662c",
        "dfxfg/txt/08fcfd3667f547d0913d7a09a709ea52.txt",
    )
    assert flk.sha256 == hashlib.sha256(shared(ANHUI / "final-full-flk.txt").read_bytes()).hexdigest()


def test_supplement_must_agree_with_the_main_text(tmp_path: Path) -> None:
    changed = tmp_path / "excerpt.txt"
    changed.write_text(shared(ANHUI / "final-excerpt.txt").read_text(encoding="utf-8").replace("优化产业空间布局", "优化产业布局"), encoding="utf-8")
    out = tmp_path / "out"
    with pytest.raises(CorpusError) as info:
        import_document(shared(ANHUI / "final-full-flk.txt"), out, supplements=[changed])
    assert info.value.rule == "supplement-disagrees" and "第一条" in info.value.message
    assert not out.exists() or not any(out.iterdir())


def test_import_without_catalogue_entry(tmp_path: Path) -> None:
    messages: list[str] = []
    summary = import_document(doc(tmp_path, OFFICIAL.replace("发展条例\n（", "测试条例\n（")), tmp_path / "out", progress=messages.append)
    assert summary.id == slugify("安徽省新能源汽车产业集群测试条例") and summary.complete and messages
    assert load_corpus(tmp_path / "out" / summary.id).articles[3].text == "本条例自2024年3月1日起施行。"
