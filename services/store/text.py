"""Pure text helpers for the store: word tokens, speaker names, quote fingerprints, article
sketches and opaque pagination cursors. No database here, so all of it is unit-tested alone.

Quote fingerprints (corroboration). A quote's text is casefolded, accents are dropped and it is
cut into word tokens; its fingerprint is the set of word 3-gram shingles (the whole token
sequence when it is shorter than three words), each hashed to a signed 63-bit integer so both
databases can index it. Two quotes are "the same or nearly the same statement" when
Jaccard(A, B) >= QUOTE_JACCARD, or when the shorter one is almost wholly contained in the longer
one (containment >= QUOTE_CONTAINMENT with at least 3 shingles: an outlet that trims a quote).

Article sketches (syndication). An article body is cut into word 5-gram shingles; its sketch is
the SKETCH_SIZE smallest shingle hashes (a bottom-k MinHash). The Jaccard similarity of two
bodies is estimated from the bottom-k of the union of the two sketches; wire copy republished
by another outlet scores >= DUPLICATE_JACCARD.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

import orjson

__all__ = [
    "DUPLICATE_JACCARD",
    "QUOTE_CONTAINMENT",
    "QUOTE_JACCARD",
    "SKETCH_SIZE",
    "InvalidCursor",
    "decode_cursor",
    "encode_cursor",
    "estimate_jaccard",
    "padded",
    "quote_shingles",
    "quotes_match",
    "resolve_speakers",
    "sketch",
    "speaker_key",
    "speaker_name",
    "tokens",
]

QUOTE_JACCARD = 0.6
QUOTE_CONTAINMENT = 0.8
DUPLICATE_JACCARD = 0.8
SKETCH_SIZE = 64
MAX_QUOTE_SHINGLES = 128

_WORD = re.compile(r"\w+", re.UNICODE)
# Words that name a role rather than a person; a speaker's name starts after the last of them
# ("Transport Commissioner Anna Berg" -> "Anna Berg").
_ROLE_WORDS = frozenset("""
president vice prime minister secretary senator sen rep representative governor gov mayor
commissioner chancellor chief executive officer ceo cfo chair chairman chairwoman chairperson
director spokesman spokeswoman spokesperson member councillor councilor council leader head
judge justice general gen colonel col captain capt sergeant sgt officer inspector detective
professor prof dr doctor mr mrs ms mx pope
minister's analyst economist founder cofounder co-founder manager coach striker midfielder
hydrologist scientist researcher lawyer attorney ambassador envoy deputy assistant speaker
the a an of at for and his her their its said
""".split())
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})
_DETERMINERS = ("the ", "a ", "an ")


def _fold(text: str) -> str:
    """Casefold and drop accents, so "Müller" and "Muller" compare equal."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def tokens(text: str, limit: int | None = None) -> list[str]:
    """Lower-case word tokens without accents (underscores count as separators)."""
    out = [t for t in _WORD.findall(_fold(text).replace("_", " "))]
    return out[:limit] if limit is not None else out


def padded(words: Iterable[str]) -> str:
    """' a b c ': a column value that word-boundary LIKE patterns ('% b %') can match."""
    return " " + " ".join(words) + " "


def speaker_name(speaker: str | None) -> str | None:
    """The person's name inside a resolved speaker phrase: the capitalised words after the last
    role word ("The agriculture minister, Paul Henriksen" -> "Paul Henriksen"). Phrases that
    name no person ("the national weather service") are returned unchanged."""
    if not speaker or not speaker.strip():
        return None
    head, _, tail = speaker.partition(",")
    if tail.strip()[:1].islower() and head.split() and all(
            w[:1].isupper() for w in head.split()):
        speaker = head  # an appositive: "Clara Jensen, an analyst at Nordbank"
    words = speaker.replace(",", " , ").split()
    start = 0
    for i, word in enumerate(words):
        bare = word.strip(".,'’").lower()
        rest = [w for w in words[i + 1:] if w.strip(".").lower() not in _SUFFIXES]
        # a role word only counts when a name follows it ("Martin Luther King Jr." keeps King)
        if (bare in _ROLE_WORDS or word == ",") and any(w[:1].isupper() for w in rest):
            start = i + 1
    name = [w for w in words[start:] if w != ","]
    if name and all(w[:1].isupper() for w in name):
        return " ".join(name)
    return " ".join(w for w in words if w != ",")


def speaker_key(speaker: str | None) -> str | None:
    """What two mentions of one speaker share: the surname of a person ("Donald J. Trump" and
    "President Trump" -> "trump"), or the whole folded phrase when it names no person
    ("the national weather service" -> "national weather service")."""
    name = speaker_name(speaker)
    if not name:
        return None
    words = [w for w in name.split() if w.strip(".").lower() not in _SUFFIXES]
    if words and words[-1][:1].isupper():
        key = tokens(words[-1])
        return key[-1] if key else None
    folded = " ".join(tokens(name))
    for det in _DETERMINERS:
        folded = folded.removeprefix(det)
    return folded or None


def resolve_speakers(claims: Sequence[dict[str, Any]]) -> list[str | None]:
    """Each claim's speaker with short mentions resolved inside the article: a claim credited
    to "Berg" gets the longest speaker phrase of the same article that ends in that surname
    ("Transport Commissioner Anna Berg")."""
    longest: dict[str, str] = {}
    for claim in claims:
        speaker = claim.get("speaker")
        if not isinstance(speaker, str) or not speaker.strip():
            continue
        key = speaker_key(speaker)
        if key and len(speaker) > len(longest.get(key, "")):
            longest[key] = speaker.strip()
    out: list[str | None] = []
    for claim in claims:
        speaker = claim.get("speaker")
        if not isinstance(speaker, str) or not speaker.strip():
            out.append(None)
            continue
        key = speaker_key(speaker)
        out.append(longest.get(key, speaker.strip()) if key else speaker.strip())
    return out


def _hash63(text: str) -> int:
    """A stable signed 63-bit hash (fits BIGINT and SQLite INTEGER)."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big") >> 1


def quote_shingles(text: str) -> set[int]:
    """The fingerprint of a quote: hashed word 3-grams (the whole text when shorter)."""
    words = tokens(text)
    if not words:
        return set()
    if len(words) < 3:
        return {_hash63(" ".join(words))}
    grams = {_hash63(" ".join(words[i:i + 3])) for i in range(len(words) - 2)}
    return set(sorted(grams)[:MAX_QUOTE_SHINGLES]) if len(grams) > MAX_QUOTE_SHINGLES \
        else grams


def quotes_match(shared: int, size_a: int, size_b: int) -> float | None:
    """Similarity of two quote fingerprints from their sizes and intersection, or None when
    they are not the same statement."""
    if shared <= 0 or size_a <= 0 or size_b <= 0:
        return None
    jaccard = shared / (size_a + size_b - shared)
    if jaccard >= QUOTE_JACCARD:
        return round(jaccard, 4)
    smaller = min(size_a, size_b)
    if smaller >= 3 and shared / smaller >= QUOTE_CONTAINMENT:
        return round(shared / smaller, 4)
    return None


def sketch(text: str, size: int = SKETCH_SIZE) -> list[int]:
    """Bottom-k MinHash of the body's word 5-gram shingles (sorted, at most ``size``)."""
    words = tokens(text)
    if len(words) < 5:
        grams = {_hash63(" ".join(words))} if words else set()
    else:
        grams = {_hash63(" ".join(words[i:i + 5])) for i in range(len(words) - 4)}
    return sorted(grams)[:size]


def estimate_jaccard(a: Sequence[int], b: Sequence[int], size: int = SKETCH_SIZE) -> float:
    """Jaccard estimate from two bottom-k sketches: the share of the union's k smallest hashes
    that are in both."""
    if not a or not b:
        return 0.0
    set_a, set_b = set(a), set(b)
    union = sorted(set_a | set_b)[:size]
    both = sum(1 for h in union if h in set_a and h in set_b)
    return both / len(union)


class InvalidCursor(ValueError):
    """A pagination cursor that this API did not hand out (or that belongs to another list)."""


def encode_cursor(kind: str, values: Sequence[Any]) -> str:
    """An opaque cursor: URL-safe base64 of ``[kind, *values]``."""
    raw = orjson.dumps([kind, *values])
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(kind: str, cursor: str, types: Sequence[type]) -> list[Any]:
    """The values inside a cursor, checked against the list it belongs to and their types."""
    if len(cursor) > 1024:
        raise InvalidCursor("cursor too long")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = orjson.loads(raw)
    except (binascii.Error, ValueError, orjson.JSONDecodeError):
        raise InvalidCursor("cursor is not one this API handed out") from None
    if not isinstance(data, list) or not data or data[0] != kind:
        raise InvalidCursor(f"cursor does not belong to this list ({kind})")
    values = data[1:]
    if len(values) != len(types):
        raise InvalidCursor("cursor has the wrong shape")
    out = []
    for value, typ in zip(values, types, strict=True):
        if typ is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, typ) or isinstance(value, bool):
            raise InvalidCursor("cursor has the wrong shape")
        if isinstance(value, str) and ("\x00" in value or len(value) > 256):
            raise InvalidCursor("cursor has the wrong shape")
        out.append(value)
    return out
