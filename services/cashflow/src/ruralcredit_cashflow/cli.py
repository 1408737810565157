"""`ruralcredit cashflow backtest …`: the forecast backtest on simulated merchants."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the cashflow commands to the suite's command line."""
    p = sub.add_parser("cashflow", help="cashflow commands: backtest", add_help=False)
    p.add_argument("args", nargs=argparse.REMAINDER)
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> None:
    if args.args[:1] != ["backtest"]:
        raise SystemExit("usage: ruralcredit cashflow backtest [options]  (try: ruralcredit cashflow backtest --help)")
    from ruralcredit_cashflow import backtest

    raise SystemExit(backtest.main(args.args[1:]) or 0)
