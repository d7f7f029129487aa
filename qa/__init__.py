"""Question answering over the Anhui NEV Industry Cluster Regulations: cited articles, never generated text.

The public API, in the order data flows::

    regulation = load_corpus("corpus/anhui-nev-clusters")        # or load_library(path) for many
    searcher = Searcher([regulation])                             # builds or loads the FAISS index
    answer = searcher.search("增程式的车算新能源车吗？")           # -> Answer(hits=(Hit, ...), abstained=...)
"""

from qa.corpus import Article, Chapter, CorpusError, Paragraph, Regulation, citation_en, citation_zh, load_corpus, load_library
from qa.search import Abstention, Answer, FrontHit, Highlight, Hit, Ranking, Searcher

__all__ = [
    "Abstention",
    "Answer",
    "Article",
    "Chapter",
    "CorpusError",
    "FrontHit",
    "Highlight",
    "Hit",
    "Paragraph",
    "Ranking",
    "Regulation",
    "Searcher",
    "citation_en",
    "citation_zh",
    "load_corpus",
    "load_library",
]
