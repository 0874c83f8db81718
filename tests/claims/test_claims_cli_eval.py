"""The CLI contract and the evaluation commands, on data the tests write themselves."""

from __future__ import annotations

import io
import json
import sys

from services.extract.claims import cli, evaluate
from services.extract.claims.data import load_polnear, parse_ann

CONTRACT_KEYS = {
    "kind", "text", "start", "end", "direct", "speaker", "speaker_start", "speaker_end",
    "cue", "checkworthiness",
}


def test_cli_files_one_json_line_each(tmp_path, capsys):
    a = tmp_path / "a.txt"
    a.write_text("“Taxes will fall,” Mayor Jo Park said. Rents rose 9 percent in 2020.\n",
                 encoding="utf-8")
    b = tmp_path / "b.txt"
    b.write_bytes(b"")
    assert cli.main([str(a), str(b)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert first["file"] == str(a) and set(first) == {"file", "claims"}
    text = a.read_text(encoding="utf-8")
    assert first["claims"]
    for c in first["claims"]:
        assert set(c) == CONTRACT_KEYS
        assert text[c["start"] : c["end"]] == c["text"]
    quote = next(c for c in first["claims"] if c["kind"] == "quote")
    assert quote["direct"] is True and quote["speaker"] == "Jo Park"
    assert json.loads(lines[1]) == {"file": str(b), "claims": []}


def test_cli_missing_file_is_reported_not_raised(tmp_path, capsys):
    assert cli.main([str(tmp_path / "nope.txt")]) == 1
    assert "nope.txt" in capsys.readouterr().err


def test_cli_score_reads_json_lines_in_order(monkeypatch, capsys):
    lines = [{"text": "Unemployment fell to 4 percent in 2019."}, {"text": "Thank you."},
             {"text": ""}]
    data = "\n".join(json.dumps(x) for x in lines) + "\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data.encode("utf-8"))))
    assert cli.main(["score"]) == 0
    out = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert len(out) == 3
    assert out[0]["checkworthiness"] > 0.5 > out[1]["checkworthiness"]
    assert out[2] == {"checkworthiness": 0.0}


def _write_polnear(root):
    (root / "text").mkdir(parents=True)
    (root / "attributions").mkdir()
    text = "“We won,” Ann Smith said.\nBob Jones said the vote was rigged.\nThe sky is blue.\n"
    (root / "text" / "art1.txt").write_text(text, encoding="utf-8")
    q = text.index("“We won,”")
    s = text.index("Ann Smith")
    v = text.index("the vote")
    b = text.index("Bob Jones")
    ann = (
        f"T1\tContent {q} {q + 9}\t“We won,”\nT2\tSource {s} {s + 9}\tAnn Smith\n"
        f"T3\tCue {s + 10} {s + 14}\tsaid\nE1\tAttribution:T3 Content:T1 Source:T2 Cue:T3\n"
        f"T4\tContent {v} {v + 20}\tthe vote was rigged\nT5\tSource {b} {b + 9}\tBob Jones\n"
        f"E2\tAttribution:T4 Content:T4 Source:T5\n"
    )
    (root / "attributions" / "art1_aa.ann").write_text(ann, encoding="utf-8")
    # a second annotator's file sorts later and must be ignored
    (root / "attributions" / "art1_zz.ann").write_text("", encoding="utf-8")


def test_load_polnear_uses_first_annotator(tmp_path):
    _write_polnear(tmp_path)
    (art,) = load_polnear(tmp_path)
    assert len(art.attributions) == 2
    assert art.attributions[0].direct and not art.attributions[1].direct


def test_parse_ann_discontinuous_content():
    text = "“A,” he said. “B.”"
    ann = ("T1\tContent 0 4;14 18\t“A,” “B.”\nT2\tSource 5 7\the\n"
           "E1\tAttribution:T1 Content:T1 Source:T2\n")
    (g,) = parse_ann(ann, text)
    assert g.content == ((0, 4), (14, 18)) and g.direct


def test_match_is_one_to_one_and_needs_half_coverage():
    golds: list[tuple[tuple[int, int], ...]] = [((0, 10),), ((20, 30),)]
    assert evaluate.match([(0, 30)], golds) in ([(0, 0)], [(0, 1)])
    assert len(evaluate.match([(0, 30)], golds)) == 1
    assert evaluate.match([(0, 4)], golds) == []  # 40% of the gold span
    assert evaluate.match([(0, 5), (20, 30)], golds) == [(1, 1), (0, 0)]


def test_eval_attribution_prints_figures(tmp_path, capsys):
    _write_polnear(tmp_path)
    figures = evaluate.evaluate_attribution(tmp_path)
    out = capsys.readouterr().out
    assert "overall" in out and "direct" in out and "speaker accuracy" in out
    assert figures["gold"] == 2 and figures["matched"] == 2
    assert figures["recall"] == 1.0 and figures["speaker_accuracy"] == 1.0
    assert figures["direct_recall"] == 1.0


def test_eval_checkworthiness(tmp_path, capsys):
    rows = [
        {"text": "Unemployment fell to 4 percent in 2019.", "label": 1},
        {"text": "We spent $3 billion on the program last year.", "label": 1},
        {"text": "Thank you, everybody.", "label": 0},
        {"text": "What do you think?", "label": 0},
    ]
    path = tmp_path / "cb.json"
    path.write_text(json.dumps(rows), encoding="utf-8")
    assert evaluate.main(["checkworthiness", str(path)]) == 0
    out = capsys.readouterr().out
    assert "F1(positive)@0.5 1.000" in out and "AP 1.000" in out


def test_average_precision():
    assert evaluate.average_precision([1, 0, 1], [0.9, 0.8, 0.1]) == (1 + 2 / 3) / 2


def test_eval_usage_error(capsys):
    assert evaluate.main(["nonsense"]) == 2


def test_newswire_eval_speed_runs_both_sides_in_one_run(tmp_path, capsys):
    from newswire.cli import _eval

    (tmp_path / "text").mkdir()
    (tmp_path / "html").mkdir()
    (tmp_path / "text" / "a.txt").write_text("“It works,” Smith said. Prices rose 4 percent.",
                                             encoding="utf-8")
    (tmp_path / "html" / "a.html").write_text(
        "<html><body><article><p>" + "The council voted on the budget today. " * 20
        + "</p></article></body></html>", encoding="utf-8")
    assert _eval(["speed", str(tmp_path / "text"), str(tmp_path / "html")]) == 0
    out = capsys.readouterr().out
    assert "(1 pages)" in out and "(1 articles" in out and "ratio" in out
