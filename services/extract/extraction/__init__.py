"""Article extraction core: one HTML page in, clean article text and metadata out.

Pure Python, no Kafka: the extract service calls :func:`extract_article` in its parser pool.
"""

from newswire.errors import EmptyExtraction, NotAnArticle

from .core import extract_article
from .model import ExtractedArticle

__all__ = ["EmptyExtraction", "ExtractedArticle", "NotAnArticle", "extract_article", "warm_up"]


_WARM_UP_PAGE = """<html lang="en"><head><title>Warm-up story</title>
<meta property="og:site_name" content="Example"><link rel="canonical" href="https://example.com/a">
<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Warm-up story",
"datePublished": "2024-01-02", "author": {"@type": "Person", "name": "Ann Example"}}</script>
</head><body><nav><a href="/">Home</a></nav><article><h1>Warm-up story</h1>
<p class="byline">By Ann Example</p>""" + "<p>This paragraph warms up every parser, cleaner and " \
    "metadata reader once, so that the first real page does not pay for lazy imports.</p>" * 6 \
    + "</article><footer>Read more</footer></body></html>"


def warm_up() -> None:
    """Pay what the first page would otherwise pay for: one whole extraction of a small page
    loads the language model (~0.6 s) and every lazily imported module and table."""
    extract_article(_WARM_UP_PAGE, "https://example.com/a")
