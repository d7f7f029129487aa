"""Full-width punctuation folded to ASCII is restored, touching nothing else, and the restoration is recorded."""

from __future__ import annotations

from pathlib import Path

from qa.importer import is_folded, parse_document, parse_with_warnings, restore_fullwidth
from tests.documents import doc


def test_restore_fullwidth() -> None:
    assert restore_fullwidth("通过,现予公布,自2024年3月1日起施行;") == "通过，现予公布，自2024年3月1日起施行；"
    assert restore_fullwidth("(2023年12月28日通过)") == "（2023年12月28日通过）"
    assert restore_fullwidth("(十四届)第十六号") == "（十四届）第十六号"
    assert restore_fullwidth("混合动力(含增程式)汽车:") == "混合动力（含增程式）汽车："
    for untouched in ("1,000元", "10:30", "f(x, y)", "ISO 9001:2015", "2023-12-28"):
        assert restore_fullwidth(untouched) == untouched
    assert is_folded("通过,现予公布") and not is_folded("通过，现予公布,1") and not is_folded("a, b")


def test_restoration_is_recorded(tmp_path: Path) -> None:
    regulation, warnings = parse_with_warnings(doc(tmp_path, "测试条例\n第一条 为了测试,制定本条例(草案)。\n"))
    assert regulation.articles[0].text == "为了测试，制定本条例（草案）。"
    assert "Full-width punctuation restored" in (regulation.sources[0].note or "") and warnings
    untouched = parse_document(doc(tmp_path, "测试条例\n第一条 为了测试，制定本条例,1。\n"))
    assert untouched.articles[0].text == "为了测试，制定本条例,1。"
