"""Whose turn it is to write a SQLite file, among the processes of one host.

SQLite lets one connection write at a time. Within a process, threads take turns on the one
writing connection. Between processes (the applications API and its decisions consumer), a
writer that finds the file locked sleeps in SQLite's busy handler: it sleeps longer each time
(up to 100 ms), and while it sleeps the other process takes the lock again. At the peak this
held decisions for more than a second.

A lock file, taken with flock(2) before the connection is used and given back after, is asked
for again every millisecond or two instead, for no longer than SQLite itself would wait.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

from ruralcredit_common.errors import StartupError

# As long as SQLite's own busy timeout on these connections; then the same error it raises.
WAIT_SECONDS = 30.0
# How often a waiting writer asks again: short against a write (milliseconds), long enough not
# to keep the interpreter lock of its process busy.
FIRST_RETRY, LONGEST_RETRY = 0.0005, 0.002


class WriterTurn:
    """One database file's turn, shared by every engine on it in this process."""

    _by_path: dict[Path, WriterTurn] = {}
    _registry = threading.Lock()

    def __init__(self, lock_path: Path) -> None:
        self.lock_path = lock_path
        self._open()

    def _open(self) -> None:
        try:
            self.fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise StartupError(f"cannot open the database's lock file {self.lock_path}: {exc.strerror}") from None
        # flock belongs to an open file, not a thread: threads and engines of this process queue
        # here first, so that only one of them asks for (and holds) the file lock.
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
        deadline = time.monotonic() + WAIT_SECONDS
        if not self.local.acquire(timeout=WAIT_SECONDS):
            raise self._timed_out()
        retry = FIRST_RETRY
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    self.local.release()
                    raise self._timed_out() from None
            except BaseException:
                self.local.release()
                raise
            time.sleep(retry)
            retry = min(retry * 2, LONGEST_RETRY)

    def give_back(self) -> None:
        """Let the next writer go."""
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        self.local.release()

    @staticmethod
    def _timed_out() -> sqlite3.OperationalError:
        return sqlite3.OperationalError(f"database is locked (no turn to write within {WAIT_SECONDS:g} s)")

    @classmethod
    def _after_fork(cls) -> None:
        # A child shares its parent's open lock file (and so its turn) and inherits its thread
        # lock in whatever state another thread left it: each turn starts afresh in the child.
        cls._registry = threading.Lock()
        for turn in cls._by_path.values():
            os.close(turn.fd)
            turn._open()


os.register_at_fork(after_in_child=WriterTurn._after_fork)


def take_turns(engine: Engine, database: Path) -> None:
    """Make the engine's connections hold the file's turn from checkout to checkin."""
    turn = WriterTurn.of(database)

    @event.listens_for(engine, "checkout")
    def _take(_dbapi: Any, record: Any, _proxy: Any) -> None:
        turn.take()
        record.info["writer_turn"] = True

    def give_back(record: Any) -> None:
        # A checkout that failed before taking the turn is checked in too: give back only what was taken.
        if record is not None and record.info.pop("writer_turn", False):
            turn.give_back()

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi: Any, record: Any) -> None:
        give_back(record)

    @event.listens_for(engine, "detach")
    def _detached(_dbapi: Any, record: Any) -> None:
        # A detached connection leaves the pool without a checkin.
        give_back(record)
