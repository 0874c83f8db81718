"""Speaker resolution: a mention ("he", "Sanders", "the newspaper") → the fullest name
the article gives for that entity.

Heuristics, in order:
- a pronoun → the most recent resolved person speaker before it, else the most recent
  person-like name in the text before it;
- a mention containing a capitalised name → the longest name in the article ending in the
  same surname (titles stripped): "Sanders" → "Sarah Sanders";
- "the newspaper/agency/network/campaign/…" → the nearest preceding organisation name
  whose words fit that noun: "the newspaper" → "The Washington Post";
- otherwise the mention itself.
"""

from __future__ import annotations

import re

from newswire.names import ROLE_WORDS
from newswire.names import strip_titles as _strip_titles

_TITLES = ROLE_WORDS
_PERSON_PRONOUNS = frozenset("he she him her his hers".split())
_PLURAL_PRONOUNS = frozenset("they them we".split())
_NAME = re.compile(
    r"\b[A-Z][a-zA-Z’'\-]+(?:\s+(?:[A-Z]\.\s*)*(?:(?:de|van|von|al|bin|da|del|la|le)\s+)?[A-Z][a-zA-Z’'\-]+)+"
)
_ORG_NOUNS: dict[str, tuple[str, ...]] = {
    "newspaper": ("Post", "Times", "Journal", "Tribune", "Herald", "Gazette", "Globe", "News", "Daily", "Observer", "Guardian", "Telegraph", "Chronicle", "Inquirer"),
    "paper": ("Post", "Times", "Journal", "Tribune", "Herald", "Gazette", "Globe", "News", "Daily", "Guardian", "Chronicle"),
    "outlet": ("Post", "Times", "Journal", "News", "CNN", "Fox", "NBC", "ABC", "CBS", "Politico", "Breitbart", "Reuters", "Press"),
    "network": ("CNN", "NBC", "ABC", "CBS", "Fox", "MSNBC", "News", "Network", "Broadcasting"),
    "agency": ("Agency", "Administration", "Bureau", "Service", "Department", "FBI", "CIA", "Reuters", "Press", "Commission"),
    "department": ("Department",),
    "bureau": ("Bureau", "FBI"),
    "committee": ("Committee",),
    "campaign": ("campaign", "Campaign", "for America", "for President"),
    "company": ("Inc", "Corp", "Company", "Co.", "Group", "LLC"),
    "group": ("Group", "Association", "Foundation", "Institute", "Center", "Council", "Coalition", "Fund", "PAC", "Project"),
    "organization": ("Group", "Association", "Foundation", "Institute", "Center", "Council", "Organization", "Fund", "Project"),
    "university": ("University", "College"),
    "poll": ("Poll", "poll", "Survey", "survey", "Quinnipiac", "Gallup", "Rasmussen", "Monmouth", "Marist"),
    "survey": ("Poll", "poll", "Survey", "survey"),
    "administration": ("Administration", "administration", "White House"),
    "magazine": ("Magazine", "Time", "Atlantic", "Newsweek", "Review", "Monthly"),
}
_ORG_NAME = re.compile(
    r"\b(?:The |the )?(?:[A-Z][\w&’'\-]*\.? )*(?:[A-Z][\w.&’'\-]*)(?: (?:of|for|on) (?:the )?[A-Z][\w’'\-]*(?: [A-Z][\w’'\-]*)*)?"
)
_POSSESSIVE = re.compile(r"(?:’s|'s)$")
_RELATIVE = frozenset("who which that".split())
_NAME_AT_END = re.compile(r"[A-Z][\w.’'\-]*(?:\s+[A-Z][\w.’'\-]*)*$")
# up to four words ending the text, none of them a preposition, conjunction or verb-like
_NP_AT_END = re.compile(
    r"(?:\b(?!(?:of|in|on|at|to|for|with|by|from|and|or|but|is|was|are|were|has|had|have)\b)[\w’'\-]+\s+){0,3}[\w’'\-]+$"
)
_CAMPAIGN = re.compile(r"\b([A-Z][a-z]+)(?:’s|'s)?\s+campaign\b")


def _first_name_run(words: list[str]) -> list[str]:
    """The first run of capitalised words after titles: "Her rival, businessman Carl Henning"
    → ["Carl", "Henning"]."""
    run: list[str] = []
    for w in words:
        clean = w.strip(",.’'")
        if clean[:1].isupper() and clean.lower() not in _TITLES:
            run.append(clean)
            if w.endswith(","):
                break
        elif run:
            break
    return run


class SpeakerResolver:
    """Resolves mentions against one article's names. Build once per article."""

    def __init__(self, text: str, limit: int = 200_000) -> None:
        self.text = text
        self.names: list[tuple[int, str]] = []  # (position, name without titles)
        by_last: dict[str, str] = {}
        for m in _NAME.finditer(text, 0, min(len(text), limit)):
            name = _strip_titles(m.group().replace("\n", " "))
            if len(name.split()) < 2 or name.split()[0].lower() in ("the", "but", "and", "in", "on", "as", "if", "when", "after"):
                continue
            name = _POSSESSIVE.sub("", name)
            self.names.append((m.start(), name))
            last = name.split()[-1].lower()
            if len(name) > len(by_last.get(last, "")) and len(name.split()) <= 4:
                by_last[last] = name
        self.by_last = by_last

    def resolve(self, start: int, end: int, previous: str | None) -> str:
        mention = self.text[start:end].strip()
        words = mention.split()
        if not words:
            return mention
        low = words[0].lower()
        if len(words) == 1 and low in _RELATIVE:
            return self._antecedent(start) or mention
        if len(words) == 1 and low in _PERSON_PRONOUNS | {"i"}:
            if previous:
                return previous
            return self._nearest_person(start) or mention
        if len(words) == 1 and low in _PLURAL_PRONOUNS:
            return previous or mention
        caps = _first_name_run(words)
        if caps and low not in ("the", "a", "an"):
            full = self._full_name(caps[-1])
            if full:
                return full
            return _strip_titles(" ".join(caps)) if len(caps) > 1 else mention
        if low in ("the", "this", "that") and len(words) >= 2:
            noun = words[-1].lower().strip(".,")
            org = self._nearest_org(start, noun)
            if org:
                return org
        return mention

    def _antecedent(self, pos: int) -> str | None:
        """What a relative pronoun refers to: the noun phrase just before it ("Sen. Ted
        Cruz, who …" → "Ted Cruz"; "an ad that …" → "an ad")."""
        before = self.text[max(0, pos - 120) : pos].rstrip(" ,\n")
        name = _NAME_AT_END.search(before)
        if name:
            return self._full_name(name.group().split()[-1]) or _strip_titles(name.group())
        np_ = _NP_AT_END.search(before)
        return np_.group().strip() if np_ else None

    def _full_name(self, surname: str) -> str | None:
        """The fullest name in the article with this last word ("Sanders's" → "Sarah Sanders")."""
        return self.by_last.get(_POSSESSIVE.sub("", surname).lower())

    def _nearest_person(self, pos: int) -> str | None:
        for p, name in reversed(self.names):
            if p < pos:
                return self.by_last.get(name.split()[-1].lower(), name)
        return None

    def _nearest_org(self, pos: int, noun: str) -> str | None:
        keys = _ORG_NOUNS.get(noun)
        if not keys:
            return None
        window = self.text[max(0, pos - 5000) : pos]
        if noun == "campaign":
            hits = list(_CAMPAIGN.finditer(window))
            if hits:
                return f"{hits[-1].group(1)} campaign"
        best = None
        for m in _ORG_NAME.finditer(window):
            cand = m.group().strip()
            if any(k in cand.split() or (" " in k and k in cand) for k in keys) and cand.split()[-1][:1].isupper():
                best = cand
        if best and best.lower().startswith("the ") and not best.startswith("The"):
            best = "The" + best[3:]
        return best
