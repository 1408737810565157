"""Whose turn it is to write a SQLite file, among the processes of one host.

SQLite lets one connection write at a time. Within a process, threads take turns on the one
writing connection. Between processes (the applications API and its decisions consumer), a
writer that finds the file locked sleeps in SQLite's busy handler: it sleeps longer each time,
and while it sleeps the other process takes the lock again. At the peak this held decisions
for more than a second.

A lock file, taken with flock(2) before the connection is used and given back after, hands the
turn over instead: the kernel wakes the waiting process the moment the lock is free.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

# As long as SQLite's own busy timeout on these connections: then the same error it raises.
WAIT_SECONDS = 30.0


class WriterTurn:
    """One database file's turn, shared by every engine on it in this process."""

    _by_path: dict[Path, WriterTurn] = {}
    _registry = threading.Lock()

    def __init__(self, lock_path: Path) -> None:
        self.fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        # flock is held by an open file, not a thread: threads and engines of this process queue
        # here first, so that only one of them waits on (and holds) the file lock.
        self.local = threading.Lock()

    @classmethod
    def of(cls, database: Path) -> WriterTurn:
        """The turn of the database at this path."""
        lock_path = database.resolve().with_name(database.name + "-writer.lock")
        with cls._registry:
            turn = cls._by_path.get(lock_path)
            if turn is None:
                turn = cls._by_path[lock_path] = cls(lock_path)
            return turn

    def take(self) -> None:
        """Wait for the turn (this process's other writers first, then other processes)."""
        if not self.local.acquire(timeout=WAIT_SECONDS):
            raise sqlite3.OperationalError("database is locked (no turn to write within 30 s)")
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX)
        except BaseException:
            self.local.release()
            raise

    def give_back(self) -> None:
        """Let the next writer go."""
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        self.local.release()


def take_turns(engine: Engine, database: Path) -> None:
    """Make the engine's connections hold the file's turn from checkout to checkin."""
    turn = WriterTurn.of(database)

    @event.listens_for(engine, "checkout")
    def _take(_dbapi: Any, record: Any, _proxy: Any) -> None:
        turn.take()
        record.info["writer_turn"] = True

    @event.listens_for(engine, "checkin")
    def _give_back(_dbapi: Any, record: Any) -> None:
        # A checkout that failed before taking the turn is checked in too: give back only what was taken.
        if record is not None and record.info.pop("writer_turn", False):
            turn.give_back()
