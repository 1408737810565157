"""`ruralcredit`: the suite's single command. Subcommands of the services and of the development
tools (`up`, `demo`) plug in through the `ruralcredit.commands` entry point group, so this module
imports neither."""

from __future__ import annotations

import argparse
import os
import sys
from importlib.metadata import entry_points

from ruralcredit_common.errors import StartupError


def _dlq_replay(args: argparse.Namespace) -> None:
    from ruralcredit_common.replay import replay

    n = replay(args.bootstrap, args.topic, group=args.group, limit=args.limit)
    print(f"replayed {n} message(s) from {args.topic}.dlq to {args.topic}")


def _trace(args: argparse.Namespace) -> None:
    from pathlib import Path

    from ruralcredit_common import trace

    found = trace.collect(args.application_id, trace.database_urls(Path(args.var)), Path(args.logs) if args.logs else None)
    print(trace.render(found))
    if found.application is None:
        raise SystemExit(1)


def build_parser() -> argparse.ArgumentParser:
    """The command line, with every service's subcommands."""
    parser = argparse.ArgumentParser(prog="ruralcredit", description="Rural credit scoring suite")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("dlq", help="dead-letter topics")
    dlq = p.add_subparsers(dest="dlq_command", required=True)
    r = dlq.add_parser("replay", help="send dead-lettered messages back to their topic")
    r.add_argument("topic", help="the original topic, e.g. sales.v1")
    r.add_argument("--bootstrap", default=os.environ.get("RURALCREDIT_KAFKA_BOOTSTRAP", "127.0.0.1:19092"))
    r.add_argument("--group", default="dlq-replay")
    r.add_argument("--limit", type=int, default=None)
    r.set_defaults(func=_dlq_replay)

    p = sub.add_parser("trace", help="one application's path across the three services: hops, events, dead letters",
                       description="Reads the three services' databases (APPLICATIONS_DATABASE_URL, CASHFLOW_DATABASE_URL, "
                                   "SCORING_DATABASE_URL, else the embedded files under --var) and, with --logs, their logs.")
    p.add_argument("application_id", help="e.g. app_5f3c…")
    p.add_argument("--var", default=os.environ.get("RURALCREDIT_VAR", "var"), help="the embedded suite's folder (default var)")
    p.add_argument("--logs", default=None, help="a log file, or a folder whose *.log files are read (the embedded suite: var)")
    p.set_defaults(func=_trace)

    for ep in entry_points(group="ruralcredit.commands"):
        ep.load()(sub)
    return parser


def main(argv: list[str] | None = None) -> None:
    """Run one subcommand; start-up and input errors print one line and exit 1."""
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except StartupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    except KeyboardInterrupt:
        raise SystemExit(130) from None
