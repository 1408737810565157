"""`ruralcredit scoring …`: the model commands (train, list, promote, rollback, show, predict, drift,
spec-template, example-book), the suite's own loan book and its monitoring report, and the pricing report. `--registry` may come before or after the command."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

# Outcomes are judged by the business day (Asia/Shanghai), as the loans' days past due are counted.
BUSINESS_TZ = ZoneInfo("Asia/Shanghai")
REGISTRY_HELP = "model registry folder (default: SCORING_REGISTRY_DIR, else ~/.local/share/ruralcredit/models)"


def _bounded(convert: Callable[[str], Any], what: str, low: float, high: float) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is outside {low}-{high}")
        return value

    return parse


def _count(low: int, high: int) -> Callable[[str], int]:
    return _bounded(int, "a whole number", low, high)


def _progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a day written YYYY-MM-DD") from None


def _number(low: float, high: float) -> Callable[[str], float]:
    return _bounded(float, "a number", low, high)


_share = _number(0.01, 0.6)
_points = _number(0, 10)  # percentage points a year


def _registry_option(parser: argparse.ArgumentParser, default: object) -> None:
    parser.add_argument("--registry", metavar="DIR", default=default, help=REGISTRY_HELP)


def _command(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str, help: str, run: Callable, **kw: Any
) -> argparse.ArgumentParser:
    p = sub.add_parser(name, help=help, description=help[:1].upper() + help[1:] + ".", **kw)
    # SUPPRESS: given after the command it wins, otherwise the one given before it (or the default) stays.
    _registry_option(p, argparse.SUPPRESS)
    p.set_defaults(run=run)
    return p


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the scoring commands to the suite's command line."""
    p = sub.add_parser(
        "scoring", help="models: train, list, promote, predict, spec-template, …; pricing report",
        description="PD models: train on a loan book, register, promote, score books.",
    )
    _registry_option(p, None)
    cmds = p.add_subparsers(dest="scoring_command", required=True, metavar="COMMAND")

    t = _command(cmds, "train", "train on a loan book and register the model with its card", _train)
    t.add_argument("--book", required=True, help="the loan book, CSV or Parquet, one row per loan with its outcome "
                   "(a bank's own, or the simulated one `ruralcredit cashflow loan-book` writes)")
    t.add_argument("--spec", help="the book's feature spec (JSON; see README, or `spec-template`)")
    t.add_argument("--model", choices=("best", "lightgbm", "scorecard", "blend"), default="best",
                   help="which kind to register for a book: the best by cross-validated AUC (default), or the one named")
    t.add_argument("--folds", type=_count(2, 20), default=5, help="cross-validation folds for a book (default 5)")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--promote", action="store_true", help="serve the new model at once")

    _command(cmds, "list", "list the registered versions", _list)
    pr = _command(cmds, "promote", "serve a version (the running service picks it up within a second)", _promote)
    pr.add_argument("version")
    _command(cmds, "rollback", "serve the previously promoted version again", _rollback)
    s = _command(cmds, "show", "print a version's metadata (the promoted one by default)", _show)
    s.add_argument("version", nargs="?")

    pd_ = _command(cmds, "predict", "score every loan of a book: PD, grade, reasons and what would change", _predict)
    pd_.add_argument("--book", required=True, help="CSV or Parquet with the model's feature columns")
    pd_.add_argument("--out", required=True, help="where to write the scores (.csv or .parquet)")
    pd_.add_argument("--version", help="the version to score with (default: the promoted one)")

    d = _command(cmds, "drift", "monthly PSI of the score and each feature against the training sample", _drift)
    d.add_argument("book", help="CSV or Parquet of scored applications with feature columns")
    d.add_argument("--date-col", default="as_of", help="the column with each application's date")

    st = _command(cmds, "spec-template", "write a starting feature spec guessed from a loan book", _spec_template)
    st.add_argument("book", help="the loan book, CSV or Parquet")
    st.add_argument("--out", help="where to write the spec (default: BOOK.spec.json beside the book)")
    st.add_argument("--target", help="the column that says whether a loan defaulted (guessed if not given)")

    ex = _command(cmds, "example-book", "write a synthetic county-bank loan book and its spec, to try the commands", _example)
    ex.add_argument("--out", default="example-book.csv")
    ex.add_argument("--loans", type=_count(200, 1_000_000), default=5000)
    ex.add_argument("--default-rate", type=_share, default=0.25)
    ex.add_argument("--seed", type=int, default=0)

    bk = _command(cmds, "book", "export the suite's own loans with their decision-time features and outcomes, as a loan book", _book)
    bk.add_argument("--out", required=True, help="where to write the book (.parquet or .csv)")
    bk.add_argument("--spec", required=True, help="the book's spec: read (for its outcome window and columns) if it exists, else written")
    bk.add_argument("--as-of", type=_day, help="judge outcomes as of this day (default: today)")
    bk.add_argument("--institution", help="only this institution's loans (default: every institution's)")
    bk.add_argument("--include-open", action="store_true", help="keep loans whose outcome is not known yet, marked open")
    bk.add_argument("--database-url", help="the scoring database (default: SCORING_DATABASE_URL)")

    mo = _command(cmds, "monitor", "write the portfolio monitoring report (Markdown with PNG plots) from the suite's own loans", _monitor)
    mo.add_argument("--out", default="portfolio-report", help="folder for portfolio.md and its plots (default portfolio-report)")
    mo.add_argument("--as-of", type=_day, help="the figures as of this day (default: today)")
    mo.add_argument("--institution", help="only this institution's loans (default: every institution's)")
    mo.add_argument("--window-days", type=_count(1, 3650), help="judge defaults within this many days of disbursement")
    mo.add_argument("--database-url", help="the scoring database (default: SCORING_DATABASE_URL)")

    rp = _command(cmds, "pricing-report", "blanket +45%% premium against risk-based prices on simulated applicants", _pricing)
    rp.add_argument("--book", required=True, help="simulated applicants with their true PD, as `ruralcredit cashflow loan-book` "
                    "writes them (use another seed than the model's training book)")
    rp.add_argument("--out", default="pricing-report", help="folder for summary.md, the plots and figures.json (default: ./pricing-report)")
    rp.add_argument("--switch-margin", type=_points, default=0.5,
                    help="percentage points a year above its fair rate at which a seller borrows elsewhere (default 0.5)")
    p.set_defaults(func=_run)


def _registry(args: argparse.Namespace):
    from ruralcredit_scoring.model.registry import Registry
    from ruralcredit_scoring.settings import get_settings

    return Registry(args.registry or get_settings().command_registry())


def _run(args: argparse.Namespace) -> None:
    from ruralcredit_scoring.model.loanbook import LoanBookError
    from ruralcredit_scoring.model.registry import ModelLoadError, RegistryError

    try:
        lines = args.run(args)
    except (LoanBookError, ModelLoadError, RegistryError) as e:
        print(f"error: {e}", file=sys.stderr)
        raise SystemExit(2) from None
    for line in lines:
        print(line)


def _train(args: argparse.Namespace) -> list[str]:
    from ruralcredit_scoring.model import commands

    return commands.train(
        _registry(args), book=args.book, spec=args.spec, seed=args.seed,
        champion=args.model, folds=args.folds, promote=args.promote,
    )


def _list(args: argparse.Namespace) -> list[str]:
    from ruralcredit_scoring.model import commands

    return commands.listing(_registry(args))


def _promote(args: argparse.Namespace) -> list[str]:
    reg = _registry(args)
    reg.promote(args.version)
    return [f"promoted {args.version} in {reg.root}"]


def _rollback(args: argparse.Namespace) -> list[str]:
    return [f"rolled back to {_registry(args).rollback()}"]


def _show(args: argparse.Namespace) -> list[str]:
    from ruralcredit_scoring.model import commands

    return commands.show(_registry(args), args.version)


def _predict(args: argparse.Namespace) -> list[str]:
    from ruralcredit_scoring.model import commands

    return commands.predict(_registry(args), book=args.book, out=args.out, version=args.version)


def _drift(args: argparse.Namespace) -> list[str]:
    from ruralcredit_scoring.model import pipeline

    report = pipeline.drift_report(_registry(args), args.book, args.date_col)
    return [report.to_string(index=False, float_format=lambda v: f"{v:.3f}")]


def _spec_template(args: argparse.Namespace) -> list[str]:
    from ruralcredit_scoring.model import commands

    return commands.spec_template(args.book, args.out, args.target)


def _example(args: argparse.Namespace) -> list[str]:
    from ruralcredit_scoring.model import commands

    return commands.example_book(args.out, args.loans, args.default_rate, args.seed)


def _pricing(args: argparse.Namespace) -> list[str]:
    from ruralcredit_scoring.model import pricing_report

    return pricing_report.report(_registry(args), args.book, args.out, args.switch_margin / 100, log=_progress)


def _book(args: argparse.Namespace) -> list[str]:
    from pathlib import Path

    from ruralcredit_scoring import loan_book
    from ruralcredit_scoring.settings import get_settings

    factory = loan_book.open_database(args.database_url or get_settings().database_url)
    with factory() as session:
        return loan_book.export(session, Path(args.out), Path(args.spec), as_of=args.as_of or dt.datetime.now(BUSINESS_TZ).date(),
                                registry=_registry(args), institution=args.institution, include_open=args.include_open)


def _monitor(args: argparse.Namespace) -> list[str]:
    from pathlib import Path

    from ruralcredit_scoring import loan_book, portfolio_monitor
    from ruralcredit_scoring.model import monitor_report
    from ruralcredit_scoring.settings import get_settings

    factory = loan_book.open_database(args.database_url or get_settings().database_url)
    with factory() as session:
        figures = portfolio_monitor.compute(session, args.as_of or dt.datetime.now(BUSINESS_TZ).date(),
                                            institution=args.institution, window_days=args.window_days)
    return monitor_report.write(figures, Path(args.out))
