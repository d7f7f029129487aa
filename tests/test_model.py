"""Regulations as plain data: article keys and labels, and citations in Chinese and English."""

from __future__ import annotations

from pathlib import Path

from qa.corpus import Article, Paragraph, Regulation, article_number_en, citation_en, citation_zh, load_corpus

BUNDLED = Path(__file__).resolve().parents[1] / "corpus" / "anhui-nev-clusters"


def test_citations() -> None:
    regulation = load_corpus(BUNDLED)
    assert citation_zh(regulation, 3, 2) == "《安徽省新能源汽车产业集群发展条例》第三条第二款"
    assert citation_zh(regulation, 3) == "《安徽省新能源汽车产业集群发展条例》第三条"
    assert citation_en(regulation, 3, 2) == "Anhui NEV Industry Cluster Regulations, Art. 3(2)"
    assert citation_en(regulation, 43) == "Anhui NEV Industry Cluster Regulations, Art. 43"


# 刑法/刑法.md line 1449, the first paragraph of 第二百五十三条之一, copied exactly
ARTICLE_253_1 = "违反国家有关规定，向他人出售或者提供公民个人信息，情节严重的，处三年以下有期徒刑或者拘役，并处或者单处罚金；情节特别严重的，处三年以上七年以下有期徒刑，并处罚金。"


def test_inserted_article_labels_and_citations() -> None:
    inserted = Article(253, (Paragraph(1, ARTICLE_253_1),), suffix=1)
    assert inserted.key == (253, 1) and inserted.label_zh == "第二百五十三条之一" and inserted.number_en == "253-1"
    assert Article(253, (Paragraph(1, ARTICLE_253_1),)).key == (253, 0)  # constructors without suffix keep working
    criminal_law = Regulation(id="criminal-law", title="中华人民共和国刑法", articles=(inserted,))
    assert criminal_law.article(253, 1) is inserted and criminal_law.article(253) is None
    assert citation_zh(criminal_law, 253, suffix=1) == "《中华人民共和国刑法》第二百五十三条之一"
    assert citation_zh(criminal_law, 253, 1, suffix=1) == "《中华人民共和国刑法》第二百五十三条之一第一款"
    assert citation_en(criminal_law, 253, suffix=1) == "中华人民共和国刑法, Art. 253-1"
    assert citation_en(criminal_law, 253, 1, suffix=1) == "中华人民共和国刑法, Art. 253-1(1)"
    assert citation_zh(criminal_law, 253) == "《中华人民共和国刑法》第二百五十三条"
    assert (article_number_en(17), article_number_en(17, 1)) == ("17", "17-1")
    assert criminal_law.total_articles == 1  # only inserted articles loaded: count what there is
