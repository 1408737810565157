"""Forgetting, past their retention window, the ids of the events a consumer applied."""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import Engine, Table, delete, select

from ruralcredit_common.db import utcnow

log = logging.getLogger(__name__)

# Rows deleted per transaction: short transactions, so the consumer never waits long behind one.
BATCH = 10_000


def prune_processed(engine: Engine, table: Table, *, keep: dt.timedelta, batch: int = BATCH) -> int:
    """Delete processed-event ids older than `keep`, a batch at a time; returns how many went.

    Safe with several processes at once (every consumer replica runs it): on PostgreSQL each
    takes rows no other has locked, on SQLite writers take turns.
    """
    cutoff = utcnow() - keep
    total = 0
    while True:
        # No index on processed_at on purpose: every applied event would pay for it, while
        # this scan runs once an hour.
        oldest = (select(table.c.event_id).where(table.c.processed_at < cutoff)
                  .limit(batch).with_for_update(skip_locked=True))
        with engine.begin() as conn:
            n = conn.execute(delete(table).where(table.c.event_id.in_(oldest))).rowcount
        total += n
        if n < batch:
            break
    if total:
        log.info("forgot %d processed event ids older than %s", total, cutoff.isoformat(timespec="seconds"))
    return total
