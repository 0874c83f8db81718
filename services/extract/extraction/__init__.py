"""Article extraction core: one HTML page in, clean article text and metadata out.

Pure Python, no Kafka: the extract service calls :func:`extract_article` in its parser pool.
"""

from newswire.errors import EmptyExtraction, NotAnArticle

from .core import extract_article
from .model import ExtractedArticle

__all__ = ["EmptyExtraction", "ExtractedArticle", "NotAnArticle", "extract_article"]
