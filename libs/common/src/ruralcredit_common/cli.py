"""`ruralcredit`: the suite's single command. Subcommands of the services plug in through the
`ruralcredit.commands` entry point group, so this module imports no service."""

from __future__ import annotations

import argparse
import os
import sys
from importlib.metadata import entry_points
from pathlib import Path

from ruralcredit_common.errors import StartupError


def _up(args: argparse.Namespace) -> None:
    from ruralcredit_common.launcher import up

    up(var=Path(args.var), broker_port=args.broker_port, partitions=args.partitions, admin_key=args.admin_key,
       consumers=args.consumers, port_base=args.port_base)


def _demo(args: argparse.Namespace) -> None:
    from ruralcredit_common import demo

    app = demo.run(args.url, Path(args.var) / "demo-keys.json", amount=args.amount, term_days=args.term, seed_value=args.seed)
    print(demo.describe(app))


def _dlq_replay(args: argparse.Namespace) -> None:
    from ruralcredit_common.replay import replay

    n = replay(args.bootstrap, args.topic, group=args.group, limit=args.limit)
    print(f"replayed {n} message(s) from {args.topic}.dlq to {args.topic}")


def build_parser() -> argparse.ArgumentParser:
    """The command line, with every service's subcommands."""
    parser = argparse.ArgumentParser(prog="ruralcredit", description="Rural credit scoring suite")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("up", help="start the whole suite on embedded defaults (Ctrl-C stops it)")
    p.add_argument("--var", default=os.environ.get("RURALCREDIT_VAR", "var"), help="folder for databases, models, logs")
    p.add_argument("--broker-port", type=int, default=int(os.environ.get("RURALCREDIT_BROKER_PORT", "19092")))
    p.add_argument("--partitions", type=int, default=int(os.environ.get("RURALCREDIT_TOPIC_PARTITIONS", "6")))
    p.add_argument("--admin-key", default=os.environ.get("RURALCREDIT_ADMIN_KEY", "admin-dev-key"))
    p.add_argument("--consumers", type=int, default=int(os.environ.get("RURALCREDIT_CONSUMERS", "1")),
                   help="consumer processes per service, sharing the partitions in one group (default 1)")
    p.add_argument("--port-base", type=int, default=int(os.environ.get("RURALCREDIT_PORT_BASE", "8000")),
                   help="the services listen on PORT_BASE+1, +2, +3 (default 8000)")
    p.set_defaults(func=_up)

    p = sub.add_parser("demo", help="drive one scenario against the running suite and print the decision")
    p.add_argument("--url", default="http://127.0.0.1:8001")
    p.add_argument("--var", default=os.environ.get("RURALCREDIT_VAR", "var"))
    p.add_argument("--amount", default="20000.00")
    p.add_argument("--term", type=int, default=60)
    p.add_argument("--seed", type=int, default=21, help="which simulated village shop pushes its sales")
    p.set_defaults(func=_demo)

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
