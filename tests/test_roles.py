"""Structural roles: read from each article's own wording, for any regulation, and matched to questions."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.corpus import Regulation, default_corpus, load_library
from qa.search.searcher import Searcher
from qa.lang.roles import article_roles, is_penalty_chapter, question_roles, residual

LIBRARY = Path(__file__).resolve().parents[2] / "shared" / "regulations" / "library"
#: Regulations of different kinds: local 条例 of three provinces, a national 法, an administrative 条例.
OTHERS = [
    "DLC/北京地方法规/地方性法规/北京/北京市自动驾驶汽车条例(2024-12-31).md",
    "DLC/广东地方法规/地方性法规/广东/深圳经济特区人工智能产业促进条例(2022-09-05).md",
    "DLC/浙江地方法规/地方性法规/浙江/浙江省数字经济促进条例(2020-12-24).md",
    "社会法/劳动合同法(2012-12-28).md",
    "行政法规/劳动合同法实施条例(2008-09-18).md",
]


def _bundled() -> Regulation:
    return load_library(default_corpus())[0]


def _other(relative: str) -> Regulation:
    path = LIBRARY / relative
    if not path.is_file():
        pytest.skip(f"{path} is absent (../shared is not beside the project)")
    from qa.importer import parse_document

    return parse_document(path)


def test_roles_of_the_bundled_regulation() -> None:
    roles = {a.number: article_roles(a.text) for a in _bundled().articles}
    assert {n: sorted(r) for n, r in roles.items() if r} == {
        1: ["purpose"],
        2: ["scope"],
        3: ["definition"],
        6: ["responsibility"],
        42: ["analogy"],
        43: ["effective"],
    }


@pytest.mark.parametrize("relative", OTHERS)
def test_every_regulation_states_its_purpose_first_and_its_effective_date_last(relative: str) -> None:
    regulation = _other(relative)
    first, last = regulation.articles[0], regulation.articles[-1]
    assert "purpose" in article_roles(first.text), first.text
    assert "effective" in article_roles(last.text), last.text
    found = set().union(*(article_roles(a.text) for a in regulation.articles))
    assert "responsibility" in found, found
    # the Shenzhen AI regulation and the labour-contract implementing rules have no scope article
    assert ("scope" in found) == ("深圳" not in relative and "实施条例" not in relative), found


@pytest.mark.parametrize(
    ("question", "roles"),
    [
        ("为什么出台这个条例？", {"purpose"}),
        ("这部条例是根据什么制定的？", {"purpose"}),
        ("Why were these rules made?", {"purpose"}),
        ("这个条例管哪些事？", {"scope"}),
        ("Who does this regulation apply to?", {"scope"}),
        ("外省车企在合肥设的工厂也受这个规定约束吗？", {"scope"}),
        ("公司买来跑运输的面包车，坏了能按这个三包规定处理吗？", {"scope"}),
        ("Are small delivery robots covered by this law?", {"scope"}),
        ("想法、创意受著作权法保护吗？", set()),  # whether something is protected, not whether the law applies
        ("产业集群是什么意思？", {"definition"}),
        ("增程式的车算新能源车吗？", {"definition"}),
        ("谁负责？", {"responsibility"}),
        ("Which department is responsible for standards?", {"responsibility"}),
        ("什么时候施行？", {"effective"}),
        ("Since when is it in force?", {"effective"}),
        ("上海的劳动合同条例是哪天开始实行的？", {"effective"}),
        ("When did the Shenzhen AI regulation come into force?", {"effective"}),
        ("非石油燃料的车怎么办？", {"analogy"}),
        ("谁通过的？", {"adoption"}),
        ("公告是第几号？", {"adoption"}),
        ("条例有几章？", {"contents"}),
        ("新能源汽车充电桩建设", set()),
        ("没拿到资质就偷偷用自动驾驶车拉客赚钱，会被罚多少？", {"penalty"}),
        ("学校瞒报事故，会受到什么处罚？", {"penalty"}),
        ("在公众场合辱骂他人，要承担法律责任吗？", set()),  # liability in tort: the Civil Code, not a penalty chapter
        ("未成年人致人重伤，能否从轻处罚？", set()),  # sentencing
        ("银行多计的罚息要还吗？", set()),
        ("What happens if a company ignores a price cap?", {"penalty"}),
        ("What happens to officials who misuse the money?", {"penalty"}),
        ("老师体罚学生，学校要赔吗？", set()),
        ("corporal punishment", set()),
        ("What happens to my warranty if the dealer goes bankrupt?", set()),
        ("What happens if my car breaks down during the warranty?", set()),  # a consequence, but of no misconduct
        ("What happens if the school does not report an injury?", {"penalty"}),
        ("Is it fine to return the car after a week?", set()),
        ("How large is the fine for breaking these rules?", {"penalty"}),
    ],
)
def test_question_roles(question: str, roles: set[str]) -> None:
    assert question_roles(question) == roles


def test_a_penalty_is_read_from_the_chapter_where_there_is_one() -> None:
    assert "penalty" in article_roles("违反本条例第二十七条规定，擅自开展试点活动的，由交通部门责令停止，处三万元以上罚款。")
    assert "penalty" not in article_roles("违反本条例规定的，处一万元罚款。", in_penalty_chapter=False)
    assert "penalty" in article_roles("退役士兵弄虚作假骗取安置待遇的，取消相关安置待遇。", in_penalty_chapter=True)
    assert is_penalty_chapter("第六章　法律责任") and is_penalty_chapter("第五章　罚则") and not is_penalty_chapter("第二章　创新引领")


@pytest.mark.parametrize(
    ("relative", "question", "article"),
    [
        ("DLC/北京地方法规/地方性法规/北京/北京市自动驾驶汽车条例(2024-12-31).md", "道路应用试点主体不做车辆日常维护和检测，会受到什么处罚？", 45),
        # Art. 40 names the conduct only as 本法第十四条所列行为: Art. 14's words (串通, 哄抬) count as its own
        ("经济法/价格法(1997-12-29).md", "What penalty does a business face for price gouging or colluding with rivals to fix prices?", 40),
    ],
)
def test_penalty_questions_reach_the_penalty_for_that_conduct(relative: str, question: str, article: int) -> None:
    searcher = Searcher([_other(relative)], embedder=None, log=lambda message: None, progress=False)
    assert searcher.search(question, k=3, retriever="bm25", abstain=False).hits[0].article == article


@pytest.mark.parametrize(
    ("question", "left"),
    [
        ("为什么出台这个条例？", ""),
        ("什么时候施行", ""),
        ("产业集群是什么意思？", "产业集群"),
        ("电动车年检是什么意思", "电动车年检"),
        ("这部地方规定哪天开始实行？", ""),
        ("When does it come into force?", ""),
        ("管养狗的那个规定什么时候施行？", "养狗"),  # 管 names what the regulation governs: not asked of an article
        ("充电桩管得严不严？", "充电桩管得严不严"),
    ],
)
def test_residual_is_what_the_question_asks_besides_the_role(question: str, left: str) -> None:
    assert residual(question) == left


@pytest.fixture(scope="module")
def lexical_searcher() -> Searcher:
    return Searcher([_bundled()], embedder=None, log=lambda message: None, progress=False)


@pytest.mark.parametrize(
    ("question", "article"),
    [("为什么出台？", 1), ("管哪些事？", 2), ("什么时候施行？", 43), ("非石油燃料的车怎么办？", 42), ("谁负责？", 6)],
)
def test_role_questions_reach_their_article_without_shared_words(lexical_searcher: Searcher, question: str, article: int) -> None:
    answer = lexical_searcher.search(question, k=3, retriever="bm25")
    assert not answer.abstained and answer.hits[0].article == article, [h.article for h in answer.hits]


def test_a_role_word_does_not_answer_what_the_regulation_does_not_say(lexical_searcher: Searcher) -> None:
    answer = lexical_searcher.search("电动车年检是什么意思？", retriever="bm25")
    assert answer.abstained and not answer.front


@pytest.mark.parametrize("question", ["条例哪天起生效？", "谁通过的？", "公告是第几号？", "Since when is it in force?"])
def test_front_matter_answers_questions_only_it_answers(lexical_searcher: Searcher, question: str) -> None:
    answer = lexical_searcher.search(question, retriever="bm25")
    assert not answer.abstained
    assert "announcement" in [f.kind for f in answer.front]


def test_effective_date_questions_get_the_last_article_and_the_announcement(lexical_searcher: Searcher) -> None:
    answer = lexical_searcher.search("条例哪天起生效？", retriever="bm25")
    assert answer.hits[0].article == 43 and answer.front[0].kind == "announcement"


@pytest.mark.parametrize("question", ["条例有几章？", "都有哪些章？"])
def test_contents_questions_show_the_chapter_headings(lexical_searcher: Searcher, question: str) -> None:
    contents = next(f for f in lexical_searcher.search(question, retriever="bm25").front if f.kind == "contents")
    assert contents.paragraphs[0] == "第一章　总则" and len(contents.paragraphs) == 7


def test_front_matter_is_not_shown_for_ordinary_questions(lexical_searcher: Searcher) -> None:
    assert not lexical_searcher.search("小区充电难，条例管不管？", retriever="bm25").front


@pytest.mark.parametrize("relative", OTHERS[:3])
def test_role_questions_on_other_regulations(relative: str) -> None:
    regulation = _other(relative)
    searcher = Searcher([regulation], embedder=None, log=lambda message: None, progress=False)
    last = regulation.articles[-1].number
    assert searcher.search("什么时候施行？", retriever="bm25").hits[0].article == last
    assert searcher.search("为什么出台？", retriever="bm25").hits[0].article == 1
