"""Dead-letter notices: what a consumer of a `<topic>.dlq` topic is handed for each dead letter.

A dead letter keeps the original key and bytes, with the error in its headers. A service that
watches dead-letter topics (the applications service, so that no application waits in
silence) receives each one as a notice envelope: the original event's identity and trace id,
which service could not apply it, and why.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import orjson

from ruralcredit_common.contracts._base import Payload
from ruralcredit_common.contracts.envelope import RawEnvelope

NOTICE = "event.dead_lettered"
VERSION = 1
SUFFIX = ".dlq"
# Notices get ids of their own (derived from their place on the dead-letter topic), so that an
# event replayed later and applied is not mistaken for the notice already recorded.
_NAMESPACE = uuid.UUID("1b4e28ba-2fa1-11d2-883f-0016d3cca427")


class DeadLettered(Payload):
    """An event that its consumer could never apply."""

    source_topic: str
    service: str
    error: str
    event_id: str | None = None
    event_type: str | None = None


def is_dead_letter_topic(topic: str) -> bool:
    """Whether `topic` holds dead letters."""
    return topic.endswith(SUFFIX)


def notice(topic: str, partition: int, offset: int, key: bytes | None, value: bytes, headers: list[tuple[str, bytes]] | None) -> RawEnvelope:
    """The notice envelope for one record of a dead-letter topic; never fails, whatever the bytes."""
    head = {k: v.decode(errors="replace") for k, v in headers or []}
    original: dict[str, Any] = {}
    try:
        parsed = orjson.loads(value)
        original = parsed if isinstance(parsed, dict) else {}
    except orjson.JSONDecodeError:
        pass

    def text(v: Any) -> str | None:
        return v if isinstance(v, str) and len(v) <= 200 else None

    payload = DeadLettered(
        source_topic=head.get("source_topic", topic.removesuffix(SUFFIX)),
        service=head.get("service", "unknown"),
        error=head.get("error", "unknown")[:2000],
        event_id=text(original.get("event_id")),
        event_type=text(original.get("type")),
    )
    return RawEnvelope(
        event_id=uuid.uuid5(_NAMESPACE, f"{topic}:{partition}:{offset}"),
        type=NOTICE,
        version=VERSION,
        occurred_at=dt.datetime.now(dt.UTC),
        producer=payload.service,
        key=(key or b"").decode(errors="replace"),
        correlation_id=text(original.get("correlation_id")),
        payload=payload.model_dump(),
    )


__all__ = ["NOTICE", "DeadLettered", "is_dead_letter_topic", "notice"]
