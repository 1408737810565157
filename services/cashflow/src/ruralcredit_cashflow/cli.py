"""`ruralcredit cashflow …`: the forecast backtest and the simulated loan book."""

from __future__ import annotations

import argparse

COMMANDS = ("backtest", "loan-book")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the cashflow commands to the suite's command line."""
    p = sub.add_parser("cashflow", help="cashflow commands: backtest, loan-book", add_help=False)
    p.add_argument("args", nargs=argparse.REMAINDER)
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> None:
    command = args.args[:1]
    if command == ["backtest"]:
        from ruralcredit_cashflow import backtest

        raise SystemExit(backtest.main(args.args[1:]) or 0)
    if command == ["loan-book"]:
        from ruralcredit_cashflow.model import loan_book_file

        raise SystemExit(loan_book_file.main(args.args[1:]) or 0)
    raise SystemExit("usage: ruralcredit cashflow {backtest|loan-book} [options]  (add --help to either)")
