"""The one speaker-name normaliser (newswire/names.py) that the claims stage and the store share."""

from __future__ import annotations

import pytest

from newswire import names
from services.extract.claims import speakers
from services.store import text


@pytest.mark.parametrize(("speaker", "name", "key"), [
    # a verb or a modifier dragged into the speaker span does not change who spoke
    ("President Trump undercut", "Trump", "trump"),
    ("Trump himself", "Trump", "trump"),
    ("Hillary Clinton said", "Hillary Clinton", "clinton"),
    ("Republican nominee Donald Trump", "Donald Trump", "trump"),
    ("Sen. Bernie Sanders", "Bernie Sanders", "sanders"),
    # ... but a trailing noun does: the Trump campaign is not Trump
    ("the Trump campaign", "the Trump campaign", "trump campaign"),
    ("Local shop owners", "Local shop owners", "local shop owners"),
    ("Ted Cruz", "Ted Cruz", "cruz"),
])
def test_speaker_name_and_key_ignore_what_the_span_dragged_in(speaker: str, name: str,
                                                             key: str) -> None:
    assert names.speaker_name(speaker) == name
    assert names.speaker_key(speaker) == key


def test_titles_are_stripped_but_one_word_is_kept() -> None:
    assert names.strip_titles("Former Secretary of State Hillary Clinton") == "Hillary Clinton"
    assert names.strip_titles("President") == "President"


def test_claims_stage_and_store_read_names_with_the_same_rules() -> None:
    assert speakers._TITLES is names.ROLE_WORDS
    assert speakers._strip_titles is names.strip_titles
    assert text.speaker_key is names.speaker_key and text.speaker_name is names.speaker_name
