import pytest

from qa.lang.cite import find_citation

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
    assert (found.article, found.paragraph, found.only, found.suffix) == (article, paragraph, True, 0)


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


CRIMINAL_LAW = ("《中华人民共和国刑法》", "中华人民共和国刑法", "《刑法》", "刑法")  # longest first, as the Searcher passes titles


@pytest.mark.parametrize(
    ("question", "article", "suffix", "paragraph"),
    [
        ("第十七条之一", 17, 1, None),
        ("刑法第十七条之一", 17, 1, None),
        ("中华人民共和国刑法第二百五十三条之一", 253, 1, None),
        ("《中华人民共和国刑法》第一百二十条之六", 120, 6, None),
        ("第二百五十三条之一第二款", 253, 1, 2),
        ("第17条之1", 17, 1, None),
        ("Article 17-1", 17, 1, None),
        ("Art. 253-1(2)", 253, 1, 2),
    ],
)
def test_inserted_articles(question: str, article: int, suffix: int, paragraph: int | None) -> None:
    found = find_citation(question, CRIMINAL_LAW)
    assert found is not None
    assert (found.article, found.suffix, found.paragraph, found.only) == (article, suffix, paragraph, True)
    assert question[found.start : found.end].endswith(("之一", "之六", "款", "之1", "-1", ")"))


def test_之_that_is_no_inserted_article() -> None:
    found = find_citation("依照刑法第十七条之规定")  # 之规定: "the provisions of", not 之一
    assert found is not None and (found.article, found.suffix) == (17, 0)


def test_an_article_citing_others_of_its_regulation() -> None:
    from qa.lang.cite import cited_articles

    assert cited_articles("违反本条例第三十六条规定，道路应用试点主体未履行职责的，由交通部门责令改正。") == {36}
    assert cited_articles("有本法第十四条第（一）项、第（二）项所列行为的") == {14}
    assert cited_articles("依照本法第十四条、第15条规定执行") == {14, 15}
    assert cited_articles("依照《消费者权益保护法》第五十六条执行") == set()  # another law's article
    assert cited_articles("违反本条例第零条规定的") == set()
