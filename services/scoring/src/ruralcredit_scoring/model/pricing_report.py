"""Pricing report: the blanket +45% premium against risk-based prices over a simulated portfolio."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import numpy as np
import pandas as pd

from ruralcredit_scoring.domain import PolicyConfig, PricingConfig
from ruralcredit_scoring.domain.config import DEFAULT_PRICING
from ruralcredit_scoring.domain.pricing import blanket_rate, price

DEFAULT_AMOUNT, DEFAULT_TERM = 50000.0, 90


def risk_rates(pds: np.ndarray, terms: np.ndarray, cfg: PricingConfig) -> tuple[np.ndarray, np.ndarray]:
    """Risk-based annual rate per loan and whether the ceiling capped it."""
    quotes = [price(float(p), int(t), cfg) for p, t in zip(pds, terms)]
    return np.array([float(q.annual_rate) for q in quotes]), np.array([q.capped for q in quotes])


def costed_blanket(cfg: PricingConfig) -> float:
    """The blanket premium read as a risk charge on the lender's own cost base: benchmark x 1.45
    plus funding, operating cost and margin, the same parts a risk-based price has."""
    return float(blanket_rate(cfg) + cfg.funding_cost + cfg.operating_cost + cfg.margin)


def scheme_row(name: str, rate: np.ndarray, frame: pd.DataFrame, reference: float, cfg: PricingConfig) -> dict:
    """Figures for one pricing scheme over the portfolio."""
    years = frame["term_days"].to_numpy() / cfg.days_in_year
    amount = frame["amount"].to_numpy()
    cost = float(cfg.benchmark + cfg.funding_cost + cfg.operating_cost)
    # Income above the cost of money and of running the loan is what pays for losses and margin.
    spread = ((rate - cost) * amount * years).sum()
    lgd = float(cfg.lgd)
    el = (frame["el_pd"].to_numpy() * lgd * amount).sum()
    row = {
        "scheme": name,
        "mean_rate": float(rate.mean()),
        "pays_less_than_blanket": float((rate < reference - 1e-12).mean()),
        "pays_less_than_costed_blanket": float((rate < costed_blanket(cfg) - 1e-12).mean()),
        "el_covered": float(spread / el) if el else float("nan"),
        "margin_after_el": float((spread - el) / (amount * years).sum()),
    }
    if "defaulted" in frame:
        loss = (frame["defaulted"].to_numpy() * lgd * amount).sum()
        row["realised_loss_covered"] = float(spread / loss) if loss else float("nan")
        row["margin_after_loss"] = float((spread - loss) / (amount * years).sum())
    return row


def compare(frame: pd.DataFrame, pd_col: str = "pd", cfg: PricingConfig = DEFAULT_PRICING) -> pd.DataFrame:
    """One row per scheme (blanket at 40/45/50% and risk-based): rates, who pays less, loss cover, margin."""
    frame = frame.copy()
    if "amount" not in frame:
        frame["amount"] = frame.get("loan_amount", DEFAULT_AMOUNT)
    if "term_days" not in frame:
        frame["term_days"] = DEFAULT_TERM
    # Expected loss is judged by the true PD where the simulator knows it, not by the model's own view.
    frame["el_pd"] = frame["true_pd"] if "true_pd" in frame else frame[pd_col]
    reference = float(blanket_rate(cfg))
    rows = []
    for premium in ("0.40", "0.45", "0.50"):
        rate = float(blanket_rate(replace(cfg, blanket_premium=Decimal(premium))))
        rows.append(scheme_row(f"blanket +{float(premium):.0%}", np.full(len(frame), rate), frame, reference, cfg))
    rates, capped = risk_rates(frame[pd_col].to_numpy(), frame["term_days"].to_numpy(), cfg)
    risk = scheme_row("risk-based", rates, frame, reference, cfg)
    risk["capped_share"] = float(capped.mean())
    rows.append(risk)
    return pd.DataFrame(rows)


def format_table(table: pd.DataFrame) -> str:
    """Percentages for people."""
    shown = table.copy()
    for c in shown.columns[1:]:
        shown[c] = shown[c].map(lambda v: f"{v:.2%}" if pd.notna(v) else "")
    return shown.to_string(index=False)


def report(reg, loans: int = 20000, seed: int = 101) -> list[str]:
    """The pricing report for a simulated portfolio scored by the promoted model (trained first if none is)."""
    from ruralcredit_scoring.model.pipeline import register, simulated_book, train_simulated
    from ruralcredit_scoring.model.registry import ModelLoadError
    from ruralcredit_scoring.model.scorer import Scorer

    try:
        scorer = Scorer(reg.load())
    except ModelLoadError:
        print("no promoted model: training one on the simulator (seed 0)")
        register(train_simulated(20000, 0), reg, promote=True)
        scorer = Scorer(reg.load())
    frame, _ = simulated_book(loans, seed)
    frame["pd"] = scorer.score_frame(frame)["pd"].to_numpy()
    cfg = PricingConfig()
    ceiling = PolicyConfig().pd_ceiling
    lendable = frame[frame["pd"] <= ceiling]
    # Only merchants the policy would lend to are priced in practice.
    return [
        f"portfolio: {len(frame)} simulated loans (seed {seed}), model {scorer.version}",
        f"benchmark {cfg.benchmark:.2%}, funding {cfg.funding_cost:.2%}, operating {cfg.operating_cost:.2%}, "
        f"margin {cfg.margin:.2%}, LGD {cfg.lgd}, ceiling {cfg.ceiling:.2%}, blanket {blanket_rate(cfg):.2%} "
        f"(on the same cost base: {costed_blanket(cfg):.2%})",
        f"\nall {len(frame)} loans (mean model PD {frame['pd'].mean():.2%}, default rate {frame['defaulted'].mean():.2%})",
        format_table(compare(frame, "pd", cfg)),
        f"\n{len(lendable)} loans within the policy's PD ceiling {ceiling:.0%} (mean PD {lendable['pd'].mean():.2%})",
        format_table(compare(lendable, "pd", cfg)),
    ]
