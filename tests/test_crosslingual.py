"""qa.index.crosslingual: English units keep only the corpus's own Chinese terms, with Chinese-side idf."""

from __future__ import annotations

import math
from pathlib import Path

from qa.index.crosslingual import CrossLingual, numbers
from qa.lang.cedict import load_dictionary

SAMPLE = Path(__file__).parent / "data" / "cedict-sample.txt"
DF = {"电池": 3, "蓄电池": 1, "回收": 2, "负责": 10, "政府": 40, "充电": 5}


def test_only_corpus_terms_survive_most_used_first() -> None:
    table = CrossLingual.build(DF, load_dictionary(SAMPLE)).table
    assert table["batteri"] == ("电池", "蓄电池")  # 殴打 (battery, law) is not in the corpus
    assert table["recycl"] == ("回收",) and table["govern"] == ("政府",)
    assert "deer" not in table  # 鹿 is not a corpus term


def test_terms_carry_the_idf_of_the_rarest_translation_shared_out() -> None:
    cross = CrossLingual.build(DF, load_dictionary(SAMPLE))
    terms = dict(cross.terms("Who recycles batteries?", DF, documents=43))
    idf_battery = math.log(1 + 43 / (1 + 1))  # 蓄电池, the rarer of 电池/蓄电池
    assert math.isclose(terms["电池"], idf_battery / 2) and math.isclose(terms["蓄电池"], idf_battery / 2)
    assert math.isclose(terms["回收"], math.log(1 + 43 / 3))


def test_round_trips_through_json() -> None:
    cross = CrossLingual.build(DF, load_dictionary(SAMPLE))
    assert CrossLingual.from_json(cross.to_json()) == cross


def test_numbers_pass_as_the_corpus_writes_them() -> None:
    df = {"30": 2, "三十": 5, "2022": 1, "二": 40}
    assert numbers("Can I return it after more than 30 days?", df) == [("30", "三十")]
    assert numbers("in 2022, 2 times, 3.5 tonnes, 45 people", df) == [("2022",)]  # 二 alone: in every 第二条; no 45
    cross = CrossLingual.build(DF | df, load_dictionary(SAMPLE))
    terms = dict(cross.terms("Who recycles batteries within 30 days?", DF | df, documents=43))
    idf = math.log(1 + 43 / (1 + 2))  # the rarer of 30 / 三十, shared out between them
    assert math.isclose(terms["30"], idf / 2) and math.isclose(terms["三十"], idf / 2) and "回收" in terms
