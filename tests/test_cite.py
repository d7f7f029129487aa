import pytest

from qa.cite import find_citation

TITLE = ("《安徽省新能源汽车产业集群发展条例》", "安徽省新能源汽车产业集群发展条例")


@pytest.mark.parametrize(
    ("question", "article", "paragraph"),
    [
        ("第十二条", 12, None),
        ("第12条", 12, None),
        ("12条", 12, None),
        ("第十二条第二款", 12, 2),
        ("Article 12", 12, None),
        ("Art. 12(2)", 12, 2),
        ("art 12", 12, None),
        ("article 3 paragraph 2", 3, 2),
        ("What does Article 3 say?", 3, None),
        ("《安徽省新能源汽车产业集群发展条例》第三条", 3, None),
        ("第一百零三条", 103, None),
        ("第九十九条", 99, None),
    ],
)
def test_citation_only_questions(question: str, article: int, paragraph: int | None) -> None:
    found = find_citation(question, TITLE)
    assert found is not None
    assert (found.article, found.paragraph, found.only) == (article, paragraph, True)


@pytest.mark.parametrize(("question", "article"), [("Article 0", 0), ("Article -1", -1)])
def test_invalid_numbers_are_reported_as_they_are(question: str, article: int) -> None:
    found = find_citation(question)
    assert found is not None and found.article == article


def test_citation_inside_a_question_is_not_only() -> None:
    found = find_citation("第3条中插电式混合动力是什么意思")
    assert found is not None and found.article == 3 and not found.only


@pytest.mark.parametrize("question", ["增程式的车算新能源车吗", "2条路怎么走", "the 2 articles of faith"])
def test_no_citation(question: str) -> None:
    assert find_citation(question) is None
