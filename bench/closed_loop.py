"""Closed loop: simulated sellers apply month by month, are decided, repay from their payouts or
default, and the model is retrained on the bank's own outcomes.

Run: .venv/bin/python bench/closed_loop.py [--merchants 8000] [--per-month 2500] [--months 18]
     [--retrain-month 12] [--initial-loans 100000] [--seed 7]

- The first model is the service's own: trained on the simulator's historical book of other
  merchants (`ruralcredit cashflow loan-book`, then `ruralcredit scoring train --book`), features from the cashflow service's code.
  The book is the 100,000 loans the PD model is built from: on 40,000 (about 300 defaults) the
  calibration drawn from the outcomes strayed far enough from the true PD (A over-predicted by
  30%, C and D under by a sixth) for the largest grade to miss its interval.
- Each month a sample of the simulated merchants applies (term 30 to 120 days, amounts around
  what their recent sales could repay); the promoted model's PD and the policy decide (approve
  at PD <= the refer threshold with 90 days of history; the rest is referred or declined and not
  lent here); the rate is the scorer's risk-based price.
- Each loan's outcome is drawn from the simulator's true PD. Its schedule falls on the merchant's
  payout weekdays (the applications service's loan rules); instalments are deducted from the
  simulated payouts (70% of what lands between due dates), a shortfall is paid at the branch 1 to
  20 days late, and a loan drawn to default stops paying at a random instalment and defaults 90
  days past due, as the daily job counts it.
- At the retraining month the bank's own loans whose outcome window has passed (judged as the
  `book` command judges them: a loan counts once it can no longer default unseen, repaid or not)
  are trained on as any bank's book is (`train --book`): alone, and together with the book the
  first model learnt from. The second decides the later months: the first model's evidence and
  the bank's own.
- Printed: realised against predicted default by grade for the loans each model decided, once
  all have run their window, with the simulator's mean true PD of the same loans (predicted against
  true is the model's calibration, realised against true the luck of the draw), and the AUC of the
  first and both retrained models on the same later applicants (every applicant, lent to or not:
  the simulator knows each one's outcome), against the drawn defaults and averaged over the draws,
  with the true PD's.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import time
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from ruralcredit_applications.domain import loans as rules
from ruralcredit_cashflow.domain.assess import assess_batch
from ruralcredit_cashflow.model.gbm import load_forecaster
from ruralcredit_cashflow.model.loan_book_file import book_spec
from ruralcredit_cashflow.model.simulated_loans import TERM_SHARES, TERMS, simulate_loan_book
from ruralcredit_cashflow.model.training import cut
from ruralcredit_dev.simulator import loan_outcomes, simulate_merchants
from ruralcredit_scoring.domain import portfolio as pf
from ruralcredit_scoring.domain.config import DEFAULT_POLICY
from ruralcredit_scoring.domain.pricing import price
from ruralcredit_scoring.model import pipeline
from ruralcredit_scoring.model.crossfit import BookConfig
from ruralcredit_scoring.model.loanbook import LoanBookError, spec_from_json
from ruralcredit_scoring.model.scorer import Scorer

START = dt.date(2023, 1, 1)
FIRST_MONTH_DAY = 400  # applications start once most merchants have a year of history
MONTH = 30
CAPACITY = 0.7  # share of a payout the platform may deduct (the simulator's repayment capacity)
LOOKBACK = 56


@dataclass
class Applicants:
    """One month's applications: who, when, what, their features and their drawn outcome."""

    month: int
    rows: np.ndarray
    day: np.ndarray
    term: np.ndarray
    amount: np.ndarray
    features: pd.DataFrame
    true_pd: np.ndarray = field(default_factory=lambda: np.zeros(0))
    defaulted: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    rate: list[float] = field(default_factory=list)

    def draw(self, panel, rates: list[float], rng) -> None:
        """Each applicant's true PD at the rate it was priced at, and its drawn outcome (lent to or not)."""
        truth = loan_outcomes(panel, self.rows, self.day, self.amount, self.term, np.asarray(rates),
                              self.features["history_days"].to_numpy(), rng)
        self.true_pd, self.defaulted, self.rate = truth.true_pd, truth.defaulted.astype(bool), rates


def applicants(panel, month: int, n: int, forecaster, rng) -> Applicants:
    """A month of applications by merchants with at least 30 days of history."""
    first = FIRST_MONTH_DAY + month * MONTH
    rows = rng.choice(panel.n_merchants, size=3 * n)
    day = first + rng.integers(0, MONTH, size=len(rows))
    keep = np.nonzero(panel.params.first_day[rows] + 30 <= day)[0][:n]
    rows, day = rows[keep], day[keep]
    term = rng.choice(TERMS, size=len(rows), p=TERM_SHARES)
    g = panel.gross[rows[:, None], day[:, None] - np.arange(90)[None, :]]
    recent = np.nan_to_num(np.nanmean(np.where(np.isfinite(g), g, np.nan), axis=1))
    amount = np.round(np.clip(0.12 * recent * term * rng.lognormal(0.0, 0.6, len(rows)), 500, 2_000_000), -2)
    rate_guess = np.full(len(rows), 0.10)
    w = cut(panel, rows, day, horizon=1)
    res = assess_batch(w.batch, amount=amount, term_days=term, annual_rate_guess=rate_guess, forecaster=forecaster,
                       horizon=int(term.max()))
    return Applicants(month, rows, day, term, amount, pd.DataFrame(res.features))


def repay(panel, row: int, day: int, term: int, amount: float, rate: float, defaults: bool, pd_: float, grade: str,
          rng) -> pf.Loan:
    """One loan's life under the applications service's rules: schedule on payout days, deductions, arrears, outcome."""
    on = START + dt.timedelta(days=int(day))
    seen = panel.payouts[row, max(0, day - LOOKBACK):day]
    weekdays = rules.payout_weekdays(START + dt.timedelta(days=int(day - len(seen) + i)) for i in np.nonzero(seen > 0)[0])
    dues = rules.due_dates(on, term, int(panel.settlement.lag[row]), weekdays)
    plan = rules.schedule(rules.yuan(Decimal(str(amount))), Decimal(str(rate)), on, dues)
    stop = rng.integers(0, len(plan)) if defaults else len(plan)
    payments: list[tuple[dt.date, Decimal]] = []
    since = day
    for k, inst in enumerate(plan):
        if k >= stop:
            break
        col = (inst.due - START).days
        landed = float(np.nansum(panel.payouts[row, since + 1:col + 1])) if col < panel.n_days else 0.0
        deducted = min(inst.amount, rules.yuan(Decimal(CAPACITY * landed)))
        if deducted > 0:
            payments.append((inst.due, deducted))
        if inst.amount > deducted:
            payments.append((inst.due + dt.timedelta(days=int(rng.integers(1, 21))), inst.amount - deducted))
        since = col
    for when, paid in sorted(payments):
        rules.allocate(plan, paid, when)
    late = [i.due + dt.timedelta(days=rules.DEFAULT_AFTER_DAYS) for i in plan
            if i.paid_on is None or i.paid_on >= i.due + dt.timedelta(days=rules.DEFAULT_AFTER_DAYS)]
    defaulted_on = min(late) if late else None
    repaid_on = None if defaulted_on else max(i.paid_on for i in plan)
    return pf.Loan(loan_id=f"{row}-{day}", disbursed_on=on, maturity_on=dues[-1], default_after_days=rules.DEFAULT_AFTER_DAYS,
                   grade=grade, pd=pd_, status="defaulted" if defaulted_on else "repaid", defaulted_on=defaulted_on, repaid_on=repaid_on)


def decide(scorer: Scorer, a: Applicants) -> pd.DataFrame:
    """PD, grade and the policy's approval of each applicant."""
    scored = scorer.score_frame(a.features)
    scored["approved"] = (scored["pd"] <= DEFAULT_POLICY.refer_pd) & (a.features["history_days"].to_numpy() >= DEFAULT_POLICY.min_history_days)
    return scored


def first_model(n: int, seed: int, log) -> tuple[Scorer, object, pd.DataFrame]:
    """The service's own model: the simulator's historical book of other merchants; returns it, its spec and the book."""
    frame, sim_spec = simulate_loan_book(n, seed, progress=None)
    spec = spec_from_json(book_spec(sim_spec))
    result = pipeline.train_frame(frame, spec, BookConfig(seed=seed), log)
    return Scorer(pipeline.loaded(result, "first")), spec, frame[[*spec.features, "defaulted"]]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--merchants", type=int, default=8000)
    ap.add_argument("--per-month", type=int, default=2500)
    ap.add_argument("--months", type=int, default=18)
    ap.add_argument("--retrain-month", type=int, default=12)
    ap.add_argument("--initial-loans", type=int, default=100000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    t0 = time.perf_counter()
    rng = np.random.default_rng(args.seed)

    first, spec, history = first_model(args.initial_loans, args.seed + 1000, lambda *_: None)
    print(f"first model: {args.initial_loans} simulated historical loans of other merchants ({time.perf_counter() - t0:.0f} s)")
    n_days = FIRST_MONTH_DAY + args.months * MONTH + int(TERMS.max()) + 40
    panel = simulate_merchants(args.merchants, start=START, n_days=n_days, seed=args.seed)
    forecaster = load_forecaster(None)
    serving, name = first, "first"
    challengers: dict[str, Scorer] = {}
    decided: dict[str, list[pf.Loan]] = {"first": [], "retrained": []}
    true_pd: dict[str, list[float]] = {"first": [], "retrained": []}  # the simulator's, beside each decided loan
    later: list[tuple[Applicants, dict[str, np.ndarray]]] = []
    applied: list[Applicants] = []
    for month in range(args.months):
        if month == args.retrain_month:
            challengers = retrain(decided["first"], applied, spec, history, args.seed, month)
            if "own and history" in challengers:
                serving, name = challengers["own and history"], "retrained"
        a = applicants(panel, month, args.per_month, forecaster, rng)
        d = decide(serving, a)
        a.draw(panel, [float(price(p, int(t)).annual_rate) for p, t in zip(d["pd"], a.term, strict=True)], rng)
        applied.append(a)
        for i in np.nonzero(d["approved"].to_numpy())[0]:
            decided[name].append(repay(panel, int(a.rows[i]), int(a.day[i]), int(a.term[i]), float(a.amount[i]), a.rate[i],
                                       bool(a.defaulted[i]), float(d["pd"].iat[i]), str(d["grade"].iat[i]), rng))
            true_pd[name].append(float(a.true_pd[i]))
        if challengers:
            later.append((a, {"first": first.score_frame(a.features)["pd"].to_numpy(),
                              **{k: m.score_frame(a.features)["pd"].to_numpy() for k, m in challengers.items()}}))
        print(f"month {month + 1:2d}: {len(a.rows)} applied, {int(d['approved'].sum())} approved by the {name} model, "
              f"mean PD of approved {d.loc[d['approved'], 'pd'].mean():.2%}, drawn defaults among them "
              f"{a.defaulted[d['approved'].to_numpy()].mean():.2%}")
    for name, loans in decided.items():
        report_grades(name, loans, true_pd[name])
    report_auc(later)
    print(f"wall time {time.perf_counter() - t0:.0f} s")


def own_book(loans: list[pf.Loan], applied: list[Applicants], as_of: dt.date, features: list[str]) -> pd.DataFrame:
    """The bank's own loans whose outcome window has passed by `as_of`, with their decision-time features."""
    frame = pd.concat([a.features.assign(loan_id=[f"{r}-{d}" for r, d in zip(a.rows, a.day, strict=True)]) for a in applied])
    frame = frame.drop_duplicates("loan_id").set_index("loan_id")
    outcome = {x.loan_id: pf.outcome(x, as_of) for x in loans}
    matured = [k for k, v in outcome.items() if v in pf.MATURED]
    book = frame.loc[matured, features].copy()
    book["defaulted"] = [int(outcome[k] == pf.DEFAULTED) for k in matured]
    return book.reset_index(drop=True)


def retrain(loans: list[pf.Loan], applied: list[Applicants], spec, history: pd.DataFrame, seed: int, month: int) -> dict[str, Scorer]:
    """Train on the bank's own matured loans as on any bank's book: alone, and together with the first model's book."""
    as_of = START + dt.timedelta(days=FIRST_MONTH_DAY + month * MONTH)
    book = own_book(loans, applied, as_of, list(spec.features))
    bank_spec = dataclasses.replace(spec, true_pd=None, min_defaults=30, population="the bank's own matured loans")
    print(f"retraining at month {month}: {len(book)} of the bank's own loans have run their outcome window, "
          f"{int(book['defaulted'].sum())} defaulted")
    out = {}
    for name, frame in (("own only", book), ("own and history", pd.concat([history, book], ignore_index=True))):
        try:
            result = pipeline.train_frame(frame, bank_spec, BookConfig(seed=seed), lambda *_: None)
        except LoanBookError as e:
            print(f"  {name}: not trained: {e}")
            continue
        out[name] = Scorer(pipeline.loaded(result, name))
        print(f"  {name}: {len(frame)} loans, {result.kind}, AUC {result.metrics[result.kind]['auc']:.3f} ({result.evaluation})")
    return out


def report_grades(name: str, loans: list[pf.Loan], true_pd: list[float]) -> None:
    """Realised against predicted by grade of the loans a model decided, once every one has run its window,
    beside the simulator's true PD of the same loans: predicted against true is the model's calibration,
    realised against true the luck of one draw of the outcomes."""
    if not loans:
        return
    end = max(x.maturity_on for x in loans) + dt.timedelta(days=rules.DEFAULT_AFTER_DAYS + 1)
    truth: dict[str, list[float]] = {}
    for loan, p in zip(loans, true_pd, strict=True):
        truth.setdefault(str(loan.grade), []).append(p)
    print(f"\nloans decided by the {name} model: {len(loans)}, realised against predicted default by grade:")
    print("| grade | loans | defaults | realised | predicted | 95% interval | | true PD |\n"
          "| --- | ---: | ---: | ---: | ---: | --- | --- | ---: |")
    for g in pf.by_grade(loans, end):
        verdict = "outside" if g.outside else ("within" if g.loans >= pf.MIN_LOANS else "too few loans")
        print(f"| {g.grade} | {g.loans} | {g.defaults} | {g.realised:.2%} | {g.predicted:.2%} | {g.low:.2%} – {g.high:.2%} | {verdict} "
              f"| {np.mean(truth[g.grade]):.2%} |")


def report_auc(later) -> None:
    """AUC of each model on the same later applicants: against the drawn defaults, and over all draws."""
    if not later:
        return
    y = np.concatenate([a.defaulted for a, _ in later])
    truth = np.concatenate([a.true_pd for a, _ in later])
    print(f"\nlater applicants (from the retraining month): {len(y)}, {y.mean():.2%} drawn to default")
    print("| model | AUC, drawn defaults | expected AUC over the draws |\n| --- | ---: | ---: |")
    for name in later[0][1]:
        p = np.concatenate([scores[name] for _, scores in later])
        print(f"| {name} | {roc_auc_score(y, p):.4f} | {expected_auc(truth, p):.4f} |")
    print(f"| true PD | {roc_auc_score(y, truth):.4f} | {expected_auc(truth, truth):.4f} |")


def expected_auc(true_pd: np.ndarray, score: np.ndarray) -> float:
    """The AUC averaged over every draw of the outcomes: each applicant counts as a default with weight
    its true PD and as repaid with the rest; far less noisy than one draw when defaults are few."""
    y = np.r_[np.ones(len(score)), np.zeros(len(score))]
    return float(roc_auc_score(y, np.r_[score, score], sample_weight=np.r_[true_pd, 1 - true_pd]))


if __name__ == "__main__":
    main()
