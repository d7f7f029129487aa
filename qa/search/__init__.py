"""The search stage: a question in, an :class:`Answer` of cited articles (or an abstention) out.

:mod:`.citations` resolves direct citations, :mod:`.fusion` ranks and weighs evidence over score
arrays with the :mod:`.settings` (:class:`Ranking`, :class:`Abstention`), :mod:`.highlight` marks the
answering sentences, :mod:`.messages` holds every sentence shown, and :class:`Searcher` runs them in order;
:mod:`.followup` reads a short question with the previous answer.
"""

from qa.search.followup import Reading, Turn, ask_follow_up, read_follow_up
from qa.search.searcher import Prepared, Searcher, open_corpus
from qa.search.settings import DENSE_CANDIDATES, RETRIEVERS, Abstention, Ranking
from qa.search.types import Answer, CitedArticle, FrontHit, Highlight, Hit, Relevance

__all__ = [
    "Searcher",
    "Prepared",
    "open_corpus",
    "Turn",
    "Reading",
    "ask_follow_up",
    "read_follow_up",
    "Answer",
    "Hit",
    "CitedArticle",
    "FrontHit",
    "Highlight",
    "Relevance",
    "Ranking",
    "Abstention",
    "RETRIEVERS",
    "DENSE_CANDIDATES",
]
