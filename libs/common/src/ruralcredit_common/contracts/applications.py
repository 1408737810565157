"""applications.v1: loan applications submitted by loan officers."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from ruralcredit_common.contracts._base import Money, Payload
from ruralcredit_common.contracts.envelope import Envelope, wrap

TOPIC = "applications.v1"
VERSION = 1
SUBMITTED = "application.submitted"


class ApplicationSubmitted(Payload):
    """A merchant asks for a loan: how much, for how long, what for."""

    application_id: str
    merchant_id: str
    institution_id: str
    amount: Money = Field(gt=0)
    term_days: int = Field(ge=7, le=365)
    purpose: str = Field(max_length=40)
    submitted_at: dt.datetime


def key(payload: ApplicationSubmitted) -> str:
    """Partition key: the merchant, so an application follows that merchant's sales."""
    return payload.merchant_id


def event(payload: ApplicationSubmitted, *, producer: str = "applications") -> Envelope[ApplicationSubmitted]:
    """The envelope of a submitted application, traced by the application's id."""
    return wrap(SUBMITTED, VERSION, payload, producer=producer, key=key(payload), correlation_id=payload.application_id)
