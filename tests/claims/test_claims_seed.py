"""The issue's seed case and the interface's basic shape."""

from __future__ import annotations

from services.extract.claims import Claim, find_claims

SEED = (
    "White House press secretary Sarah Sanders defended the president on Monday.\n\n"
    "The president has every right to fire the FBI director, Sanders told reporters, adding "
    "that 'nobody is denying [Rogers] the authority' to make personnel decisions.\n\n"
    "Asked about the timing of the decision, Sanders said it had nothing to do with the "
    "investigation.\n\n"
    "\u201cThe president lost confidence in the director,\u201d she said.\n"
)


def _quotes(text):
    return [c for c in find_claims(text).claims if c.kind == "quote"]


def test_seed_both_quotes_resolve_to_sarah_sanders():
    quotes = _quotes(SEED)
    nobody = [q for q in quotes if "nobody is denying" in q.text]
    timing = [q for q in quotes if "nothing to do with the investigation" in q.text]
    assert nobody and timing, [q.text for q in quotes]
    assert nobody[0].speaker == "Sarah Sanders"
    assert timing[0].speaker == "Sarah Sanders"
    assert SEED[nobody[0].speaker_start : nobody[0].speaker_end] == "Sanders"


def test_pronoun_resolves_to_previous_speaker_and_direct_flag():
    quotes = _quotes(SEED)
    lost = [q for q in quotes if "lost confidence" in q.text]
    assert lost and lost[0].direct and lost[0].speaker == "Sarah Sanders"
    assert lost[0].cue == "said"
    assert SEED[lost[0].speaker_start : lost[0].speaker_end] == "she"


def test_organisation_resolves_from_the_newspaper():
    text = (
        "The Washington Post reported on Sunday that the agency had lost track of the files.\n\n"
        "The newspaper said three officials confirmed the account.\n"
    )
    quotes = _quotes(text)
    said = [q for q in quotes if "three officials" in q.text]
    assert said and said[0].speaker == "The Washington Post"


def test_multi_paragraph_quote_and_speaker_before():
    text = (
        "Governor Ann Lee said: \u201cWe have cut taxes three years in a row.\n\n"
        "\u201cAnd we will do it again next year.\u201d\n"
    )
    quotes = _quotes(text)
    assert len(quotes) >= 1
    assert all(q.speaker == "Ann Lee" for q in quotes)
    covered: set[int] = set()
    for q in quotes:
        covered.update(range(q.start, q.end))
    assert text.index("And we will") in covered


def test_to_dict_has_contract_keys_plus_type():
    claims = find_claims(SEED).claims
    assert claims
    d = claims[0].to_dict()
    assert set(d) == {
        "kind", "text", "start", "end", "direct", "speaker", "speaker_start",
        "speaker_end", "cue", "checkworthiness", "type", "confidence", "fragments",
    }
    assert all(isinstance(c, Claim) for c in claims)


def test_statements_have_type_and_score():
    text = "Officials met on Monday. The city's budget grew by 12 percent to $4 billion in 2019.\n"
    statements = [c for c in find_claims(text).claims if c.kind == "statement"]
    assert statements
    s = statements[0]
    assert s.checkworthiness >= 0.5 and s.type == "quantity"
    assert s.speaker is None and not s.direct
