"""Pricing report: the blanket +45% premium against risk-based prices over simulated applicants, with
plots and a Markdown summary written to a folder (the arithmetic is in `pricing_economics`)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # written by CI and servers, where no display exists

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ruralcredit_scoring.domain import PricingConfig
from ruralcredit_scoring.model.pricing_economics import (
    SWITCH_MARGIN,
    BookFigures,
    PricingFigures,
    adverse_selection,
    figures,
    priced_book,
)

DEFAULT_OUT = "pricing-report"
MARGINS = np.round(np.arange(0.0, 0.0301, 0.0025), 4)


def headline(f: PricingFigures) -> str:
    """The report's one line that answers the lender's question."""
    return f"merchants paying less than the blanket rate: {f.paying_less:.1%}"


def _book_line(name: str, b: BookFigures) -> str:
    return (f"  {name:<34} {b.loans:>7,} loans  default {b.default_rate_year:6.2%} a year "
            f"({b.default_rate:.2%} over a term)  mean rate {b.mean_rate:6.2%}  expected return {b.expected_return:+.2%} a year")


def lines(f: PricingFigures, cfg: PricingConfig) -> list[str]:
    """The figures as the command prints them."""
    m = f"{f.switch_margin * 100:.1f} points"
    return [
        headline(f),
        f"blanket rate {f.blanket_rate:.2%} = benchmark {cfg.benchmark:.2%} + funding and operating {cfg.funding_cost + cfg.operating_cost:.2%}"
        f" + margin {cfg.margin:.2%} + {cfg.blanket_premium:.0%} of the benchmark; risk-based: the same cost base"
        f" + PD × LGD {cfg.lgd} spread over the term, ceiling {cfg.ceiling:.0%}",
        f"good sellers (true PD below the median): {f.good_overpaying:.1%} of {f.good_sellers:,} overpay under the blanket,"
        f" by {f.good_overpay_yuan_mean:,.0f} yuan a year each on average (median {f.good_overpay_yuan_median:,.0f};"
        f" {f.good_overpay_yuan_total:,.0f} yuan a year together)",
        "lender's expected return (per yuan lent, a year; losses at the true PD):",
        _book_line("blanket", f.blanket),
        _book_line("risk-based", f.risk_based),
        f"adverse selection: sellers offered more than their fair price by over {m} a year borrow elsewhere",
        _book_line("blanket, the sellers who stay", f.blanket_kept),
        _book_line("risk-based, the sellers who stay", f.risk_based_kept),
    ]


def plot_rates(book: pd.DataFrame, f: PricingFigures, path: Path, sample: int = 4000) -> None:
    """Annual rate against PD under both schemes."""
    shown = book.sample(min(len(book), sample), random_state=0) if len(book) else book
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.scatter(shown["pd"], shown["risk_rate"], s=4, alpha=0.4, label="risk-based (model PD)")
    ax.axhline(f.blanket_rate, color="crimson", label=f"blanket {f.blanket_rate:.2%}")
    ax.set_xscale("log")
    ax.set_xlabel("model PD over the loan's term (log scale)")
    ax.set_ylabel("annual rate")
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_title(f"{f.paying_less:.0%} of the priced applicants pay less than the blanket rate")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def plot_adverse(sweep: pd.DataFrame, path: Path) -> None:
    """Each scheme's expected return and default rate as sellers leave more readily."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for scheme, rows in sweep.groupby("scheme"):
        left.plot(rows["switch_margin"], rows["expected_return"], marker="o", label=scheme)
        right.plot(rows["switch_margin"], rows["default_rate_year"], marker="o", label=scheme)
    left.set_title("expected return of the book kept, a year")
    right.set_title("default rate of the book kept, a year")
    for ax in (left, right):
        ax.set_xlabel("sellers leave when offered this much above their fair rate")
        ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
        ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def markdown(f: PricingFigures, cfg: PricingConfig, source: str) -> str:
    """The summary written beside the plots."""
    def row(name: str, b: BookFigures) -> str:
        return (f"| {name} | {b.loans:,} | {b.default_rate_year:.2%} | {b.mean_rate:.2%} | {b.expected_return:+.2%} |"
                f" {b.expected_profit_yuan:,.0f} |")

    return "\n".join([
        "# Pricing report: blanket premium against risk-based prices",
        "",
        source,
        "",
        f"**{headline(f)}** (of {f.applicants:,} applicants the policy offers a price).",
        "",
        *lines(f, cfg)[1:3],
        "",
        "| book | loans | default a year | mean rate | expected return a year | expected profit, yuan |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        row("blanket", f.blanket),
        row("risk-based", f.risk_based),
        row(f"blanket, once sellers overcharged by over {f.switch_margin * 100:.1f} points leave", f.blanket_kept),
        row(f"risk-based, once sellers overcharged by over {f.switch_margin * 100:.1f} points leave", f.risk_based_kept),
        "",
        "Losses are judged by the simulator's true PD; the risk-based price is set by the model's PD.",
        "",
        "![rate against PD](rates.png)",
        "",
        "![return under adverse selection](adverse_selection.png)",
        "",
    ])


def report(reg, book: str | Path, out: str | Path = DEFAULT_OUT, switch_margin: float = SWITCH_MARGIN,
           log: Callable[[str], None] = print) -> list[str]:
    """Score a book of simulated applicants with the promoted model, write the plots and summary to
    `out`, and return the lines to print. The book is one `ruralcredit cashflow loan-book` writes: it
    carries each applicant's true PD, which judges both schemes' expected losses."""
    from ruralcredit_scoring.model.loanbook import LoanBookError, read_table
    from ruralcredit_scoring.model.registry import ModelLoadError
    from ruralcredit_scoring.model.scorer import Scorer

    try:
        scorer = Scorer(reg.load())
    except ModelLoadError as exc:
        raise LoanBookError(f"{exc}: train and promote a model first (ruralcredit scoring train --book … --promote)") from None
    frame = read_table(book)
    missing = [c for c in ("true_pd", "loan_amount", "term_days", *scorer.features) if c not in frame.columns]
    if missing:
        raise LoanBookError(f"{Path(book).name} is not a simulated applicants' book (missing {', '.join(missing[:6])}): "
                            "write one with ruralcredit cashflow loan-book")
    loans, name = len(frame), Path(book).name
    log(f"{loans:,} simulated applicants from {name}")
    frame = frame.assign(pd=scorer.score_frame(frame)["pd"].to_numpy(), amount=frame["loan_amount"])
    cfg = PricingConfig()
    log(f"scored with model {scorer.version}; pricing under both schemes")
    priced = priced_book(frame, cfg)
    f = figures(priced, cfg, switch_margin)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    log(f"writing plots and summary to {folder}")
    plot_rates(priced, f, folder / "rates.png")
    plot_adverse(adverse_selection(priced, MARGINS, cfg), folder / "adverse_selection.png")
    source = (f"{loans:,} simulated applicants ({name}), {f.applicants:,} offered a price by the policy;"
              f" model {scorer.version}. Applicants' default rate before the policy: {frame['true_pd'].mean():.2%} over a term,"
              f" {frame['true_pd'].sum() / (frame['term_days'].sum() / cfg.days_in_year):.2%} a year.")
    (folder / "summary.md").write_text(markdown(f, cfg, source))
    (folder / "figures.json").write_text(json.dumps(f.as_dict(), indent=2))
    return [source, *lines(f, cfg), f"wrote {folder / 'summary.md'}, rates.png, adverse_selection.png, figures.json"]
