"""One speaker-name normaliser for the whole pipeline: the claims stage (resolving who said
something inside one article) and the store (matching one speaker across articles and outlets)
read names with the same word lists and the same rules.

- ``ROLE_WORDS``: words that name a role or title rather than a person ("Transport
  Commissioner Anna Berg" -> "Anna Berg"), plus the determiners and glue words that can stand
  before a name in a speaker phrase.
- ``strip_titles``: leading role words off a name ("Sen. Bernie Sanders" -> "Bernie Sanders").
- ``speaker_name``: the person's name inside a speaker phrase, or the phrase itself when it
  names no person ("the national weather service").
- ``speaker_key``: what two mentions of one speaker share: the surname of a person, or the
  folded phrase of a non-person. A tail the attribution dragged into the speaker span ("Trump
  himself", "President Trump undercut") does not change the key.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["ROLE_WORDS", "speaker_key", "speaker_name", "strip_titles", "tokens"]

_WORD = re.compile(r"\w+", re.UNICODE)

ROLE_WORDS = frozenset("""
president vice prime minister secretary senator sen sens rep reps representative governor gov
govs pres mayor commissioner chancellor chief executive officer ceo cfo chair chairman
chairwoman chairperson director spokesman spokeswoman spokesperson member councillor councilor
councilman councilwoman council leader head judge justice general gen lt colonel col captain
capt sergeant sgt inspector detective sheriff professor prof dr doctor mr mrs ms mx miss rev
pope minister's analyst economist founder cofounder co-founder manager coach striker midfielder
hydrologist scientist researcher lawyer attorney ambassador envoy deputy assistant speaker
former candidate nominee democrat democratic republican gop rival aide adviser advisor press
correspondent host anchor businessman businesswoman u.s. u.s state white house senate
majority minority campaign presidential
the a an our of at for and his her their its said
""".split())
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})
_DETERMINERS = ("the ", "a ", "an ")
# Lower-case words that can trail a name in a speaker span without changing who it is: the
# reflexive of "Trump himself", the verb of "President Trump undercut", a reporting verb.
_TRAILING = frozenset("""
himself herself themselves itself also too again then later earlier now once still alone
said says say told tells added adds wrote writes noted notes argued argues insisted insists
claimed claims stated states warned warns explained explains replied replies responded
tweeted tweets undercut undercuts countered counters suggested suggests acknowledged admitted
conceded declared announced asserted contended maintained repeated recalled predicted promised
""".split())


def _fold(text: str) -> str:
    """Casefold and drop accents, so "Müller" and "Muller" compare equal. ASCII text has
    nothing to decompose or drop: casefolding is all (the per-character pass below was a
    third of the store's CPU per article)."""
    if text.isascii():
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def tokens(text: str, limit: int | None = None) -> list[str]:
    """Lower-case word tokens without accents (underscores count as separators)."""
    out = _WORD.findall(_fold(text).replace("_", " "))
    return out[:limit] if limit is not None else out


def _is_role(word: str) -> bool:
    return word.lower().strip(".,'’") in ROLE_WORDS or word.lower() in ROLE_WORDS


def strip_titles(name: str) -> str:
    """Leading role words off a name, keeping at least one word."""
    words = name.split()
    while len(words) > 1 and _is_role(words[0]):
        words.pop(0)
    return " ".join(words)


def _drop_trailing(words: list[str]) -> list[str]:
    """A capitalised name followed only by words that cannot change who it is: drop them."""
    end = len(words)
    while end > 1 and words[end - 1][:1].islower() and (
            words[end - 1] in _TRAILING or words[end - 1].endswith("ed")):
        end -= 1
    if end < len(words) and words[end - 1][:1].isupper():
        return words[:end]
    return words


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
    words = _drop_trailing(speaker.replace(",", " , ").split())
    start = 0
    for i, word in enumerate(words):
        rest = [w for w in words[i + 1:] if w.strip(".").lower() not in _SUFFIXES]
        # a role word only counts when a name follows it ("Martin Luther King Jr." keeps King)
        if (_is_role(word) or word == ",") and any(w[:1].isupper() for w in rest):
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
