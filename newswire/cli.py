"""The `newswire` command line."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from importlib.metadata import version

import orjson

from newswire.cli_errors import INTERNAL, describe
from newswire.settings import Settings

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="newswire", description=__doc__)
    p.add_argument("--version", action="version", version=f"newswire {version('newswire')}")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("up", help="embedded broker (unless configured), the three services, the API")
    s = sub.add_parser("service", help="run one service in the foreground")
    s.add_argument("name", choices=("ingest", "extract", "store"))
    sub.add_parser("broker", help="run the embedded broker alone")
    s = sub.add_parser("submit", help="submit URLs (or - for one URL per line on stdin)")
    s.add_argument("urls", nargs="+")
    s.add_argument("--refresh", action="store_true", help="fetch again even if already stored")
    s = sub.add_parser("discover", help="article URLs from feeds, sitemaps and pages: submit them")
    s.add_argument("urls", nargs="+", help="RSS/Atom/JSON feeds, sitemaps (indexes), HTML pages")
    s.add_argument("--refresh", action="store_true", help="fetch again even if already stored")
    s = sub.add_parser("status", help="per-stage counts, lag and store counts")
    s.add_argument("--json", action="store_true")
    s.add_argument("--watch", action="store_true", help="a live table, refreshed every 2 s")
    s = sub.add_parser("tail", help="print a topic, one JSON value per line")
    s.add_argument("topic")
    s.add_argument("-o", "--offset", choices=("beginning", "end"), default="end")
    s.add_argument("-e", "--exit", action="store_true", help="exit at the end of the topic")
    s = sub.add_parser("claims", help="claims in text files; `claims score` for stdin scoring",
                       add_help=False)
    s.add_argument("args", nargs=argparse.REMAINDER)
    s = sub.add_parser("eval", help="quality figures: extraction|attribution|checkworthiness|speed",
                       add_help=False)
    s.add_argument("args", nargs=argparse.REMAINDER)
    s = sub.add_parser("export", help="stored articles with their claims, as JSON Lines or "
                                      "Parquet")
    s.add_argument("--format", choices=("jsonl", "parquet"), default="jsonl")
    s.add_argument("--since", help="only articles fetched or published at or after this ISO "
                                   "8601 date or date-time")
    s.add_argument("-o", "--output", help="file to write (default: standard output, jsonl "
                                          "only)")
    s = sub.add_parser("demo", help="the pipeline on a bundled demo site (what `make run` does)")
    s.add_argument("--no-wait", action="store_true", help="exit after the summary")
    return p


def main(argv: list[str] | None = None) -> int:
    """Run a command; an ordinary failure is one line on stderr and an exit code (see
    newswire/cli_errors.py), never a traceback."""
    args = _parser().parse_args(argv)
    settings: Settings | None = None
    try:
        settings = Settings()
        return _run(args, settings)
    except (Exception, KeyboardInterrupt) as exc:
        message, code = describe(exc, settings.kafka.servers if settings else None)
        if code == INTERNAL and settings is not None and settings.log_level.lower() == "debug":
            raise
        print(f"newswire: {message}", file=sys.stderr)
        return code


def _run(args: argparse.Namespace, settings: Settings) -> int:
    logging.basicConfig(level=settings.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    for noisy in ("httpx", "aiokafka", "faust", "mode"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.root.level))
    if args.command in ("submit", "discover", "status", "tail"):
        # a client of the broker: a broker it cannot reach is said once, in main()'s one line
        logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    cmd = args.command
    if cmd == "service":
        from importlib import import_module

        import_module(f"services.{args.name}.app").main(settings)
        return 0
    if cmd == "up":
        from newswire.supervisor import Supervisor

        sup = Supervisor(settings)
        sup.start()
        print(f"services running (logs in {sup.logs}); API on "
              f"http://{settings.api.host}:{settings.api.port}; Ctrl-C to stop", flush=True)
        sup.run_forever()
        return 0
    if cmd == "broker":
        import os

        from newswire.broker import broker_command

        os.execv(broker_command(settings.kafka)[0], broker_command(settings.kafka))
    if cmd == "submit":
        from newswire.submit import report, submit_urls

        urls = [u for arg in args.urls for u in (sys.stdin if arg == "-" else [arg])]
        return report(asyncio.run(submit_urls(settings, urls, refresh=args.refresh)))
    if cmd == "discover":
        from services.ingest.discover import discover_command

        return discover_command(settings, args.urls, refresh=args.refresh)
    if cmd == "status":
        from newswire.status import collect_status, format_status, status_exit_code, watch

        if args.watch:
            try:
                asyncio.run(watch(settings))
            except KeyboardInterrupt:
                return 0
        status = asyncio.run(collect_status(settings))
        print(orjson.dumps(status).decode() if args.json else format_status(status))
        return status_exit_code(status)
    if cmd == "tail":
        from newswire.tail import tail

        try:
            return asyncio.run(tail(settings, args.topic, offset=args.offset,
                                    exit_at_end=args.exit))
        except KeyboardInterrupt:
            return 0
    if cmd == "claims":
        from services.extract.claims.cli import main as claims_main

        return claims_main(args.args)
    if cmd == "eval":
        return _eval(args.args)
    if cmd == "export":
        from services.store.export import export_command

        return export_command(settings, args.format, args.since, args.output)
    if cmd == "demo":
        from newswire.demo import run_demo

        return run_demo(settings, wait=not args.no_wait)
    raise AssertionError(cmd)


def _eval(argv: list[str]) -> int:
    usage = ("usage: newswire eval extraction DIR [--worst N] | attribution DIR | "
             "checkworthiness FILE | speed TEXTDIR HTMLDIR")
    if not argv or argv[0] not in ("extraction", "attribution", "checkworthiness", "speed"):
        print(usage, file=sys.stderr)
        return 2
    if argv[0] == "extraction":
        from services.extract.extraction.evaluate import main as extraction_eval

        return extraction_eval(["aeb", *argv[1:]])
    from services.extract.claims.evaluate import main as claims_eval

    return claims_eval(argv)


if __name__ == "__main__":
    raise SystemExit(main())
