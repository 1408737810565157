"""From event payloads to the domain: a cashflow.v1 assessment becomes the Application the scorer decides.

Its opposite direction, the domain's Decision as a decisions.v1 payload, is in `to_events`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

from ruralcredit_scoring.domain import Application


def application_from_cashflow(payload: Mapping, existing_exposure: Decimal = Decimal("0.00")) -> Application:
    """Application from a cashflow.v1 payload (as a dict)."""
    col = payload["collections"]

    def date(v: object) -> dt.date:
        return v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v))

    return Application(
        application_id=str(payload["application_id"]),
        merchant_id=str(payload["merchant_id"]),
        amount=Decimal(str(payload["amount"])),
        term_days=int(payload["term_days"]),
        as_of=date(payload["as_of"]),
        features={k: float(v) for k, v in payload["features"].items()},
        daily_p10=list(col["p10"]),
        daily_p50=list(col["p50"]),
        settlement_lag_days=int(payload.get("settlement_lag_days", 15)),
        payout_days=[date(d) for d in payload.get("payout_days", [])],
        existing_exposure=existing_exposure,
        term_p10=None if col.get("term_p10") is None else float(col["term_p10"]),
    )
