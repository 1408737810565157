"""One seeded simulator of rural merchants, their payouts and their loans.

Used by the cashflow backtest and by scoring training, so both see the same world.
Everything is vectorised over merchants (arrays shaped (n_merchants, n_days)); the same
seed gives the same panel.

Sales (``merchants.py``). Merchant kinds: produce sellers (one harvest category each),
village shops, cooperatives, live-stream sellers, community group-buy stations. Daily gross
sales, yuan::

    gross[t] = level · e^(growth·t/365) · season[t] · festival[t] · weekly[dow] · e^(regime[t]) · noise[t]

- season: produce sellers and cooperatives sell mostly inside their category's harvest
  window (calendar.HARVEST_WINDOWS, edges smoothed over ~10 days); shops follow a mild yearly cycle.
- festival: pre-Spring-Festival peak (days −21..−4), slump (−3..+9); 6.18 and 11.11 peak days
  at several times normal sales (live-stream sellers most) with a quadratic pre-sale ramp.
- regime: AR(1) in log level (φ = 0.985), the persistent part of business swings.
- noise: log-normal with mean 1, per-merchant sd; random zero days; 0–2 closures of
  3–20 days; one-off spikes (×3–10, 0.4% of days); late joiners have NaN before their first day.
- a produce seller's or cooperative's category is what its orders would show, so forecasters
  may use it; the other kinds have none.

Payouts (``settlement.py``). Refunds of a day's sales (per-merchant rate, noisy) are booked
1–6 days later; the net of fees and refunds is paid out after the platform's lag (15 days
by default; 7, 10 or 20 on other platforms), late by −1..+3 days with probability
1 − regularity.

Loans (``loans.py``). A loan (amount A, term T days, annual rate r) is due D = A(1 + rT/365).
Let E[C] be the expected payouts landing during the term given everything knowable at the
application date (sales already made, the seasonal mean, the current regime decaying at φ).
Default happens through any of three independent channels:

1. shortfall: term collections are log-normal around E[C] with sd
   s = sqrt(0.3² + regime_sd²·T/3 + sigma²/T); the merchant can put CAPACITY = 70% of them
   towards the loan, and one shortfall in ten (SHORTFALL_DEFAULT) ends in default, the others
   being bridged by savings, family or a rescheduled instalment:
   P_short = 0.1 · Φ((ln D − ln(0.7·E[C])) / s);
2. shock: an unforeseeable event, hazard 0.4% a year: P_shock = 1 − e^(−0.004·T/365);
3. behaviour: a yearly hazard h with ln h = −5.4 + 10·(refund_rate − 0.06) + 5·zero_day_prob
   + 1·[history < 180 days] + 1·max(−growth, 0) + u, u ~ N(0, 0.3²) unobservable;
   P_beh = 1 − e^(−h·T/365).

true_pd = 1 − (1 − P_short)(1 − P_shock)(1 − P_beh), and ``defaulted`` ~ Bernoulli(true_pd).
Everything except u, the shock and the Bernoulli draw can be estimated from the history
(coverage of the repayment by forecast collections, volatility, refund rate, zero days,
history length, trend), so cash-flow features are genuinely predictive.

Calibration. The default rates are set to the segment's published figures:

- Chinese rural commercial banks report non-performing loan ratios of about 3% (the banking
  supervisor's published statistics: CBIRC, now NFRA);
- the large digital lenders to small online merchants, deciding in seconds from sales data,
  report about 1.5–2.5% (e.g. the annual reports of MYbank and WeBank).

So the applicants before any policy default at about 4% a year (defaults per loan-year: 4.1%
expected on a 40,000-loan book, seed 1; mean PD over a term 0.8%, terms of 30–120 days), and
the loans a policy approves lower (about 2%, see the README's pricing figures). Most sellers are
safe and a tail is not: the yearly PD's median is 1.2%, its 90th percentile 5.8% and its 99th
48% (over-borrowing against collections, produce sellers applying as their harvest ends, high
refunds, thin histories). Village shops and group-buy stations default at about 1.7% a year,
produce sellers at about 7.5%.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from ruralcredit_dev.simulator.loans import LoanOutcomes, loan_outcomes
from ruralcredit_dev.simulator.merchants import KINDS, MerchantParams, draw_params, draw_sales
from ruralcredit_dev.simulator.settlement import SettlementParams, draw_settlement, settle

__all__ = ["KINDS", "LoanOutcomes", "MerchantPanel", "loan_outcomes", "simulate_merchants"]


@dataclass
class MerchantPanel:
    """Simulated merchants over consecutive days from ``start``; arrays are (n, n_days)."""

    start: date
    gross: np.ndarray  # gross sales, yuan; NaN before a merchant's first day
    refunds: np.ndarray  # refunds booked that day, yuan
    payouts: np.ndarray  # platform payouts received that day, yuan
    expected: np.ndarray  # latent expected sales without regime and noise, yuan
    regime: np.ndarray  # latent log regime
    params: MerchantParams
    settlement: SettlementParams

    @property
    def n_merchants(self) -> int:
        """Number of merchants."""
        return self.gross.shape[0]

    @property
    def n_days(self) -> int:
        """Number of days."""
        return self.gross.shape[1]


def simulate_merchants(
    n: int, *, start: date = date(2023, 1, 1), n_days: int = 730, seed: int = 0, min_history: int = 30
) -> MerchantPanel:
    """Simulate ``n`` merchants' daily sales, refunds and payouts (deterministic per seed)."""
    rng = np.random.default_rng(seed)
    params = draw_params(n, n_days, rng, min_history=min_history)
    settlement = draw_settlement(params.kind, rng)
    gross, expected, regime = draw_sales(params, start, n_days, rng)
    refunds, payouts = settle(gross, settlement, rng)
    return MerchantPanel(start, gross, refunds, payouts, expected, regime, params, settlement)
