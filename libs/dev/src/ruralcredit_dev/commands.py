"""`ruralcredit up` and `ruralcredit demo`, plugged into the suite's command line."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any


def _up(args: argparse.Namespace) -> None:
    from ruralcredit_dev.launcher import up

    up(var=Path(args.var), broker_port=args.broker_port, partitions=args.partitions, admin_key=args.admin_key,
       consumers=args.consumers, port_base=args.port_base)


def _demo(args: argparse.Namespace) -> None:
    from ruralcredit_dev import demo

    app = demo.run(args.url, Path(args.var) / "demo-keys.json", amount=args.amount, term_days=args.term, seed_value=args.seed)
    print(demo.describe(app))


def register(sub: Any) -> None:
    """Add `up` and `demo` to the `ruralcredit` command."""
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
