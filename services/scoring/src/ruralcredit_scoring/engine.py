"""The scorer as the service holds it: the promoted model (hot-swapped), the configured policy
and pricing, an optional challenger in shadow, and the merchant's existing exposure."""

from __future__ import annotations

import datetime as dt
import threading
import time
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ruralcredit_scoring.domain import Decision
from ruralcredit_scoring.domain.config import DEFAULT_POLICY, PricingConfig
from ruralcredit_scoring.drift_monitor import DriftMonitor
from ruralcredit_scoring.from_events import application_from_cashflow
from ruralcredit_scoring.model.registry import ModelLoadError, Registry
from ruralcredit_scoring.model.scorer import Scorer
from ruralcredit_scoring.orm import DecisionRecord
from ruralcredit_scoring.settings import Settings


def pricing_config(s: Settings) -> PricingConfig:
    """Pricing figures from settings."""
    return PricingConfig(
        benchmark=s.benchmark_rate,
        funding_cost=s.funding_cost,
        operating_cost=s.operating_cost,
        margin=s.margin,
        lgd=s.lgd,
        ceiling=s.rate_ceiling,
        schedule_mode=s.schedule_mode,
    )


class Engine:
    """Decides applications with the promoted model, and follows the registry: a newly promoted
    version is picked up without a restart, and a broken one leaves the running model in place."""

    def __init__(self, settings: Settings, check_every_s: float = 1.0) -> None:
        self.registry = Registry(settings.registry_dir)
        self.pcfg, self.rcfg = DEFAULT_POLICY, pricing_config(settings)
        self.check_every_s = check_every_s
        self._champion = Scorer(self.registry.load(), self.pcfg, self.rcfg)
        self._checked = time.monotonic()
        self._lock = threading.Lock()
        self.last_error: str | None = None
        self.drift = DriftMonitor()
        self.challenger: Scorer | None = None
        if settings.challenger_version:
            try:
                self.challenger = Scorer(self.registry.load(settings.challenger_version), self.pcfg, self.rcfg)
            except ModelLoadError as exc:
                raise ModelLoadError(f"challenger {settings.challenger_version}: {exc}") from exc

    @property
    def scorer(self) -> Scorer:
        """The champion, as currently promoted (the registry is looked at once a second at most)."""
        now = time.monotonic()
        if now - self._checked < self.check_every_s:
            return self._champion
        with self._lock:
            self._checked = now
            version = self.registry.promoted_version()
            if version and version != self._champion.version:
                try:
                    self._champion = Scorer(self.registry.load(version), self.pcfg, self.rcfg)
                    self.last_error = None
                except ModelLoadError as e:
                    self.last_error = str(e)
        return self._champion

    def decide(self, payload: dict[str, Any], existing_exposure: Decimal = Decimal("0.00")) -> Decision:
        """The champion's decision on a cashflow.v1 payload (as a dict)."""
        return self.scorer.decide(application_from_cashflow(payload, existing_exposure))

    def record(self, decision: Decision) -> None:
        """Count a decision made for real (not a what-if) towards the drift figures."""
        self.drift.observe(self.scorer.drift_reference, decision.pd, decision.features)

    def shadow(self, payload: dict[str, Any], existing_exposure: Decimal = Decimal("0.00")) -> Decision | None:
        """The challenger's decision on the same payload, if one is configured."""
        if self.challenger is None:
            return None
        return self.challenger.decide(application_from_cashflow(payload, existing_exposure))


def existing_exposure(session: Session, merchant_id: str, now: dt.datetime) -> Decimal:
    """What the merchant may still owe on approved limits whose term has not ended."""
    total = session.scalar(
        select(func.sum(DecisionRecord.limit)).where(
            DecisionRecord.merchant_id == merchant_id,
            DecisionRecord.outcome == "approve",
            DecisionRecord.exposure_ends_at > now,
        )
    )
    return Decimal(total or 0).quantize(Decimal("0.01"))


def exposure_ends_at(decided_at: dt.datetime, term_days: int) -> dt.datetime:
    """When an approved limit stops counting towards the merchant's exposure."""
    return decided_at + dt.timedelta(days=term_days)
