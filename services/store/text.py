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
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson

from newswire.names import speaker_key, speaker_name, tokens

__all__ = [
    "DUPLICATE_JACCARD",
    "QUOTE_CONTAINMENT",
    "QUOTE_JACCARD",
    "SKETCH_SIZE",
    "InvalidCursor",
    "content_words",
    "decode_cursor",
    "encode_cursor",
    "estimate_jaccard",
    "keyed_hash",
    "padded",
    "paraphrase_match",
    "quote_shingles",
    "quoted_shingles",
    "quotes_match",
    "resolve_speakers",
    "sketch",
    "speaker_key",
    "speaker_name",
    "tokens",
    "utc_timestamp",
]

QUOTE_JACCARD = 0.6
QUOTE_CONTAINMENT = 0.8
DUPLICATE_JACCARD = 0.8
SKETCH_SIZE = 64
MAX_QUOTE_SHINGLES = 128
PARAPHRASE_MIN_SHARED = 4
PARAPHRASE_OVERLAP = 0.6
# function words and the vocabulary of reporting itself: sharing them says nothing
_STOP_WORDS = frozenset('''
a about above after again against all also am an and any are as at be because been before
being below between both but by can could did do does doing down during each few for from
further had has have having he her here hers herself him himself his how i if in into is it
its itself just me more most my myself no nor not now of off on once only or other our ours
out over own same she should so some such than that the their theirs them themselves then
there these they this those through to too under until up very was we were what when where
which while who whom why will with would you your yours going get got gets go goes went
said says say saying told tell tells added adds according think thinks thought believe
believes want wants wanted know knows knew really very lot thing things people way
'''.split())

def utc_timestamp(moment: datetime) -> str:
    """A UTC timestamp with a fixed shape, so text order is time order (for keysets)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    return f"{moment.year:04d}{moment:-%m-%dT%H:%M:%S.%f}Z"  # %Y is not padded below 1000


def padded(words: Iterable[str]) -> str:
    """' a b c ': a column value that word-boundary LIKE patterns ('% b %') can match."""
    return " " + " ".join(words) + " "


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


def keyed_hash(key: str, value: int) -> int:
    """A stable 63-bit hash of a fingerprint hash under a key (a speaker key)."""
    return _hash63(f"{key}\x00{value}")


def quote_shingles(text: str, namespace: str = "") -> set[int]:
    """The fingerprint of a quote: hashed word 3-grams (the whole text when shorter)."""
    words = tokens(text)
    if not words:
        return set()
    if len(words) < 3:
        return {_hash63(namespace + " ".join(words))}
    grams = {_hash63(namespace + " ".join(words[i:i + 3])) for i in range(len(words) - 2)}
    return set(sorted(grams)[:MAX_QUOTE_SHINGLES]) if len(grams) > MAX_QUOTE_SHINGLES \
        else grams


def quoted_shingles(text: str, direct: bool) -> set[int]:
    """The fingerprint of the words a claim puts in quotation marks: the quoted fragments
    when the text carries quotation marks ('Trump said a deal would come "in the
    not-too-distant future"'), else all of a direct quote. Kept in a namespace of its own, so
    one outlet's fragment and another's full sentence meet by containment whichever of the
    two is stored first, and words around the quotation marks (an attribution the claims stage
    kept in the span) do not dilute the match."""
    fragments = [m.group(1) for m in _QUOTED.finditer(text)]
    if fragments:
        return quote_shingles(" … ".join(f for f in fragments if len(tokens(f)) >= 3), "q\x00")
    return quote_shingles(text, "q\x00") if direct else set()


def quotes_match(shared: int, size_a: int, size_b: int) -> float | None:
    """Similarity of two quote fingerprints from their sizes and intersection, or None when
    they are not the same statement. A fragment of five words or more ("in the not-too-distant
    future") inside the other outlet's full sentence matches by containment."""
    if shared <= 0 or size_a <= 0 or size_b <= 0:
        return None
    jaccard = shared / (size_a + size_b - shared)
    if jaccard >= QUOTE_JACCARD:
        return round(jaccard, 4)
    smaller = min(size_a, size_b)
    if smaller >= 3 and shared / smaller >= QUOTE_CONTAINMENT:
        return round(shared / smaller, 4)
    return None


_QUOTED = re.compile(r"[\"“”„«»]([^\"“”„«»]{8,}?)[\"“”„«»]")


def content_words(text: str) -> set[int]:
    """The paraphrase fingerprint of a statement: its content words (stop words out, a light
    suffix stem so "promised"/"promises" meet), hashed in a namespace of their own so they
    never collide with the word 3-gram shingles kept in the same table."""
    words = {_stem(w) for w in tokens(text, 400) if w not in _STOP_WORDS and not w.isdigit()}
    return {_hash63("w\x00" + w) for w in words if len(w) > 2}


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s", "ly"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def paraphrase_match(shared: int, size_a: int, size_b: int) -> float | None:
    """Two statements by one speaker saying the same in other words: at least
    PARAPHRASE_MIN_SHARED content words in common, covering PARAPHRASE_OVERLAP of the shorter
    statement's content words."""
    smaller = min(size_a, size_b)
    if smaller <= 0 or shared < PARAPHRASE_MIN_SHARED:
        return None
    overlap = shared / smaller
    return round(overlap, 4) if overlap >= PARAPHRASE_OVERLAP else None


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
