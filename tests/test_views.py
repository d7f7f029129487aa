"""The app's page fragments: the partial-corpus banner, the article browser's view of present,
missing and impossible articles, inserted articles (第十七条之一) apart from their base article."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from qa.app.views import article_view_html, banner_html, coverage_grid_html
from qa.search.searcher import Searcher
from tests.answers import FakeSearcher, partial_regulation


def test_banner_states_what_is_loaded_in_both_languages() -> None:
    banner = banner_html([partial_regulation()])
    assert "第一条至第二条（全文共五条）" in banner and "Articles 1–2 of 5" in banner
    assert "qa import" in banner
    complete = replace(partial_regulation(), declared_articles=2)
    assert "qa-banner" not in banner_html([complete])


def test_article_view_shows_missing_articles_as_not_loaded_without_text() -> None:
    searcher = FakeSearcher(partial_regulation())
    loaded = article_view_html(searcher, 1)
    assert "第一条的文字&lt;b&gt;。" in loaded
    missing = article_view_html(searcher, 4)
    assert "qa-missing" in missing and "第四条" in missing and "not loaded" in missing
    assert "qa-para" not in missing  # no article text is invented
    beyond = article_view_html(searcher, 9)
    assert "no Article 9" in beyond


def test_coverage_grid_links_loaded_articles_and_greys_the_rest() -> None:
    grid = coverage_grid_html(partial_regulation())
    assert grid.count('class="qa-in"') == 2 and grid.count('class="qa-out"') == 3
    assert 'href="?article=2"' in grid and 'href="?article=3"' not in grid


def test_inserted_articles_have_their_own_browser_entry(tmp_path: Path) -> None:
    criminal_law = Path(__file__).resolve().parents[2] / "shared" / "regulations" / "library" / "刑法" / "刑法.md"
    if not criminal_law.is_file():
        pytest.skip("../shared/regulations/library is not beside the project")
    from qa.importer.document import parse_document

    searcher = Searcher([parse_document(criminal_law)], embedder=None, index_dir=tmp_path, log=lambda m: None, progress=False)
    plain, inserted = article_view_html(searcher, "17"), article_view_html(searcher, "17-1")
    assert "第十七条" in plain and "第十七条之一" not in plain
    assert "第十七条之一" in inserted and "已满七十五周岁的人故意犯罪的" in inserted
    assert "没有第十七条之九" in article_view_html(searcher, "17-9")


def test_banner_says_when_a_lenient_import_left_the_structure_out() -> None:
    damaged = replace(partial_regulation(), declared_articles=2, structure_warnings=("lost-heading: line 3", "lost-heading: line 9"))
    banner = banner_html([damaged])
    assert "qa-structure" in banner and "2处章节标题缺损" in banner and "2 damaged chapter or section heading(s)" in banner
    assert "qa-structure" not in banner_html([replace(damaged, structure_warnings=())])
