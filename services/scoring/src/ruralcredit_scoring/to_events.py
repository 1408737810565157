"""From the domain to event payloads: the Decision as a decisions.v1 payload (its opposite is `from_events`)."""

from __future__ import annotations

import datetime as dt

from ruralcredit_common.contracts import decisions as decisions_v1
from ruralcredit_scoring.domain import Decision


def to_contract(d: Decision, decided_at: dt.datetime) -> decisions_v1.DecisionMade:
    """The decision as the event payload."""
    # One validation of plain dicts: a model built per instalment and per reason took twice as long.
    return decisions_v1.DecisionMade.model_validate(dict(
        application_id=d.application_id,
        merchant_id=d.merchant_id,
        outcome=d.outcome,
        pd=round(d.pd, 6),
        grade=d.grade,
        limit=d.limit,
        term_days=d.term_days,
        rate=dict(
            benchmark=d.rate.benchmark,
            funding_and_operating=d.rate.funding_and_operating,
            expected_loss=d.rate.expected_loss,
            margin=d.rate.margin,
            uncapped=d.rate.uncapped,
            annual_rate=d.rate.annual_rate,
            capped=d.rate.capped,
        )
        if d.rate
        else None,
        schedule=[
            dict(due=i.due, amount=i.amount, principal=i.principal, interest=i.interest)
            for i in d.schedule
        ],
        reasons=[
            dict(
                code=r.code,
                feature=r.feature,
                text_en=r.text_en,
                text_zh=r.text_zh,
                contribution=round(r.contribution, 4),
                value=r.value,
                to_improve=r.to_improve,
            )
            for r in d.reasons
        ],
        policy_rule=d.policy_rule,
        limit_binding=d.limit_binding,
        repayment_share=d.repayment_share,
        model_version=d.model_version,
        policy_version=d.policy_version,
        features=dict(d.features),
        decided_at=decided_at,
    ))
