"""insert_new stores what the ORM would and returns exactly the keys it inserted: on SQLite through
the driver's prepared statement where the rows allow it, through the ORM where they do not."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import JSON, Integer, Numeric, String, UniqueConstraint, select
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.orm import Mapped, mapped_column

from ruralcredit_common import db

Base = db.make_base()
TZ = dt.timezone(dt.timedelta(hours=8))


class Sale(Base):
    __tablename__ = "sales"
    __table_args__ = (UniqueConstraint("shop", "sale_id"),)
    id: Mapped[int] = mapped_column(db.BigId, primary_key=True, autoincrement=True)
    shop: Mapped[str] = mapped_column(String(20))
    sale_id: Mapped[str] = mapped_column(String(20))
    # A column named as an SQL keyword must be quoted.
    order: Mapped[int] = mapped_column(Integer)
    sold_at: Mapped[dt.datetime] = mapped_column(db.UtcDateTime())
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    note: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    channel: Mapped[str] = mapped_column(String(10), default="web")


def _row(sale_id: str, **extra: Any) -> dict[str, Any]:
    return {"shop": "s1", "sale_id": sale_id, "order": 1, "sold_at": dt.datetime(2026, 6, 1, 9, 30, tzinfo=TZ),
            "amount": Decimal("12.34"), "note": {"by": sale_id}, "channel": "shop", **extra}


@pytest.fixture
def factory(tmp_path):
    engine = db.create_db_engine(f"sqlite:///{tmp_path / 'sales.db'}")
    Base.metadata.create_all(engine)
    yield db.session_factory(engine)
    engine.dispose()


def _stored(factory) -> list[tuple[Any, ...]]:
    with factory() as s:
        return [tuple(r) for r in s.execute(select(Sale.sale_id, Sale.order, Sale.sold_at, Sale.amount, Sale.note, Sale.channel)
                                            .order_by(Sale.sale_id))]


def test_the_new_keys_are_returned_and_the_rows_stored_as_the_orm_stores_them(factory, tmp_path):
    with db.transaction(factory) as s:
        assert db.insert_new(s, Sale, [_row("a"), _row("b")], "sale_id") == {"a", "b"}
    with db.transaction(factory) as s:
        # Repeats are skipped; new rows beside them are inserted and named.
        assert db.insert_new(s, Sale, [_row("b"), _row("c"), _row("a")], "sale_id") == {"c"}

    orm_engine = db.create_db_engine(f"sqlite:///{tmp_path / 'orm.db'}")
    Base.metadata.create_all(orm_engine)
    orm = db.session_factory(orm_engine)
    with db.transaction(orm) as s:
        s.execute(insert(Sale).on_conflict_do_nothing(), [_row("a"), _row("b"), _row("c")])
    assert _stored(factory) == _stored(orm)
    orm_engine.dispose()


@pytest.mark.parametrize("rows", [
    pytest.param([_row("x", id=1), _row("y")], id="an id given"),
    pytest.param([_row("x"), {**_row("y"), "note": None, "order": 2}, {k: v for k, v in _row("z").items() if k != "note"}],
                 id="rows of different columns"),
    pytest.param([{k: v for k, v in _row(i).items() if k != "channel"} for i in ("x", "y")], id="a column with a default left out"),
])
def test_rows_the_driver_statement_cannot_store_faithfully_go_through_the_orm(factory, rows):
    with db.transaction(factory) as s:
        # Something under every key already, so that an id given below the largest still counts.
        s.add(Sale(**_row("w", id=5)))
    with db.transaction(factory) as s:
        assert db.insert_new(s, Sale, rows, "sale_id") == {r["sale_id"] for r in rows}
    stored = {r[0]: r for r in _stored(factory)}
    for r in rows:
        assert stored[r["sale_id"]][4] == r.get("note")
        assert stored[r["sale_id"]][5] == r.get("channel", "web")
