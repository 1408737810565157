"""Loan outcome mechanism: a known true PD per simulated loan and its Bernoulli outcome."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from ruralcredit_dev.simulator.merchants import REGIME_PHI

# Calibrated to the segment's published default rates (see the package docstring): about 4% a
# year over the applicants before any policy, most sellers far safer, a tail far riskier.
CAPACITY = 0.7  # share of collections a merchant can put towards the loan (the rest: stock, living costs)
# Share of shortfalls that end in default: most are bridged by savings, family or a rescheduled
# instalment, as the lenders' cure rates show.
SHORTFALL_DEFAULT = 0.1
# unforeseeable shocks (illness, flood, platform ban) per year, for established small borrowers
SHOCK_HAZARD = 0.004
BEHAVIOUR_BASE = -5.4  # log of the yearly hazard of walking away for a typical seller (≈ 0.45% a year)
BEHAVIOUR_SD = 0.3  # unobservable willingness-to-pay, log-hazard sd
MIN_TERM_SD = 0.3  # uncertainty of term collections no history removes (weather, prices)


@dataclass
class LoanOutcomes:
    """Ground truth for a batch of loans; arrays of length n_loans."""

    due: np.ndarray  # principal plus simple interest, yuan
    expected_collections: np.ndarray  # expected payouts during the term, yuan
    p_shortfall: np.ndarray
    p_shock: np.ndarray
    p_behaviour: np.ndarray
    true_pd: np.ndarray
    defaulted: np.ndarray


def expected_payouts(panel, rows: np.ndarray, app_col: np.ndarray, term_days: np.ndarray) -> np.ndarray:
    """Expected payouts landing in (app, app + term] given what is known at the application."""
    p, s = panel.params, panel.settlement
    out = np.zeros(len(rows))
    horizon = int(term_days.max())
    net = 1 - s.fee_rate[rows] - s.refund_rate[rows]
    lag = s.lag[rows]
    # sale day offsets k (relative to the application) whose payout lands inside the term
    for k in range(-int(lag.max()), horizon + 1):
        land = k + lag
        inside = (land > 0) & (land <= term_days)
        col = np.clip(app_col + k, 0, panel.n_days - 1)
        if k <= 0:
            m = np.nan_to_num(panel.gross[rows, np.clip(col, 0, None)])
        else:
            decay = REGIME_PHI**k
            m = panel.expected[rows, col] * np.exp(panel.regime[rows, app_col] * decay) * (1 - p.zero_prob[rows])
        out += np.where(inside & (app_col + k >= p.first_day[rows]), m * net, 0.0)
    return out


def loan_outcomes(panel, rows, app_col, amount, term_days, annual_rate, history_days, rng) -> LoanOutcomes:
    """True PD and Bernoulli default for loans of ``panel`` merchants (see package docstring)."""
    p, s = panel.params, panel.settlement
    due = amount * (1 + annual_rate * term_days / 365.0)
    ec = expected_payouts(panel, rows, app_col, term_days)
    term_sd = np.sqrt(MIN_TERM_SD**2 + p.regime_sd[rows] ** 2 * term_days / 3.0 + p.sigma[rows] ** 2 / term_days)
    years = term_days / 365.0
    p_short = SHORTFALL_DEFAULT * ndtr((np.log(due) - np.log(np.maximum(CAPACITY * ec, 1e-6))) / term_sd)
    p_shock = 1 - np.exp(-SHOCK_HAZARD * years)
    log_hazard = (
        BEHAVIOUR_BASE
        + 10.0 * (s.refund_rate[rows] - 0.06)
        + 5.0 * p.zero_prob[rows]
        + 1.0 * (history_days < 180)
        + 1.0 * np.clip(-p.growth[rows], 0, None)
        + rng.normal(0, BEHAVIOUR_SD, len(rows))
    )
    # A hazard a year, so that a longer loan is exposed for longer.
    p_beh = 1 - np.exp(-np.exp(log_hazard) * years)
    pd_ = 1 - (1 - p_short) * (1 - p_shock) * (1 - p_beh)
    return LoanOutcomes(
        due, ec, p_short, np.broadcast_to(p_shock, p_short.shape).copy(), p_beh, pd_, (rng.random(len(rows)) < pd_).astype(int)
    )
