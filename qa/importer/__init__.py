"""The importer: a published regulation (TXT, Markdown, HTML, DOCX, PDF) read into a checked corpus, its text kept exactly."""

from qa.importer.catalogue import load_catalogue
from qa.importer.document import ImportSummary, import_document, parse_document, parse_with_warnings, slugify
from qa.importer.formats import Line
from qa.importer.punctuation import is_folded, restore_fullwidth
from qa.importer.tokens import clean_title

__all__ = [
    "ImportSummary",
    "import_document",
    "parse_document",
    "parse_with_warnings",
    "slugify",
    "clean_title",
    "load_catalogue",
    "restore_fullwidth",
    "is_folded",
    "Line",
]
