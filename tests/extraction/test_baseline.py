from __future__ import annotations

import pytest

from newswire.errors import EmptyExtraction
from services.extract.extraction import ExtractedArticle, extract_article


def test_body_text_is_the_article_without_navigation_or_footer(page):
    art = extract_article(page("basic_article.html"), "https://ledger.example.org/news/x")
    assert isinstance(art, ExtractedArticle)
    assert "The harbour council voted on Tuesday" in art.text
    assert "eighteen months" in art.text
    assert "All rights reserved" not in art.text
    assert "Sport" not in art.text.split()
    assert art.word_count == len(art.text.split())
    assert art.to_dict()["text"] == art.text


@pytest.mark.parametrize("html", ["", b"", "<html></html>", b"\xff\xfe\x00garbage"])
def test_pages_without_text_raise_empty_extraction(html):
    with pytest.raises(EmptyExtraction):
        extract_article(html)
