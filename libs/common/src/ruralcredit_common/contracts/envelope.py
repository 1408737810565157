"""The event envelope every topic carries, and its wire format (UTF-8 JSON)."""

from __future__ import annotations

import builtins
import functools
import uuid
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ruralcredit_common.errors import PermanentEventError

P = TypeVar("P", bound=BaseModel)


class Envelope(BaseModel, Generic[P]):
    """Metadata around a payload: identity, type, version, time, origin, key and trace id."""

    model_config = ConfigDict(frozen=True)

    event_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    type: str
    version: int
    occurred_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    producer: str
    key: str
    correlation_id: str | None = None
    payload: P


class RawEnvelope(BaseModel):
    """An envelope whose payload is not yet bound to its contract."""

    model_config = ConfigDict(frozen=True)

    event_id: uuid.UUID
    type: str
    version: int
    occurred_at: datetime
    producer: str
    key: str
    correlation_id: str | None = None
    payload: dict[str, Any]

    # builtins.type: in this class `type` names the event-type field.
    def bind(self, payload_model: builtins.type[P]) -> P:
        """Validate the payload against its contract, or fail permanently."""
        try:
            return payload_model.model_validate(self.payload)
        except ValidationError as exc:
            raise PermanentEventError(f"{self.type} payload invalid: {_first_error(exc)}") from exc


@functools.cache
def _typed(payload_model: type[BaseModel]) -> type[Envelope[Any]]:
    # Parametrising the generic costs milliseconds each time; each contract's is made once.
    return Envelope[payload_model]  # type: ignore[valid-type]  # parametrised at run time with the contract class


def wrap(event_type: str, version: int, payload: BaseModel, *, producer: str, key: str, correlation_id: str | None = None) -> Envelope[Any]:
    """An envelope around `payload` (the contract modules' `event()` fill in type, version and key)."""
    return _typed(type(payload))(
        type=event_type, version=version, producer=producer, key=key, correlation_id=correlation_id, payload=payload
    )


def encode(envelope: Envelope[Any]) -> bytes:
    """Serialise an envelope to the bytes put on the wire."""
    return envelope.model_dump_json().encode()


def decode(raw: bytes) -> RawEnvelope:
    """Parse wire bytes into an envelope, raising PermanentEventError on garbage."""
    try:
        return RawEnvelope.model_validate(orjson.loads(raw))
    except orjson.JSONDecodeError as exc:
        raise PermanentEventError(f"not JSON: {exc}") from exc
    except ValidationError as exc:
        raise PermanentEventError(f"not an envelope: {_first_error(exc)}") from exc


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "(root)"
    return f"{where}: {err['msg']}"
