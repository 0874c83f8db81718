"""The store's pure text helpers: speaker names and keys, quote fingerprints, article
sketches and cursors."""

from __future__ import annotations

from typing import Any

import pytest

from services.store.text import (
    InvalidCursor,
    decode_cursor,
    encode_cursor,
    estimate_jaccard,
    quote_shingles,
    quotes_match,
    resolve_speakers,
    sketch,
    speaker_key,
    speaker_name,
    tokens,
)


@pytest.mark.parametrize(("speaker", "name", "key"), [
    ("Transport Commissioner Anna Berg", "Anna Berg", "berg"),
    ("The agriculture minister, Paul Henriksen", "Paul Henriksen", "henriksen"),
    ("Clara Jensen, an analyst at Nordbank", "Clara Jensen", "jensen"),
    ("President Donald J. Trump", "Donald J. Trump", "trump"),
    ("Trump", "Trump", "trump"),
    ("Martin Luther King Jr.", "Martin Luther King Jr.", "king"),
    ("Jürgen Müller", "Jürgen Müller", "muller"),
    ("the national weather service", "the national weather service",
     "national weather service"),
    ("Local shop owners", "Local shop owners", "local shop owners"),
    ("", None, None),
    (None, None, None),
])
def test_speaker_name_and_key(speaker: str | None, name: str | None, key: str | None) -> None:
    assert speaker_name(speaker) == name
    assert speaker_key(speaker) == key


def test_short_mentions_resolve_to_the_fullest_in_the_article() -> None:
    claims: list[dict[str, Any]] = [{"speaker": "Berg"},
                                    {"speaker": "Transport Commissioner Anna Berg"},
                                    {"speaker": None}, {"speaker": "Eriksson"}]
    assert resolve_speakers(claims) == ["Transport Commissioner Anna Berg",
                                        "Transport Commissioner Anna Berg", None, "Eriksson"]


def test_tokens_fold_case_accents_and_punctuation() -> None:
    assert tokens("Öffentliche 'DROP TABLE'; --x_y") == ["offentliche", "drop", "table", "x", "y"]
    assert tokens("a b c", 2) == ["a", "b"]


def test_quote_fingerprints_match_same_and_trimmed_statements_only() -> None:
    full = quote_shingles("We promised the bridge would be safe before it carried a single car "
                          "again, and it is.")
    trimmed = quote_shingles('"We promised the bridge would be safe before it carried a single '
                             'car again"')
    reworded = quote_shingles("We said the bridge would be safe before cars came back")
    other = quote_shingles("Half of my regulars simply stopped coming")
    assert full == quote_shingles("WE PROMISED the bridge would be safe before it carried a "
                                  "single car again -- and it is")
    assert quotes_match(len(full & trimmed), len(full), len(trimmed)) is not None
    assert quotes_match(len(full & reworded), len(full), len(reworded)) is None
    assert quotes_match(len(full & other), len(full), len(other)) is None
    assert quotes_match(0, 5, 5) is None
    assert quotes_match(2, 2, 40) is None  # a two-shingle fragment is not containment
    assert len(quote_shingles("Yes")) == 1 and quote_shingles("...") == set()


def test_sketch_estimates_body_similarity() -> None:
    words = [f"w{i}" for i in range(400)]
    body = " ".join(words)
    assert estimate_jaccard(sketch(body), sketch(body)) == 1.0
    edited = " ".join([*words[:200], "changed", *words[201:]])
    assert estimate_jaccard(sketch(body), sketch(edited)) >= 0.8
    half = " ".join(words[:200] + [f"x{i}" for i in range(200)])
    assert 0.15 <= estimate_jaccard(sketch(body), sketch(half)) <= 0.5
    assert estimate_jaccard(sketch(body), sketch("something else entirely here now")) == 0.0
    assert estimate_jaccard([], sketch(body)) == 0.0
    assert len(sketch(body)) == 64


def test_cursors_round_trip_and_refuse_anything_else() -> None:
    cursor = encode_cursor("search", [0.25, "abc"])
    assert decode_cursor("search", cursor, [float, str]) == [0.25, "abc"]
    assert decode_cursor("search", encode_cursor("search", [1, "a"]), [float, str]) == [1.0, "a"]
    for bad in ("", "!!", "e30", encode_cursor("claims", [0.25, "abc"]),
                encode_cursor("search", [0.25]), encode_cursor("search", ["x", "abc"]),
                encode_cursor("search", [True, "abc"]), encode_cursor("search", [0.1, "a\x00"]),
                "A" * 2000):
        with pytest.raises(InvalidCursor):
            decode_cursor("search", bad, [float, str])
