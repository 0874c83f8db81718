"""extract_article on fixture pages written for these tests: body, metadata, page types."""

from __future__ import annotations

import pytest
import trafilatura

from newswire.errors import EmptyExtraction, NotAnArticle
from services.extract.extraction import ExtractedArticle, extract_article

URL = "https://courier.example.net/business/rail-operator-fined?utm_source=x"


def test_body_is_the_article_without_navigation_headline_or_footer(page):
    art = extract_article(page("basic_article.html"), "https://ledger.example.org/news/x")
    assert isinstance(art, ExtractedArticle)
    lines = art.text.split("\n")
    assert lines[0].startswith("The harbour council voted on Tuesday")  # headline not repeated
    assert lines[-1].endswith("after the storms of 2020.")
    assert len(lines) == 6
    assert "All rights reserved" not in art.text
    assert "By Maria Okafor" not in art.text


def test_meta_tag_metadata(page):
    art = extract_article(page("basic_article.html"), "https://ledger.example.org/news/x")
    assert art.title == "Harbour council approves new sea wall"
    assert art.authors == ["Maria Okafor"]
    assert art.published == "2024-03-12T08:30:00+00:00"
    assert art.modified == "2024-03-13T10:00:00+00:00"
    assert art.site_name == "The Coastal Ledger"
    assert art.language == "en"
    assert art.canonical_url == "https://ledger.example.org/news/2024/03/harbour-sea-wall"
    assert art.categories == ["Local News"]
    assert art.tags == ["infrastructure", "climate"]
    assert art.image == "https://ledger.example.org/img/sea-wall.jpg"
    assert art.is_free is None  # the page does not say
    assert art.page_type == "article"
    assert art.word_count == len(art.text.split()) > 100


def test_json_ld_metadata_and_paywall_flag(page):
    art = extract_article(page("jsonld_paywalled.html"), URL)
    assert art.title == "Rail operator fined over timetable chaos"
    assert art.authors == ["Priya Raman", "Jonas Berg"]
    assert art.published == "2023-06-01T07:15:00Z"
    assert art.modified == "2023-06-02T09:45:00Z"
    assert art.site_name == "Northern Courier"
    assert art.categories == ["Business", "Transport"]
    assert art.tags == ["rail", "regulation", "fines"]
    assert art.image == "https://courier.example.net/media/train.jpg"
    assert art.is_free is False
    # relative rel=canonical made absolute against the page URL
    assert art.canonical_url == "https://courier.example.net/business/rail-operator-fined"
    assert art.language == "en"


def test_unknown_metadata_is_null_not_guessed(page):
    art = extract_article(page("german_article.html"), "https://stadt.example.de/radwege")
    assert art.language == "de"
    assert art.title == "Stadt baut neue Radwege"
    assert art.authors == []
    assert art.published is None and art.modified is None
    assert art.site_name is None
    assert art.canonical_url is None
    assert art.image is None
    assert art.categories == [] and art.tags == []
    assert art.is_free is None


def test_json_ld_body_that_disagrees_with_the_page_is_ignored(page):
    art = extract_article(page("jsonld_disagrees.html"))
    assert "central library will stay open" in art.text
    assert "chocolate" not in art.text


def test_json_ld_body_confirmed_by_the_page_fills_in_what_the_extractor_missed(page):
    html = page("jsonld_only_body.html")
    plain = trafilatura.extract(html, favor_precision=True, include_comments=False) or ""
    assert "stone bridge" not in plain  # the premise: the extractor alone misses the body
    art = extract_article(html)
    assert art.text.split("\n") == [
        "The old stone bridge over the river reopened to traffic on Monday after eight months "
        "of repairs to its foundations.",
        "Engineers replaced more than forty damaged blocks and reinforced the central arch with "
        "steel anchors hidden inside the masonry.",
        "Local shops said business had fallen by a third while the bridge was closed, and they "
        "hope customers will now return before the holidays.",
    ]


def test_boilerplate_lines_are_removed(page):
    art = extract_article(page("boilerplate_article.html"))
    text = art.text
    assert text.startswith("A team of marine scientists")  # headline paragraph dropped
    for junk in ("Read more", "Whales return", "newsletter", "Share this", "Reporting by",
                 "Coral reefs", "Related"):
        assert junk not in text, junk
    assert text.count("research vessel Albatross during the survey") <= 1
    assert "Dr Helen Marsh" in text
    assert text.rstrip().endswith("the team said on Friday.")


def test_article_split_into_chunks_is_reassembled(page):
    art = extract_article(page("split_body.html"))
    assert "Every weekday morning" in art.text
    assert "The transport committee will vote" in art.text
    assert art.text.index("Every weekday morning") < art.text.index("bus lanes before")
    assert "Advertisement" not in art.text
    assert "Our journalism depends on readers" not in art.text  # same class, other place


def test_section_index_is_not_an_article(page):
    with pytest.raises(NotAnArticle):
        extract_article(page("section_index.html"), "https://daily.example.com/world")


def test_list_of_links_yields_no_fake_body(page):
    with pytest.raises((EmptyExtraction, NotAnArticle)):
        extract_article(page("link_list_page.html"))


def test_result_is_plain_picklable_data(page):
    import pickle

    art = extract_article(page("jsonld_paywalled.html"), URL)
    assert pickle.loads(pickle.dumps(art)) == art
    d = art.to_dict()
    assert set(d) == {"text", "title", "authors", "published", "modified", "site_name",
                      "language", "canonical_url", "categories", "tags", "image", "is_free",
                      "page_type", "word_count"}
    import orjson

    assert orjson.loads(orjson.dumps(d)) == d
