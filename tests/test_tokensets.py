"""Word sets as a vocabulary and integer arrays: encoding, decoding on first read, and refusing arrays that disagree."""

from __future__ import annotations

import numpy as np
import pytest

from qa.index.tokensets import ArticleSets, SetList, SetMap, Vocabulary, offsets_of

SETS = [frozenset({"电池", "回收"}), frozenset(), frozenset({"回收", "网点", "battery"})]
#: Two articles: the first with paragraphs of two sentences and one, the second with one paragraph of one.
ARTICLES = (
    ((frozenset({"电池", "回收"}), frozenset({"企业"})), (frozenset({"登记"}),)),
    ((frozenset({"回收", "网点"}),),),
)


def test_sets_are_encoded_sorted_with_offsets() -> None:
    vocabulary = Vocabulary()
    ids, offsets = vocabulary.encode(SETS)
    assert vocabulary.words == ["回收", "电池", "battery", "网点"]  # first seen, each set sorted
    assert ids.dtype == np.int32 and ids.tolist() == [0, 1, 2, 0, 3]
    assert offsets.dtype == np.int64 and offsets.tolist() == [0, 2, 2, 5]
    again = Vocabulary(vocabulary.words)
    assert [a.tolist() for a in again.encode(SETS)] == [ids.tolist(), offsets.tolist()]  # reproducible


def test_the_vocabulary_round_trips_through_bytes() -> None:
    vocabulary = Vocabulary(["回收", "", "battery"])
    data = vocabulary.to_array()
    assert data.dtype == np.uint8
    assert Vocabulary.from_array(data, 3).words == ["回收", "", "battery"]
    assert Vocabulary.from_array(Vocabulary().to_array(), 0).words == []
    with pytest.raises(ValueError, match="holds 3 words, not 4"):
        Vocabulary.from_array(data, 4)
    with pytest.raises(ValueError, match="line break"):
        Vocabulary(["a\nb"]).to_array()


def test_a_set_list_decodes_each_set_once() -> None:
    vocabulary = Vocabulary()
    sets = SetList(vocabulary, *vocabulary.encode(SETS))
    assert len(sets) == 3 and list(sets) == SETS and sets[-1] == SETS[2]
    assert sets[0] is sets[0] and sets[1:] == SETS[1:]
    with pytest.raises(IndexError):
        sets[3]


def test_a_set_map_keys_sets_by_article() -> None:
    vocabulary = Vocabulary()
    mapping = SetMap(np.array([4, 9, 11]), SetList(vocabulary, *vocabulary.encode(SETS)))
    assert dict(mapping) == {4: SETS[0], 9: SETS[1], 11: SETS[2]} and 9 in mapping and 5 not in mapping
    with pytest.raises(ValueError):
        SetMap(np.array([4]), SetList(vocabulary, *vocabulary.encode(SETS)))


def test_article_sets_are_made_when_first_read() -> None:
    vocabulary = Vocabulary()
    arrays = ArticleSets.encode(vocabulary, ARTICLES)
    assert arrays["article_paragraphs"].tolist() == [0, 2, 3] and arrays["paragraph_sentences"].tolist() == [0, 2, 3, 4]
    sets = ArticleSets.from_arrays(Vocabulary.from_array(vocabulary.to_array(), len(vocabulary)), arrays)
    assert len(sets) == 2 and not sets._made
    assert sets[-1] == sets[1] == ARTICLES[1] and list(sets._made) == [1]
    assert sets[0] is sets[0] and list(sets) == list(ARTICLES) and sets[0:1] == [ARTICLES[0]]
    with pytest.raises(IndexError):
        sets[2]


def test_offsets_of_group_sizes() -> None:
    assert offsets_of([2, 0, 3]).tolist() == [0, 2, 2, 5] and offsets_of([]).tolist() == [0]


@pytest.mark.parametrize(
    "damage",
    [
        lambda a: a.update(sentence_ids=a["sentence_ids"] + 100),  # ids outside the vocabulary
        lambda a: a.update(sentence_offsets=a["sentence_offsets"][:-1]),  # offsets short of the ids
        lambda a: a.update(sentence_offsets=a["sentence_offsets"][::-1].copy()),  # decreasing
        lambda a: a.update(paragraph_sentences=a["paragraph_sentences"][:-1]),  # paragraphs short of the sentences
        lambda a: a.update(article_paragraphs=np.array([0, 3, 2])),  # decreasing article offsets
    ],
)
def test_arrays_that_disagree_are_refused(damage) -> None:  # type: ignore[no-untyped-def]
    vocabulary = Vocabulary()
    arrays = ArticleSets.encode(vocabulary, ARTICLES)
    damage(arrays)
    with pytest.raises(ValueError):
        ArticleSets.from_arrays(vocabulary, arrays)
