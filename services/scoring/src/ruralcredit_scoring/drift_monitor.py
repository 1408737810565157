"""Score and feature drift of live decisions against the training sample, as Prometheus gauges."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Mapping

import numpy as np

from ruralcredit_scoring import metrics
from ruralcredit_scoring.model import drift


class DriftMonitor:
    """Keeps the last `window` decisions and refreshes the PSI gauges every `every` decisions."""

    def __init__(self, window: int = 2000, every: int = 100, min_rows: int = 200) -> None:
        self.rows: deque[tuple[float, Mapping[str, float]]] = deque(maxlen=window)
        self.every, self.min_rows = every, min_rows
        self.seen = 0
        self.lock = threading.Lock()

    def observe(self, reference: Mapping[str, Mapping], pd: float, features: Mapping[str, float]) -> dict[str, float] | None:
        """Record one decision; returns the PSI figures when they were refreshed."""
        with self.lock:
            self.rows.append((pd, features))
            self.seen += 1
            if self.seen % self.every or len(self.rows) < self.min_rows or not reference:
                return None
            rows = list(self.rows)
        figures = {}
        for name, ref in reference.items():
            values = np.array([p if name == "score" else f.get(name, np.nan) for p, f in rows], dtype=float)
            figures[name] = drift.psi_against(ref, values)
            metrics.PSI.labels(name).set(figures[name])
        return figures
