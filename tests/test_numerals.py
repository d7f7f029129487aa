"""Chinese numerals in article numbers, both ways."""

from __future__ import annotations

import pytest

from qa.lang.numerals import article_label, from_chinese, parse_number, to_chinese

PAIRS = [(1, "一"), (10, "十"), (11, "十一"), (20, "二十"), (43, "四十三"), (100, "一百"), (103, "一百零三"),
         (110, "一百一十"), (1000, "一千"), (1005, "一千零五"), (1260, "一千二百六十"), (9999, "九千九百九十九")]


@pytest.mark.parametrize(("number", "text"), PAIRS)
def test_both_directions(number: int, text: str) -> None:
    assert to_chinese(number) == text
    assert from_chinese(text) == number


def test_article_label() -> None:
    assert f"第{to_chinese(103)}条" == "第一百零三条"
    assert from_chinese("第一百零三条"[1:-1]) == 103


def test_article_label_with_inserted_articles() -> None:
    assert article_label(17) == "第十七条"
    assert article_label(17, 1) == "第十七条之一"
    assert article_label(253, 1) == "第二百五十三条之一"
    assert article_label(120, 6) == "第一百二十条之六"


def test_round_trip_everywhere() -> None:
    assert all(from_chinese(to_chinese(n)) == n for n in range(1, 10000))


def test_digits_and_variants() -> None:
    assert parse_number("43") == 43
    assert parse_number("４３") == 43
    assert parse_number("四十三") == 43
    assert from_chinese("两百") == 200
    assert from_chinese("一百〇三") == 103


@pytest.mark.parametrize("bad", ["", "条", "十十", "一二", "零", "百千", "abc", "1"])
def test_errors(bad: str) -> None:
    with pytest.raises(ValueError):
        from_chinese(bad)


@pytest.mark.parametrize("bad", [0, -1, 10000])
def test_out_of_range(bad: int) -> None:
    with pytest.raises(ValueError):
        to_chinese(bad)


def test_article_label_writes_impossible_numbers_in_digits() -> None:
    assert article_label(99999) == "第99999条"
    assert article_label(-1) == "第-1条"
