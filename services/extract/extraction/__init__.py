"""Article extraction core: one HTML page in, clean article text and metadata out.

Pure Python, no Kafka: the extract service calls :func:`extract_article` in its parser pool.
"""

from newswire.errors import EmptyExtraction, NotAnArticle

from .core import extract_article
from .model import ExtractedArticle

__all__ = ["EmptyExtraction", "ExtractedArticle", "NotAnArticle", "extract_article", "warm_up"]


def warm_up() -> None:
    """Load what the first page would otherwise pay for (the language model, ~0.6 s)."""
    from .language import warm_up as language_warm_up

    language_warm_up()
