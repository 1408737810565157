"""The portfolio monitoring report: Markdown with PNG plots, for the risk owner and the model's validators."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # written by servers and CI, where no display exists

import matplotlib.pyplot as plt

from ruralcredit_scoring.domain import portfolio as pf
from ruralcredit_scoring.portfolio_monitor import Figures

STATES = (*pf.BUCKETS, "default", "repaid")


def _save(fig: plt.Figure, path: Path) -> None:
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _grades_plot(figures: Figures, path: Path) -> None:
    fig, ax = plt.subplots(figsize=(6, 4))
    xs = range(len(figures.grades))
    for x, g in zip(xs, figures.grades, strict=True):
        ax.plot([x, x], [g.low, g.high], color="grey", linewidth=6, alpha=0.4, solid_capstyle="butt")
    ax.scatter(xs, [g.predicted for g in figures.grades], marker="_", s=400, color="black", label="predicted (mean PD)")
    ax.scatter(xs, [g.realised for g in figures.grades], color=["tab:red" if g.outside else "tab:blue" for g in figures.grades],
               zorder=3, label="realised")
    ax.set_xticks(list(xs), [f"{g.grade}\n{g.loans} loans" for g in figures.grades])
    ax.set_ylabel("default rate")
    ax.set_title("Realised against predicted default, 95% interval")
    ax.legend()
    _save(fig, path)


def _vintage_plot(figures: Figures, path: Path) -> None:
    fig, ax = plt.subplots(figsize=(6, 4))
    for cohort, curve in sorted(figures.vintages.items())[-12:]:
        ax.plot(range(len(curve)), curve, marker=".", label=cohort)
    ax.set_xlabel("months on book")
    ax.set_ylabel("cumulative default rate")
    ax.set_title("Vintages by month of disbursement")
    if figures.vintages:
        ax.legend(fontsize=7, ncol=2)
    _save(fig, path)


def _arrears_plot(figures: Figures, path: Path) -> None:
    fig, ax = plt.subplots(figsize=(6, 3.5))
    names = list(figures.arrears)
    ax.bar(names, [float(figures.arrears[b][1]) for b in names], color="tab:orange")
    ax.set_ylabel("principal outstanding (yuan)")
    ax.set_title("Open loans by arrears bucket")
    _save(fig, path)


def _pct(x: float) -> str:
    return f"{x:.1%}"


def markdown(figures: Figures) -> str:
    """The report's text; the plots are the PNG files beside it."""
    matured = sum(g.loans for g in figures.grades)
    lines = [f"# Portfolio monitoring as of {figures.as_of}", "",
             f"{len(figures.loans)} loans disbursed, {matured} with a known outcome and a grade at decision.", "",
             "## Realised against predicted default by grade", "", "![grades](grades.png)", "",
             "| grade | matured loans | defaults | realised | predicted (mean PD) | 95% interval | |",
             "| --- | ---: | ---: | ---: | ---: | --- | --- |"]
    for g in figures.grades:
        flag = "**outside**" if g.outside else ("too few loans" if g.loans < pf.MIN_LOANS else "within")
        lines.append(f"| {g.grade} | {g.loans} | {g.defaults} | {_pct(g.realised)} | {_pct(g.predicted)} | "
                     f"{_pct(g.low)} – {_pct(g.high)} | {flag} |")
    lines += ["", "The interval is the central 95% of the default rate a binomial draw of the grade's loans at their "
              f"mean PD would give; with fewer than {pf.MIN_LOANS} loans a grade is shown but never flagged.", "",
              "## Vintages", "", "![vintages](vintages.png)", "",
              "| disbursed in | loans' cumulative default rate by months on book |", "| --- | --- |"]
    for cohort, curve in sorted(figures.vintages.items()):
        lines.append(f"| {cohort} | {' · '.join(_pct(x) for x in curve)} |")
    lines += ["", "## Arrears", "", "![arrears](arrears.png)", "", "| bucket | open loans | principal outstanding |", "| --- | ---: | ---: |"]
    for bucket, (n, amount) in figures.arrears.items():
        lines.append(f"| {bucket} | {n} | {amount:,.2f} |")
    lines += ["", "## Roll rates (month end to month end)", "", "| from \\ to | " + " | ".join(STATES) + " | rolled worse |",
              "| --- |" + " ---: |" * (len(STATES) + 1)]
    for source in pf.BUCKETS:
        if sum(figures.rolls.counts[source].values()):
            lines.append(f"| {source} | " + " | ".join(_pct(figures.rolls.share(source, t)) for t in STATES)
                         + f" | {_pct(figures.rolls.worse(source))} |")
    lines += ["", "## Override outcomes", "", "| approved by | matured loans | defaults | realised | predicted (mean PD) |",
              "| --- | ---: | ---: | ---: | ---: |"]
    names = {"model": "the model", "refer": "an officer, over a referral", "decline": "an officer, over a decline"}
    for o in figures.overrides:
        lines.append(f"| {names.get(o.kind, o.kind)} | {o.loans} | {o.defaults} | {_pct(o.realised)} | {_pct(o.predicted)} |")
    return "\n".join(lines) + "\n"


def write(figures: Figures, out: Path) -> list[str]:
    """Write portfolio.md and its plots into `out`; returns what to print."""
    out.mkdir(parents=True, exist_ok=True)
    _grades_plot(figures, out / "grades.png")
    _vintage_plot(figures, out / "vintages.png")
    _arrears_plot(figures, out / "arrears.png")
    (out / "portfolio.md").write_text(markdown(figures))
    flagged = [g.grade for g in figures.grades if g.outside]
    return [f"wrote {out / 'portfolio.md'} with grades.png, vintages.png and arrears.png",
            "grades outside their interval: " + (", ".join(flagged) if flagged else "none")]
