from __future__ import annotations

import gzip
import json

import pytest

from services.extract.extraction.clean import clean_lines
from services.extract.extraction.evaluate import main as evaluate_main
from services.extract.extraction.metric import document_score, score_documents


def test_clean_lines_drops_adjacent_duplicates_but_keeps_repeats_far_apart():
    lines = [
        "A caption describing the photograph of the harbour at night.",
        "A caption describing the photograph of the harbour at night.",
        "What inspired you to start cooking for other people?",
        "I grew up in a family where everyone cooked together on Sundays.",
        "What inspired you to start cooking for other people?",
    ]
    assert clean_lines(lines) == lines[1:]


def test_clean_lines_drops_headline_links_and_prompts_but_not_visible_addresses():
    links = frozenset({"whales return to the bay", "more from the author",
                       "https example org report"})
    lines = [
        "Whales return — to the bay",
        "Whales return to the bay",
        "The first paragraph of the story is here and it is long enough to count.",
        "- More from the author",
        "https://example.org/report",
        "Subscribe to our newsletter for more stories like this",
        "3 Comments",
        "Reporting by Jane Doe; Editing by John Roe",
    ]
    out = clean_lines(lines, titles=["Whales return to the bay"], link_texts=links)
    assert out == [
        "The first paragraph of the story is here and it is long enough to count.",
        "https://example.org/report",
    ]


def test_metric_counts_4gram_multisets_and_normalises_per_document():
    truth = "one two three four five"
    assert document_score(truth, truth).f1 == 1.0
    s = document_score(truth, "one two three four six")
    # truth 4-grams: (1234)(2345); predicted: (1234)(2346) -> tp 1, fp 1, fn 1
    assert (s.tp, s.fp, s.fn) == pytest.approx((1 / 3, 1 / 3, 1 / 3))
    assert s.precision == pytest.approx(0.5) and s.recall == pytest.approx(0.5)
    # repeated n-grams count as many times as they occur
    rep = document_score("a b c d a b c d", "a b c d")
    assert rep.fp == 0 and rep.fn > 0
    # both empty: nothing extra, nothing missing -> scores 1
    assert document_score("", "").precision == 1.0


def test_score_documents_averages_documents_not_ngrams():
    long_truth = " ".join(f"w{i}" for i in range(1000))
    scores = score_documents([(long_truth, long_truth), ("a b c d e", "")])
    # the empty output has no precision (tp+fp == 0) and recall 0
    assert scores.precision == pytest.approx(1.0)
    assert scores.recall == pytest.approx(0.5)
    assert scores.f1 == pytest.approx(2 * 0.5 / 1.5)
    assert scores.documents == 2


def test_evaluate_command_scores_a_folder(tmp_path, page, capsys):
    (tmp_path / "html").mkdir()
    html = page("basic_article.html")
    (tmp_path / "html" / "p1.html.gz").write_bytes(gzip.compress(html.encode("utf-8")))
    truth = (
        "The harbour council voted on Tuesday to build a new sea wall along the eastern quay, "
        "ending a debate that has divided the town for nearly a decade."
    )
    (tmp_path / "ground-truth.json").write_text(
        json.dumps({"p1": {"articleBody": truth, "url": "https://ledger.example.org/x"}}))
    assert evaluate_main(["aeb", str(tmp_path), "--worst", "1"]) == 0
    out = capsys.readouterr().out
    assert "1 pages" in out
    ours = next(line for line in out.splitlines() if line.startswith("newswire"))
    p, r, _f1 = (float(x) for x in ours.split()[1:4])
    assert r == 1.0 and 0 < p < 1  # the rest of the article is not in this truth
    assert "trafilatura precision" in out and "speed:" in out
    assert "p1" in out.split("worst")[1]
