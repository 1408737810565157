"""`ruralcredit scoring …`: model commands (train, list, promote, rollback, show, drift) and the
pricing report."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the scoring commands to the suite's command line."""
    p = sub.add_parser(
        "scoring", help="models: train, list, promote, rollback, show, drift; pricing-report", add_help=False
    )
    p.add_argument("args", nargs=argparse.REMAINDER)
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> None:
    if args.args[:1] == ["pricing-report"]:
        from ruralcredit_scoring.model import pricing_report

        raise SystemExit(pricing_report.main(args.args[1:]))
    from ruralcredit_scoring.model import pipeline

    raise SystemExit(pipeline.main(args.args))
