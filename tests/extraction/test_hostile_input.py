"""Whatever arrives, extract_article answers with an article or a newswire error, never a crash."""

from __future__ import annotations

import pytest

from newswire.errors import EmptyExtraction, NewswireError
from services.extract.extraction import extract_article


def test_malformed_json_ld_never_breaks_extraction(page):
    art = extract_article(page("hostile_jsonld.html"), "https://arts.example.org/museum")
    assert "Two paintings stolen from the city museum" in art.text
    assert "opened on a stormy night" not in art.text
    # what the broken blocks cannot say comes from the meta tags, the rest stays unknown
    assert art.site_name == "Arts Desk"
    assert art.authors == ["Lena Fischer"]
    assert art.published == "2022-09-14"
    # the commented block with a trailing comma is repaired and read
    assert art.modified == "2022-09-15T10:00:00Z"
    assert art.is_free is None
    assert art.image is None
    assert all(isinstance(c, str) for c in art.categories + art.tags)


@pytest.mark.parametrize(
    "html",
    [
        "",
        b"",
        "   \n ",
        "<html></html>",
        b"\xff\xfe\x00\x00garbage\x80\x81",
        "no markup at all, just a sentence",
        "<html><body>" + "<script>var x = 1;</script>" * 50 + "</body></html>",
    ],
)
def test_pages_without_text_raise_empty_extraction(html):
    with pytest.raises(EmptyExtraction):
        extract_article(html)


def test_invalid_utf8_bytes_in_an_article_are_tolerated(page):
    html = page("basic_article.html").encode("utf-8")
    html = html.replace(b"eastern quay", b"eastern \xff\xfe quay")
    art = extract_article(html)
    assert "three hundred homes" in art.text


def test_declared_charset_bytes_are_decoded(page):
    html = page("german_article.html").replace('charset="utf-8"', 'charset="iso-8859-1"')
    art = extract_article(html.encode("iso-8859-1"))
    assert "Bürgermeisterin" in art.text


@pytest.mark.parametrize(
    "html",
    [
        "<div>" * 20000 + "deep" + "</div>" * 20000,
        "<html><body>" + "<p>" + "word " * 200_000 + "</p></body></html>",
        "<html><body><article>"
        + "<p>Paragraph number %d of a very long page about nothing much at all.</p>" * 1
        + "".join(f"<p>Paragraph number {i} of a very long page about nothing much at all.</p>"
                  for i in range(20000))
        + "</article></body></html>",
        "<<<>>><html <body <p>>>>" * 1000,
        "\x00" * 1000,
    ],
    ids=["deep-nesting", "huge-paragraph", "many-paragraphs", "tag-soup", "nul-bytes"],
)
def test_hostile_markup_gives_an_article_or_a_newswire_error(html):
    try:
        art = extract_article(html, "https://example.org/x")
    except NewswireError:
        return
    assert art.text.strip()
    assert art.word_count == len(art.text.split())


def test_wrong_argument_types_are_newswire_errors():
    with pytest.raises(EmptyExtraction):
        extract_article(None)  # type: ignore[arg-type]


def test_invalid_utf8_declared_as_utf8_is_never_mojibake() -> None:
    from newswire.errors import EmptyExtraction
    from services.extract.extraction import extract_article

    bad = b"\xff\xfe\xc3\x28\xa0\xa1\xe2\x28" * 500
    with pytest.raises(EmptyExtraction):
        extract_article(b'<html><head><meta charset="utf-8"></head><body><p>' + bad
                        + b"</p></body></html>")
    words = " ".join(["The council approved the budget on Tuesday after a long debate."] * 12)
    page = (b'<html><head><meta charset="utf-8"><title>Budget</title></head><body><article>'
            b"<p>" + words.encode() + b" caf\xe9 \xff</p><p>" + words.encode()
            + b"</p></article></body></html>")
    text = extract_article(page).text
    assert "council approved" in text
    assert "\u0432" not in text and "\u0451" not in text  # no cp1251 guess
