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

from newswire.names import ROLE_WORDS, strip_titles

from .phrases import _leading_np

_TITLES = ROLE_WORDS
_strip_titles = strip_titles  # the store's rules too (tests/unit/test_names.py)
_PERSON_PRONOUNS = frozenset("he she him her his hers".split())
_PLURAL_PRONOUNS = frozenset("they them we".split())
_GROUP_POSSESSIVES = frozenset("their its".split())
_NAME = re.compile(
    r"\b[A-Z][a-zA-Z’'\-]+(?:\s+(?:[A-Z]\.\s*)*(?:(?:de|van|von|al|bin|da|del|la|le)\s+)?[A-Z][a-zA-Z’'\-]+)+"
)
_ORG_NOUNS: dict[str, tuple[str, ...]] = {
    "newspaper": ("Post", "Times", "Journal", "Tribune", "Herald", "Gazette", "Globe", "News",
                  "Daily", "Observer", "Guardian", "Telegraph", "Chronicle", "Inquirer"),
    "paper": ("Post", "Times", "Journal", "Tribune", "Herald", "Gazette", "Globe", "News", "Daily",
              "Guardian", "Chronicle"),
    "outlet": ("Post", "Times", "Journal", "News", "CNN", "Fox", "NBC", "ABC", "CBS", "Politico",
               "Breitbart", "Reuters", "Press"),
    "network": ("CNN", "NBC", "ABC", "CBS", "Fox", "MSNBC", "News", "Network", "Broadcasting"),
    "agency": ("Agency", "Administration", "Bureau", "Service", "Department", "FBI", "CIA",
               "Reuters", "Press", "Commission"),
    "department": ("Department",),
    "bureau": ("Bureau", "FBI"),
    "committee": ("Committee",),
    "campaign": ("campaign", "Campaign", "for America", "for President"),
    "company": ("Inc", "Corp", "Company", "Co.", "Group", "LLC"),
    "group": ("Group", "Association", "Foundation", "Institute", "Center", "Council", "Coalition",
              "Fund", "PAC", "Project"),
    "organization": ("Group", "Association", "Foundation", "Institute", "Center", "Council",
                     "Organization", "Fund", "Project"),
    "university": ("University", "College"),
    "poll": ("Poll", "poll", "Survey", "survey", "Quinnipiac", "Gallup", "Rasmussen", "Monmouth",
             "Marist"),
    "survey": ("Poll", "poll", "Survey", "survey"),
    "administration": ("Administration", "administration", "White House"),
    "magazine": ("Magazine", "Time", "Atlantic", "Newsweek", "Review", "Monthly"),
}
_ORG_NAME = re.compile(
    r"\b(?:The |the )?(?:[A-Z][\w&’'\-]*\.? )*(?:[A-Z][\w.&’'\-]*)"
    r"(?: (?:of|for|on) (?:the )?[A-Z][\w’'\-]*(?: [A-Z][\w’'\-]*)*)?"
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
    → ["Carl", "Henning"]; a run that a common noun ends is a modifier of the next one:
    "George W. Bush speechwriter Noam Neusner" → ["Noam", "Neusner"]."""
    head: list[str] = []
    for w in words:
        if w.endswith(",") or w.lower() in ("of", "for", "from", "at", "in", "and"):
            break
        head.append(w)
    runs: list[list[str]] = [[]]
    for w in head:
        clean = w.strip(",.’'")
        if clean[:1].isupper() and clean.lower() not in _TITLES:
            runs[-1].append(clean)
        elif runs[-1]:
            runs.append([])
    named = [r for r in runs if r]
    if len(named) >= 2 and len(named[-1]) >= 2:
        return named[-1]
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


# Gender cues for pronoun agreement: common first names (US news) and titles.
_FEMALE_FIRST = frozenset(
    """hillary carly nancy sarah elizabeth nikki kellyanne huma debbie michelle melania ivanka
    megyn jill susan mary patricia jennifer linda barbara margaret lisa karen betty helen sandra
    donna carol ruth sharon laura emily kimberly deborah jessica amy anna rebecca kathleen martha
    amanda stephanie christine maria janet catherine heather diane julie joyce victoria kelly
    joan evelyn judith cheryl megan andrea hannah jacqueline gloria teresa ann sara janice
    julia marie madeleine kirsten claire tammy dianne kamala condoleezza madeline valerie loretta
    katie jane rachel hope jan cathy kathy donna dana ana samantha lindsay alice rosa
    angela theresa marsha joni kelly ayotte""".split()
)
_MALE_FIRST = frozenset(
    """donald bernie ted marco jeb ben john chris rand mike mitch paul barack joe bill george
    james robert michael william david richard joseph thomas charles daniel matthew mark steven
    andrew kenneth kevin brian edward ronald timothy jason jeffrey ryan jacob gary eric jonathan
    stephen larry justin scott brandon frank benjamin gregory samuel raymond patrick alexander
    jack dennis jerry tyler aaron jose henry adam douglas nathan peter zachary kyle walter harold
    carl jeremy keith roger gerald ethan arthur terry christian sean lawrence austin noah jesse
    joe bryan billy bruce albert willie gabriel logan alan juan wayne roy ralph randy eugene
    vincent russell louis bobby philip johnny harry reince newt rudy corey sean tim jim bob tom
    dick lindsey rick reid orrin lamar elijah vladimir bashar xi""".split()
)
_TITLED = re.compile(r"\b(Mr|Mrs|Ms|Miss)\.?\s+([A-Z][\w’'\-]+)")
_TRAILING_TIME = re.compile(
    r"\s+(?:on|last|this|earlier|late|early)\s+(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|"
    r"week|month|year|night|morning|afternoon|evening|weekend|fall|spring|summer|winter)\b.*$"
)
_NOT_NAME_FIRST = frozenset(
    "one two three four five several some many most all both each few other others another".split()
)
_REFLEXIVE = frozenset("himself herself themselves itself myself ourselves".split())
_NAME_WORD = re.compile(r"[A-Z][\w.’'\-]*$")
# a sentence or quotation boundary: an antecedent in the same sentence lies after it
_SENTENCE_STOP = re.compile(r"[.!?][\"”’)]*\s|[“”\"\n]")
_CAP_WORDS = re.compile(r"\b[A-Z][\w.’'\-]*(?:\s+[A-Z][\w.’'\-]*)*")
_NAME_PARTICLES = frozenset("de van von al bin da del la le".split())
_PLACE_PREPS = frozenset("in at from to of into across near outside inside for on by".split())
_NOT_PERSON_WORDS = frozenset(
    """States Hampshire York Carolina Dakota Jersey Virginia Mexico County City House Senate
    Party Committee Campaign Department Administration Court University College News Times
    Post Journal Press Street America Americans Republicans Democrats Congress Group
    Association Foundation Institute Center Council Coalition Agency Bureau Service Network
    Company Fund Project Poll Survey Officials Experts""".split()
)


def trim_mention(
    text: str, start: int, end: int, verbs: frozenset[str] = frozenset()
) -> tuple[int, int]:
    """A speaker mention without a verb or modifier it took from the clause: "President Trump
    undercut" → "President Trump", "Trump himself" → "Trump", "Clinton reportedly" → "Clinton".
    ``verbs``: the cue lexicon's word forms ("says"; a plural noun as in "Sanders supporters"
    is no verb)."""
    time = _TRAILING_TIME.search(text, start, end)
    if time and time.start() > start and text[start].isupper():
        end = time.start()  # "Gov. Bobby Jindal on Monday" → "Gov. Bobby Jindal"
    words = list(re.finditer(r"\S+", text[start:end]))
    for k, w in enumerate(words[1:], 1):
        if not all(_NAME_WORD.match(x.group()) for x in words[:k]):
            break
        low = w.group().strip(",.’'")
        if not low[:1].islower():
            continue
        if low in _REFLEXIVE or low.endswith(("ly", "ed")) or low in verbs:
            return start, start + words[k - 1].end()
    return start, end


class SpeakerResolver:
    """Resolves mentions against one article's names. Build once per article."""

    def __init__(self, text: str, limit: int = 200_000) -> None:
        self.text = text
        self.names: list[tuple[int, str]] = []  # (position, name without titles)
        by_last: dict[str, str] = {}
        for m in _NAME.finditer(text, 0, min(len(text), limit)):
            name = _strip_titles(m.group().replace("\n", " "))
            if len(name.split()) < 2 or name.split()[0].lower() in (
                "the",
                "but",
                "and",
                "in",
                "on",
                "as",
                "if",
                "when",
                "after",
            ):
                continue
            name = _POSSESSIVE.sub("", name)
            self.names.append((m.start(), name))
            last = name.split()[-1].lower()
            if len(name) > len(by_last.get(last, "")) and len(name.split()) <= 4:
                by_last[last] = name
        self.by_last = by_last
        self.gender: dict[str, str] = {}  # surname → "m" | "f", from titles in the article
        for m in _TITLED.finditer(text, 0, min(len(text), limit)):
            self.gender.setdefault(m.group(2).lower(), "m" if m.group(1) == "Mr" else "f")

    def gender_of(self, name: str) -> str | None:
        """"m", "f" or None for a resolved speaker name: a title the article gives the
        surname ("Mrs. Clinton"), else the first name."""
        words = name.split()
        if not words or not words[0][:1].isupper() or words[0].lower() in ("the", "a", "an"):
            return None
        g = self.gender.get(words[-1].lower())
        if g:
            return g
        first = words[0].lower()
        return "f" if first in _FEMALE_FIRST else "m" if first in _MALE_FIRST else None

    def _agrees(self, pronoun: str, name: str) -> bool:
        """Whether a person pronoun may stand for ``name``: a name (not "the report"), and
        of the pronoun's gender when the name's gender is known."""
        first = name.split()[0].lower()
        if (
            not name[:1].isupper()
            or first in ("the", "a", "an", "this")
            or first in _NOT_NAME_FIRST
        ):
            return False
        want = (
            "f"
            if pronoun in ("she", "her", "hers")
            else "m"
            if pronoun in ("he", "him", "his")
            else None
        )
        got = self.gender_of(name)
        return want is None or got is None or got == want

    def resolve(self, start: int, end: int, previous: str | None) -> str:
        mention = self.text[start:end].strip()
        words = mention.split()
        if not words:
            return mention
        low = words[0].lower()
        if len(words) == 1 and low in _RELATIVE:
            return self._antecedent(start) or mention
        if len(words) == 1 and low in _PERSON_PRONOUNS | {"i"}:
            bound = self._sentence_subject(start, low) if low != "i" else None
            if bound:
                return bound
            if previous and self._agrees(low, previous) and self._person_like(previous, False):
                return previous
            return self._nearest_person(start, low) or mention
        if len(words) == 1 and low in _GROUP_POSSESSIVES:
            return self._clause_subject(start) or mention
        if len(words) == 1 and low in ("they", "them"):
            return self._clause_subject(start) or previous or mention
        if len(words) == 1 and low in _PLURAL_PRONOUNS:
            return previous or mention
        caps = _first_name_run(words)
        if caps and low not in ("the", "a", "an"):
            full = self._full_name(caps[-1])
            # "Bill Clinton" is not "Hillary Clinton": a mention that gives a first name
            # keeps it; only a bare surname (or a shorter form of the name) is expanded
            if full and (len(caps) == 1 or full.endswith(" ".join(caps))):
                return full
            return _strip_titles(" ".join(caps)) if len(caps) > 1 else mention
        if low in ("the", "this", "that") and len(words) >= 2:
            noun = words[-1].lower().strip(".,")
            org = self._nearest_org(start, noun)
            if org:
                return org
        return mention

    def _sentence_subject(self, pos: int, pronoun: str) -> str | None:
        """The first person name of the pronoun's own sentence, before it and outside any
        quotation: "Trump is keeping up his criticism", "Bush pinned his hopes" → that
        name, whoever spoke last (a pronoun binds to its clause's subject far more often
        than to the previous speaker). Names after a preposition ("in New Hampshire") are
        places more often than subjects and are skipped."""
        lo = max(0, pos - 300)
        stop = max(_SENTENCE_STOP.finditer(self.text, lo, pos), key=lambda m: m.end(), default=None)
        if stop is not None:
            lo = stop.end()
        for m in _CAP_WORDS.finditer(self.text, lo, pos):
            before = self.text[max(lo, m.start() - 12) : m.start()].split()
            if before and before[-1].lower() in _PLACE_PREPS:
                continue
            words = [w for w in m.group().split() if w.lower() not in _TITLES]
            if not words:
                continue
            full = self._full_name(words[-1]) if words[-1][:1].isupper() else None
            if full is None and len(words) >= 2 and self.gender_of(" ".join(words)):
                full = _strip_titles(" ".join(words))
            if full and self._agrees(pronoun, full) and self._person_like(full):
                return full
        return None

    def _clause_subject(self, pos: int) -> str | None:
        """The subject opening the sentence of a "their"/"its" ("The publication has been
        outspoken in its opposition" → "The publication"): a possessive of a group most
        often points back to its own clause's subject."""
        lo = max(0, pos - 300)
        stop = max(_SENTENCE_STOP.finditer(self.text, lo, pos), key=lambda m: m.end(), default=None)
        if stop is not None:
            lo = stop.end()
        np_ = _leading_np(self.text, lo, pos)
        if np_ is None or self.text[np_[0] : np_[1]].lower() in _PERSON_PRONOUNS | {"they", "we"}:
            return None
        subject = self.text[np_[0] : np_[1]]
        # one person (a known first name or title) is no antecedent of a plural or "its"
        return None if self.gender_of(self.resolve(np_[0], np_[1], None)) else subject

    def _person_like(self, name: str, gendered: bool = True) -> bool:
        """A name that can stand for "he"/"she": up to four capitalised words, none an
        organisation or place word, with a gender known from a title or first name
        ("Cyber security experts", "New Hampshire", "Earlier Tuesday" are not); the gender
        is not required of the previous speaker (``gendered`` False)."""
        words = name.split()
        return (
            1 <= len(words) <= 4
            and all(w[:1].isupper() or w.lower() in _NAME_PARTICLES for w in words)
            and not any(w in _NOT_PERSON_WORDS for w in words)
        ) and (not gendered or self.gender_of(name) is not None)

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

    def _nearest_person(self, pos: int, pronoun: str = "i") -> str | None:
        """The latest name before ``pos`` that the pronoun agrees with."""
        for p, name in reversed(self.names):
            if p < pos:
                full = self.by_last.get(name.split()[-1].lower(), name)
                if self._agrees(pronoun, full) and (
                    pronoun == "i" or self._person_like(full, False)
                ):
                    return full
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
            if (
                any(k in cand.split() or (" " in k and k in cand) for k in keys)
                and cand.split()[-1][:1].isupper()
            ):
                best = cand
        if best and best.lower().startswith("the ") and not best.startswith("The"):
            best = "The" + best[3:]
        return best


def mention_kind(mention: str, resolved: str | None) -> str:
    """How a speaker was found: "name" (a capitalised name), "pronoun" (resolved to a name),
    "unresolved" (a pronoun or relative left as it is), "phrase" (a common noun phrase)."""
    words = mention.split()
    if not words or not resolved:
        return "none"
    low = words[0].lower()
    if len(words) == 1 and low in _PERSON_PRONOUNS | _PLURAL_PRONOUNS | _RELATIVE | {"i", "it"}:
        return "pronoun" if resolved[:1].isupper() and resolved.lower() != low else "unresolved"
    if words[0][:1].isupper() and low not in ("the", "a", "an"):
        return "name"
    return "phrase"
