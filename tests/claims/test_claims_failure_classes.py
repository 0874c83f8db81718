"""Quality gates for the failure classes of issue 18, on small synthetic sentences: content
boundaries around an attribution, acts reported as statements, speaker spans that take a verb
or modifier, quotations merged or split at an inner mark, pronoun agreement, confidence."""

from __future__ import annotations

from services.extract.claims import find_claims


def _quotes(text: str):
    return [c for c in find_claims(text).claims if c.kind == "quote"]


def test_a_quote_continuing_after_its_attribution_keeps_the_speaker_and_leaves_the_attribution_out() -> None:
    text = ("“We will rebuild the economy,” Obama told reporters in the Oval Office, where he had just "
            "welcomed Prime Minister Abe. “It will take time.”")
    [q] = _quotes(text)
    assert q.speaker == "Obama"
    assert [text[a:b] for a, b in q.fragments] == ["“We will rebuild the economy,”", "“It will take time.”"]


def test_a_phone_call_is_an_act_not_a_statement() -> None:
    assert _quotes("Trump called Macron on Tuesday to congratulate him on his victory.") == []
    # the cue with its particle, or naming, still reports a stance
    assert _quotes("Trump called for a ban on imports from China.")


def test_a_speaker_span_leaves_out_the_verb_or_modifier_it_took() -> None:
    text = "President Trump undercut his own aides, saying the plan was “dead.”"
    [q] = _quotes(text)
    assert text[q.speaker_start:q.speaker_end] == "President Trump"
    text = "Trump himself said the wall would be paid for by Mexico."
    [q] = _quotes(text)
    assert text[q.speaker_start:q.speaker_end] == "Trump"


def test_a_quotation_is_not_split_at_an_inner_double_mark() -> None:
    text = "“He called it a ‘disaster’ and a “total failure” of leadership,” Warren said."
    [q] = _quotes(text)
    assert q.text == "“He called it a ‘disaster’ and a “total failure” of leadership,”"
    assert q.speaker == "Warren"


def test_two_speakers_quotations_are_two_claims() -> None:
    text = "“The deal is off,” Smith said. Later, Jones said, “We will sue.”"
    assert [(q.text, q.speaker) for q in _quotes(text)] == [("“The deal is off,”", "Smith"), ("“We will sue.”", "Jones")]


def test_one_attribution_found_by_two_passes_is_one_claim() -> None:
    text = ("“I would think that would have some influence on voters,” he said, “but I also suspect that "
            "Sanders is going to have something to say about this as well.”")
    assert len(_quotes(text)) == 1


def test_a_pronoun_resolves_to_a_name_of_its_gender() -> None:
    text = "Mary Ellison met John Barker on Monday. “The race is over,” she said."
    [q] = _quotes(text)
    assert q.speaker == "Mary Ellison"
    text = "John Barker met Mary Ellison on Monday. “The race is over,” he said."
    [q] = _quotes(text)
    assert q.speaker == "John Barker"
    text = "Later the report by Ann Lee appeared. “The race is over,” she said."
    [q] = _quotes(text)
    assert q.speaker == "Ann Lee"  # not "the report": a person pronoun stands for a name


def test_confidence_ranks_a_named_quotation_above_a_bare_report() -> None:
    quoted = _quotes("“We will win,” Smith said.")[0]
    broad = _quotes("Republicans criticized the plan as too costly for the states.")[0]
    assert 0.0 <= broad.confidence < quoted.confidence <= 1.0
    assert quoted.to_dict()["confidence"] == quoted.confidence


def test_a_quotation_ending_its_sentence_takes_the_attribution_that_follows() -> None:
    text = "“Look at those hands. Are they small hands?” Trump said."
    [q] = _quotes(text)
    assert (q.text, q.speaker) == ("“Look at those hands. Are they small hands?”", "Trump")


def test_an_opening_mark_typed_as_the_closing_one_closes_the_quotation() -> None:
    text = "Chuck Todd was shocked. “Do you want to be associated with a fascist?“ he asked."
    [q] = _quotes(text)
    assert q.text == "“Do you want to be associated with a fascist?“"


def test_as_x_wrote_introduces_a_quotation() -> None:
    text = "As the columnist Ann Lee wrote, “the resolution was an example of double standards.”"
    [q] = _quotes(text)
    assert q.speaker is not None and q.speaker.endswith("Ann Lee")


def test_a_titled_speaker_after_the_cue_and_initials_before_it() -> None:
    text = "“We were all so proud of him,” said master of ceremonies Asab Tabchi, a Syrian engineer."
    [q] = _quotes(text)
    assert q.speaker is not None and q.speaker.endswith("Asab Tabchi")
    text = "“These are dark days,” former George W. Bush speechwriter Noam Neusner wrote in an essay."
    q = _quotes(text)[0]
    assert (q.text, q.speaker) == ("“These are dark days,”", "Noam Neusner")


def test_a_second_cue_after_the_tag_starts_a_second_content() -> None:
    text = "“He stands for the middle class,” Anderson said, adding that Sanders is “the most trustworthy.”"
    quotes = _quotes(text)
    assert [q.text for q in quotes] == ["“He stands for the middle class,”", "Sanders is “the most trustworthy.”"]
    assert quotes[0].speaker_start == quotes[1].speaker_start


def test_a_title_case_headline_with_its_verb_is_an_attribution() -> None:
    text = "Clinton Says Russians Hacked The DNC Servers\n\nThe campaign spoke on Sunday."
    [q] = _quotes(text)
    assert (q.text, text[q.speaker_start:q.speaker_end]) == ("Russians Hacked The DNC Servers", "Clinton")


def test_a_report_before_its_tag_with_a_long_appositive() -> None:
    text = ("The strategy was to attach himself to the Tea Party and attend every local meeting, said "
            "Mark Jones, a professor of political science at Rice University in Houston.")
    [q] = _quotes(text)
    assert q.text.startswith("The strategy was") and q.speaker == "Mark Jones"


def test_a_speaker_span_leaves_out_a_trailing_time_and_a_pronoun_skips_number_words() -> None:
    text = "Louisiana Gov. Bobby Jindal on Monday said the state would block the settlement."
    [q] = _quotes(text)
    assert text[q.speaker_start:q.speaker_end] == "Louisiana Gov. Bobby Jindal"
    text = "Sam Houston stayed behind. Three Democrats left early. “It was worth it,” he said."
    [q] = _quotes(text)
    assert q.speaker == "Sam Houston"
