"""Score extraction on a folder in the article-extraction-benchmark format.

    python -m services.extract.extraction.evaluate aeb DIR [--worst N] [--no-baseline]

DIR holds ``html/<id>.html.gz`` and ``ground-truth.json`` (``{id: {"articleBody", "url"}}``).
Pages go through :func:`extract_article`, the pipeline's real path. The same pages are also run
through plain ``trafilatura.extract`` (default and ``favor_precision=True``) in the same run, so
the scores and the per-page time ratio are side by side.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from newswire.errors import NewswireError

from .core import extract_article
from .metric import document_score, score_documents

__all__ = ["main"]


def _load(folder: Path) -> list[Page]:
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for page_id in sorted(truth):
        path = folder / "html" / f"{page_id}.html.gz"
        if not path.exists():
            continue
        entry = truth[page_id]
        html = gzip.decompress(path.read_bytes())
        pages.append((page_id, entry.get("articleBody") or "", entry.get("url"), html))
    return pages


_ERRORS: Counter[str] = Counter()


def _ours(html: bytes, url: str | None) -> str:
    try:
        return extract_article(html, url).text
    except NewswireError as exc:
        _ERRORS[exc.reason] += 1
        return ""


System = Callable[[bytes, str | None], str]
Page = tuple[str, str, str | None, bytes]  # id, true body, url, html


def _plain(favor_precision: bool = False) -> System:
    import trafilatura

    def run(html: bytes, url: str | None) -> str:
        return trafilatura.extract(html, url=url, favor_precision=favor_precision) or ""

    return run


def _run_all(systems: list[tuple[str, System]], pages: list[Page]
             ) -> dict[str, tuple[list[str], float]]:
    """Each page goes through every system in turn, so that a change in the machine's load
    during the run weighs on all systems alike."""
    outputs: dict[str, list[str]] = {name: [] for name, _ in systems}
    seconds: dict[str, float] = {name: 0.0 for name, _ in systems}
    for _, _, url, html in pages:
        for name, fn in systems:
            start = time.perf_counter()
            result = fn(html, url)
            seconds[name] += time.perf_counter() - start
            outputs[name].append(result)
    return {name: (outputs[name], seconds[name]) for name, _ in systems}


def main(argv: list[str]) -> int:
    if argv and argv[0] == "aeb":  # the format's name, as in `newswire eval extraction aeb DIR`
        argv = argv[1:]
    parser = argparse.ArgumentParser(prog="aeb", description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--worst", type=int, default=10, metavar="N")
    parser.add_argument("--no-baseline", action="store_true",
                        help="skip the plain trafilatura comparison runs")
    args = parser.parse_args(argv)
    pages = _load(args.folder)
    if not pages:
        print(f"no pages found in {args.folder}", file=sys.stderr)
        return 2
    truths = [p[1] for p in pages]

    systems: list[tuple[str, System]] = [("newswire", _ours)]
    if not args.no_baseline:
        systems += [("trafilatura", _plain()),
                    ("trafilatura precision", _plain(favor_precision=True))]
    # warm every system (imports, models, caches) on one page so timings compare steady states
    for _, fn in systems:
        fn(pages[0][3], pages[0][2])
    _ERRORS.clear()
    results = _run_all(systems, pages)

    print(f"{len(pages)} pages in {args.folder}")
    print(f"{'system':<24}{'P':>8}{'R':>8}{'F1':>8}{'pages/s':>10}{'ms/page':>10}")
    for name, (outputs, seconds) in results.items():
        s = score_documents(zip(truths, outputs, strict=True))
        print(f"{name:<24}{s.precision:8.4f}{s.recall:8.4f}{s.f1:8.4f}"
              f"{len(pages) / seconds:10.1f}{1000 * seconds / len(pages):10.1f}")
    print("newswire errors (scored as empty output): "
          + (", ".join(f"{k} {v}" for k, v in sorted(_ERRORS.items())) or "none"))
    if "trafilatura" in results:
        ratio = results["newswire"][1] / results["trafilatura"][1]
        print(f"speed: newswire takes {ratio:.2f}x the time of plain trafilatura.extract per page")

    if args.worst > 0:
        ours = results["newswire"][0]
        per_page = sorted(
            ((document_score(t, o), p[0]) for t, o, p in zip(truths, ours, pages, strict=True)),
            key=lambda x: x[0].f1,
        )
        print(f"\nworst {min(args.worst, len(per_page))} pages (newswire):")
        print(f"{'id':<66}{'F1':>7}{'P':>7}{'R':>7}")
        for score, page_id in per_page[: args.worst]:
            p = score.precision if score.precision is not None else float("nan")
            r = score.recall if score.recall is not None else float("nan")
            print(f"{page_id:<66}{score.f1:7.3f}{p:7.3f}{r:7.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
