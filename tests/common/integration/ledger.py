"""A tiny service used to test the shared Kafka, outbox and database machinery for real."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlalchemy import String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ruralcredit_common import db
from ruralcredit_common.contracts.envelope import Envelope, RawEnvelope, encode
from ruralcredit_common.errors import PermanentEventError

Base: Any = db.make_base()


class Entry(Base):
    """One applied event's effect."""

    __tablename__ = "entries"
    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    merchant_id: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(String(100))


class Note(BaseModel):
    merchant_id: str
    note: str


def envelope(merchant_id: str, note: str) -> Envelope[Note]:
    """An event as a producer would write it."""
    return Envelope[Note](type="ledger.note", version=1, producer="tests", key=merchant_id, payload=Note(merchant_id=merchant_id, note=note))


def wire(merchant_id: str, note: str) -> bytes:
    """The same event as bytes."""
    return encode(envelope(merchant_id, note))


def handle(session: Session, env: RawEnvelope) -> None:
    """Apply a note; notes saying 'poison' can never be applied."""
    note = env.bind(Note)
    if note.note == "poison":
        raise PermanentEventError("poison note")
    session.add(Entry(event_id=str(env.event_id), merchant_id=note.merchant_id, note=note.note))


def setup(url: str) -> tuple[Any, Any]:
    """Engine and session factory with the ledger tables created."""
    engine = db.create_db_engine(url)
    Base.metadata.create_all(engine)
    return engine, db.session_factory(engine)


def count(factory: Any) -> int:
    """How many entries were applied."""
    with factory() as s:
        return s.scalar(select(func.count()).select_from(Entry)) or 0


def notes(factory: Any) -> list[str]:
    """All applied notes."""
    with factory() as s:
        return list(s.scalars(select(Entry.note)))


