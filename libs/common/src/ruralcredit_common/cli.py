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
