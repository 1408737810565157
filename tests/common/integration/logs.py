"""Catching what the services log, as the JSON lines they write."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson

from ruralcredit_common.logging import JsonFormatter


class Lines(logging.Handler):
    """Every record formatted by the services' JSON formatter, parsed back."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(JsonFormatter("tests"))
        self.raw: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.raw.append(self.format(record))

    @property
    def docs(self) -> list[dict[str, Any]]:
        """The lines as objects."""
        return [orjson.loads(line) for line in self.raw]

    def saying(self, msg: str) -> list[dict[str, Any]]:
        """The lines whose message starts with `msg`."""
        return [d for d in self.docs if d["msg"].startswith(msg)]


@contextmanager
def captured(*names: str, level: int = logging.INFO) -> Iterator[Lines]:
    """Catch the records of the named loggers at `level` and above."""
    lines = Lines()
    loggers = [logging.getLogger(n) for n in names]
    before = [lg.level for lg in loggers]
    for lg in loggers:
        lg.addHandler(lines)
        lg.setLevel(level)
    try:
        yield lines
    finally:
        for lg, lvl in zip(loggers, before, strict=True):
            lg.removeHandler(lines)
            lg.setLevel(lvl)
