"""Loaders for the development data formats (PolNeAR BRAT standoff, ClaimBuster JSON).

Pure functions over paths given by the caller: the library never looks for data by itself.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

QUOTE_CHARS = "\"“”„‟«»"


@dataclass(frozen=True, slots=True)
class GoldAttribution:
    content: tuple[tuple[int, int], ...]  # one or more (start, end) fragments
    source: tuple[tuple[int, int], ...]  # empty when the annotator gave no source
    cue: tuple[tuple[int, int], ...]
    direct: bool  # content contains a quotation mark (the README's definition)


@dataclass(frozen=True, slots=True)
class GoldArticle:
    name: str
    text: str
    attributions: tuple[GoldAttribution, ...]


_T_LINE = re.compile(r"^(T\d+)\t(\S+) ([\d ;]+)\t?(.*)$")


def _fragments(spec: str) -> tuple[tuple[int, int], ...]:
    out = []
    for part in spec.split(";"):
        a, b = part.split()
        out.append((int(a), int(b)))
    return tuple(out)


def parse_ann(ann: str, text: str) -> tuple[GoldAttribution, ...]:
    """Parse one BRAT .ann file: every ``E`` line with a Content becomes one attribution."""
    spans: dict[str, tuple[str, tuple[tuple[int, int], ...]]] = {}
    events: list[dict[str, str]] = []
    for line in ann.splitlines():
        m = _T_LINE.match(line)
        if m:
            spans[m.group(1)] = (m.group(2), _fragments(m.group(3)))
        elif line.startswith("E"):
            parts = line.split("\t", 1)[1].split() if "\t" in line else []
            roles: dict[str, str] = {}
            for p in parts:
                role, _, ref = p.partition(":")
                roles.setdefault(role, ref)  # first of each role
            events.append(roles)
    out = []
    for roles in events:
        cid = roles.get("Content")
        if cid not in spans:
            continue
        content = spans[cid][1]
        src = spans[roles["Source"]][1] if roles.get("Source") in spans else ()
        cue = spans[roles["Cue"]][1] if roles.get("Cue") in spans else ()
        ctext = "".join(text[a:b] for a, b in content)
        out.append(GoldAttribution(content, src, cue, any(c in ctext for c in QUOTE_CHARS)))
    return tuple(out)


def load_polnear(folder: str | Path) -> list[GoldArticle]:
    """Load a PolNeAR-format folder (``text/*.txt`` + ``attributions/<name>_<annotator>.ann``).

    Where an article has several annotators' files, the first in sorted order is the gold.
    """
    folder = Path(folder)
    anns: dict[str, Path] = {}
    for p in sorted((folder / "attributions").glob("*.ann")):
        name = p.stem.rsplit("_", 1)[0]
        anns.setdefault(name, p)
    articles = []
    for txt in sorted((folder / "text").glob("*.txt")):
        text = txt.read_text(encoding="utf-8")
        ann = anns.get(txt.stem)
        atts = parse_ann(ann.read_text(encoding="utf-8"), text) if ann else ()
        articles.append(GoldArticle(txt.stem, text, atts))
    return articles


def load_claimbuster(path: str | Path) -> list[tuple[str, int]]:
    """Load a ClaimBuster-format JSON list of ``{"text", "label"}`` objects."""
    rows = json.loads(Path(path).read_text(encoding="utf-8"))
    return [(r["text"], int(r["label"])) for r in rows]
