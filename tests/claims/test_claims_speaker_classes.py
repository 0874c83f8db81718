"""Issue 18, speaker-error classes found on PolNeAR train (sentences written for the tests):
a pronoun bound by its own sentence's subject, the subject of a raising verb as the source,
a predicate or adverb left after an appositive's comma taken as the speaker, a participle
after an adverb, and sentence ends before a '' quotation."""

from __future__ import annotations

from services.extract.claims import find_claims


def _quotes(text: str):
    return [c for c in find_claims(text).claims if c.kind == "quote"]


def test_a_possessive_pronoun_binds_to_its_sentences_subject_not_the_previous_speaker() -> None:
    text = ("“Schools need money,” said Peter Hall. Mark Olsen is keeping up his criticism of the "
            "county budget office.")
    q = next(q for q in _quotes(text) if q.cue == "criticism")
    assert text[q.speaker_start:q.speaker_end] == "his"
    assert q.speaker == "Mark Olsen"


def test_a_pronoun_does_not_take_a_plural_group_as_its_antecedent() -> None:
    text = ("Security experts said they believed the leak came from abroad. Asked about it, Mary "
            "Ellison said she was not going to jump to that conclusion.")
    q = next(q for q in _quotes(text) if q.text.startswith("she was"))
    assert q.speaker == "Mary Ellison"
    text = ("“The leak came from abroad,” Security Experts Group said. “We are sure,” she said.")
    assert _quotes(text)[-1].speaker != "Security Experts Group"


def test_the_subject_of_a_raising_verb_is_the_source_of_the_impression() -> None:
    text = "Senator Mark Olsen seemed to accept the new budget plan."
    [q] = _quotes(text)
    assert q.text == text
    assert text[q.speaker_start:q.speaker_end] == "Senator Mark Olsen"


def test_an_adverb_before_a_participle_is_no_speaker() -> None:
    text = "Ann Lee has questioned the plan for months, falsely suggesting that the city is broke."
    quotes = _quotes(text)
    assert [(q.text, q.speaker) for q in quotes] == [
        ("the plan for months", "Ann Lee"), ("the city is broke.", "Ann Lee")]


def test_a_predicate_after_an_appositive_comma_is_no_speaker() -> None:
    texts = [
        "Dan Ruiz, the mayor of Elton, repeated that the budget was balanced.",
        "Jo Park, a lawyer in Elton, has long argued that the fee is illegal.",
        "The council, somewhat awkwardly, still insists that the fee is legal.",
    ]
    for text in texts:
        for q in _quotes(text):
            mention = text[q.speaker_start:q.speaker_end] if q.speaker_start is not None else ""
            assert mention.split()[:1] not in (["repeated"], ["has"], ["somewhat"]), mention


def test_a_sentence_ends_before_a_quotation_written_with_two_apostrophes() -> None:
    text = ("In any case, Mr. Hall said, the golf industry was vastly over-supplied with courses. "
            "''It was just waiting for a recession,'' Ms. Tanzer said.")
    quotes = _quotes(text)
    assert [(q.text, q.speaker) for q in quotes] == [
        ("the golf industry was vastly over-supplied with courses.", "Mr. Hall"),
        ("''It was just waiting for a recession,''", "Ms. Tanzer"),
    ]


def test_a_dateline_or_an_opening_adverbial_is_not_the_subject() -> None:
    for text, subject in [
        ("ELTON — Mayor Dan Ruiz on Friday defended the budget and said the city was solvent.",
         "Mayor Dan Ruiz"),
        ("Elton (Reuters) - Mayor Dan Ruiz defended the budget, saying the city was solvent.",
         "Mayor Dan Ruiz"),
        ("Hours later, Dan Ruiz returned the favour, saying the city was solvent.",
         "Dan Ruiz"),
    ]:
        for q in _quotes(text):
            assert text[q.speaker_start:q.speaker_end] == subject, text


def test_a_full_name_is_not_replaced_by_a_namesake_with_the_same_surname() -> None:
    text = ("Hillary Clinton spoke first. “We are ready,” Bill Clinton said later.")
    [q] = _quotes(text)
    assert q.speaker == "Bill Clinton"


def test_focus_on_and_vote_for_are_cues_with_their_particle() -> None:
    text = "Senator Ann Lee focused on the cost of the new bridge."
    [q] = _quotes(text)
    assert (q.text, q.speaker) == ("the cost of the new bridge.", "Ann Lee")
    text = "Senator Ann Lee voted for the new bridge."
    [q] = _quotes(text)
    assert (q.text, q.speaker) == ("the new bridge.", "Ann Lee")
    assert _quotes("Senator Ann Lee voted on Tuesday.") == []


def test_a_time_phrase_is_not_part_of_the_speaker_nor_a_speaker() -> None:
    text = "Last week the council argued that the bridge will open in May."
    [q] = _quotes(text)
    assert text[q.speaker_start:q.speaker_end] == "the council"
    text = "“The bridge will open in May,” said Tuesday at the town hall in Elton the mayor."
    for q in _quotes(text):
        assert q.speaker is None or not q.speaker.startswith("Tuesday")


def test_a_party_label_in_brackets_neither_splits_nor_joins_the_speaker() -> None:
    text = "Sen. Ann Lee (D-Vt.) repeated her call for a new bridge over the river."
    [q] = _quotes(text)
    assert (text[q.speaker_start:q.speaker_end], q.speaker) == ("Sen. Ann Lee", "Ann Lee")


def test_their_and_its_refer_to_their_own_clauses_subject() -> None:
    text = ("“Tolls are theft,” said Peter Hall. The Elton Gazette has been outspoken in its "
            "opposition to the new toll on the bridge.")
    q = next(q for q in _quotes(text) if q.cue == "opposition")
    assert q.speaker == "The Elton Gazette"


def test_an_opening_participle_is_not_the_subject_but_a_surname_is() -> None:
    text = "Addressing reporters, Ann Lee defended the toll, insisting that it was fair."
    assert {q.speaker for q in _quotes(text)} == {"Ann Lee"}
    text = "Manning defended the toll, insisting that it was fair."
    assert {q.speaker for q in _quotes(text)} == {"Manning"}
