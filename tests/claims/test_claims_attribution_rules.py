"""The broad attribution rules (beliefs, intentions, evaluations, nominal and raising cues)
on short hand-written sentences, and their cost on hostile input."""

from __future__ import annotations

import time

import pytest

from services.extract.claims import find_claims
from services.extract.claims.attributions import find_attributions


def _quotes(text):
    return [c for c in find_claims(text).claims if c.kind == "quote"]


def _find(text, fragment):
    got = [q for q in _quotes(text) if fragment in q.text]
    assert got, [(q.text, q.speaker) for q in _quotes(text)]
    return got[0]


@pytest.mark.parametrize(
    ("text", "content", "speaker"),
    [
        ("Senator Ann Lee believes the tax cut will pass.", "the tax cut will pass", "Ann Lee"),
        ("Governor Tom Reyes plans to veto the budget next week.", "to veto the budget",
         "Tom Reyes"),
        ("Mayor Joan Park criticized the council for its vote on the levy.",
         "the council for its vote", "Joan Park"),
        ("According to early results of exit polls conducted by Edison Research, turnout was high.",
         "turnout was high", None),
        ("The plan is dead, Smith said in an email.", "The plan is dead", "Smith"),
    ],
)
def test_speaker_cue_content(text, content, speaker):
    q = _find(text, content)
    if speaker:
        assert q.speaker == speaker


def test_coordinated_verbs_share_the_subject_and_split_the_content():
    text = "Rep. Alan Price criticized the deal and praised the negotiators."
    deal = _find(text, "the deal")
    praised = _find(text, "the negotiators")
    assert "praised" not in deal.text
    assert deal.speaker == praised.speaker == "Alan Price"


def test_relative_pronoun_subject_resolves_to_its_antecedent():
    text = "She met the moderator, John Dickerson, who wanted to know whether the plan had failed."
    q = _find(text, "to know whether")
    assert text[q.speaker_start : q.speaker_end] == "who"
    assert q.speaker == "John Dickerson"


def test_nominal_cue_with_possessor():
    text = "Voters remember Senator Maria Delgado's promise to resign if the bill failed."
    q = _find(text, "to resign if the bill failed")
    assert q.speaker == "Maria Delgado" and q.cue == "promise"


def test_raising_verb_has_the_clause_and_its_subject_as_source():
    # issue 18: PolNeAR's annotators give the subject of "seemed"/"appeared" as the source
    text = "The senator seemed to be losing support in the state."
    q = _find(text, "The senator seemed to be losing")
    assert text[q.speaker_start:q.speaker_end] == "The senator"


def test_noun_uses_of_cue_words_are_not_attributions():
    text = "The tax plans would raise $3 billion. Clinton's support grew in March."
    assert _quotes(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "he said that " * 1600,
        "Smith, who said, " * 1300,
        "Trump criticized and praised and attacked " * 500,
        "his claim that her plan to " * 800,
    ],
)
def test_one_long_unit_of_cue_words_stays_fast(text):
    t0 = time.perf_counter()
    find_attributions(text)
    assert time.perf_counter() - t0 < 3.0
