"""Tables of the scoring service: every decision made, with its inputs, and shadow scores."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Index, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from ruralcredit_common.db import UtcDateTime, make_base, utcnow

Base: Any = make_base()


class DecisionRecord(Base):
    """A decision as emitted on decisions.v1, kept with the model and policy versions."""

    __tablename__ = "decisions"
    __table_args__ = (Index("ix_decisions_merchant_exposure", "merchant_id", "exposure_ends_at"),)
    application_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    merchant_id: Mapped[str] = mapped_column(String(40), index=True)
    outcome: Mapped[str] = mapped_column(String(10))
    pd: Mapped[float]
    grade: Mapped[str] = mapped_column(String(2))
    model_version: Mapped[str] = mapped_column(String(60))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The approved limit and when its term ends: the merchant's exposure, without reading payloads.
    limit: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    exposure_ends_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    # When the assessment was taken from the broker; decided_at is when the decision was made.
    received_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    decided_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)


class ShadowScore(Base):
    """A challenger model's score for the same application, recorded beside the champion's."""

    __tablename__ = "shadow_scores"
    application_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    challenger_version: Mapped[str] = mapped_column(String(60), primary_key=True)
    pd: Mapped[float]
    grade: Mapped[str] = mapped_column(String(2))
    outcome: Mapped[str] = mapped_column(String(10))
    champion_pd: Mapped[float]
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
