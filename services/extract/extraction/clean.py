"""Line-level clean-up of extracted article text, by generic patterns (no per-site rules).

What goes: the headline repeated as the first line, lines that are only a link on the page
("Related" lists, teasers), cross-promotion and subscription prompts ("Read more:", "Sign up
for our newsletter"), share-button text, comment counters, wire-service credit lines, and
repeated lines (duplicated image captions).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable

__all__ = ["clean_lines", "norm"]

_TOKEN = re.compile(r"\w+")
_BULLET = re.compile(r"^[\s\-–—•*·>|]+")

# A line that starts like this is a pointer to other content, not article text.
_PROMO_PREFIX = re.compile(
    r"^\W*(?:read more|read also|also read|read next|more from|more on this|see also|related"
    r"(?: content| stories| story| articles?| posts?| coverage| links?| reading)?|also on|"
    r"recommended(?: reading)?|you may also like|you might also like|more stories|watch|"
    r"listen|click here|editor'?s note|tempo de leitura|leia (?:mais|também)|lesen sie auch|"
    r"mehr zum thema|lire aussi|à lire aussi|leer más|lee también|leggi anche)\b\s*[:\-–—|]",
    re.IGNORECASE,
)
# Calls to action: a short line (see PROMPT_MAX_WORDS) that starts like this is not article text.
_CALL_TO_ACTION = re.compile(
    r"^\W*(?:"
    r"(?:sign up|subscribe|register)\b.{0,120}\b(?:newsletters?|inbox|alerts)\b"
    r"|(?:sign up|subscribe|register) (?:for|to) (?:our|free|the free)\b"
    r"|get (?:the|our) .{0,80}\b(?:newsletters?|in your inbox)\b"
    r"|.{0,80}\b(?:delivered|straight|directly|right) (?:in|to|into) your inbox\b"
    r"|like this (?:story|article)\?"
    r"|share (?:this|on|via)\b"
    r"|(?:follow|like) us on\b"
    r"|tell us what you think"
    r"|(?:view|show|load|read|see|add|post|leave) (?:all |the |a )?(?:\d+ )?comments?\b"
    r"|you (?:may|might) also like"
    r"|(?:filed|posted) (?:under|in):"
    r"|(?:copyright|©|\(c\))\s"
    r"|all rights reserved"
    r"|(?:estimated )?reading time\W|tempo de leitura\W"
    r")",
    re.IGNORECASE,
)
PROMPT_MAX_WORDS = 30
# Whole lines that are page furniture.
_FURNITURE = re.compile(
    r"^\W*(?:\d* ?comments?|advertisement|sponsored content|story continues below"
    r"|\d+ min(?:ute)?s? read|source: [\w .,&'-]{1,60})\W*$",
    re.IGNORECASE,
)
# Wire-service credits at the end of an article: "(Reporting by X; Editing by Y)".
_CREDITS = re.compile(
    r"^\W*\(?(?:additional )?(?:reporting|writing|editing|compiled|produced) by\b.{0,300}$",
    re.IGNORECASE,
)
# a visible address (URL, e-mail) is something the author chose to print, even when linked
_URL = re.compile(r"^\W*(?:(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+\.[\w.-]+)\s*$", re.IGNORECASE)
DUPLICATE_WINDOW = 1
_TABLE_RULE = re.compile(r"^[\s|:\-+]*$")


def norm(text: str) -> str:
    """Comparison form of a line: lower-cased word tokens."""
    return " ".join(_TOKEN.findall(text.lower()))


def clean_lines(
    lines: Iterable[str],
    titles: Iterable[str | None] = (),
    link_texts: frozenset[str] = frozenset(),
) -> list[str]:
    title_forms = {norm(t) for t in titles if t}
    title_forms.discard("")
    out: list[str] = []
    # repeated captions come right after the original (image alt + caption, mobile + desktop
    # copies); a line repeated further down (an interview's questions) is content
    recent: deque[str] = deque(maxlen=DUPLICATE_WINDOW)
    for raw in lines:
        line = raw.strip()
        if not line or _TABLE_RULE.match(line):
            continue
        key = norm(line)
        if not key:
            out.append(line)
            continue
        # the headline repeated above the body
        if not out and key in title_forms:
            continue
        if _FURNITURE.match(line) or _PROMO_PREFIX.match(line):
            continue
        if len(key.split()) <= PROMPT_MAX_WORDS and _CALL_TO_ACTION.match(line):
            continue
        # a paragraph that is nothing but a link elsewhere on the page: teaser/related list
        bare = norm(_BULLET.sub("", line))
        if bare in link_texts and len(bare.split()) >= 2 and not _URL.match(line):
            continue
        # repeated captions and blocks: keep the first occurrence of a substantial line
        if len(key.split()) >= 4 and key in recent:
            continue
        recent.append(key)
        out.append(line)
    # credits and prompts trail the article: trim them from the end only
    while out and _CREDITS.match(out[-1]):
        out.pop()
    return out
