"""LightGBM prediction for one applicant at a time, through the C API's fast paths.

`Booster.predict` checks its arguments and builds a predictor on every call: about 30 µs, more
than the trees themselves cost for one row. The C API's single-row fast path keeps a prepared
configuration (one per thread, so that threads do not queue on its lock) and predicts a row in
a few microseconds.
Whole portfolios still go through `Booster.predict`, which spreads them over the cores.
A WoE scorecard (`woe.Scorecard`) answers the same five calls, so the scorer serves either.
"""

from __future__ import annotations

import ctypes
import threading

import lightgbm as lgb
import numpy as np
from lightgbm.basic import _LIB, _safe_call

# Constants of LightGBM's c_api.h.
_RAW_SCORE, _CONTRIB = 1, 3
_FLOAT64 = 1
# One thread: on a busy host a second OpenMP thread waiting for a core costs milliseconds.
_PARAMS = ctypes.c_char_p(b"num_threads=1")


class _ThreadState:
    """One thread's prepared configurations and output buffers; freed with it."""

    def __init__(self, booster: lgb.Booster, n_features: int, num_iteration: int) -> None:
        self._booster = booster  # the configurations point into it: it must outlive them
        handle = booster._handle
        self.raw_config = _fast_config(handle, _RAW_SCORE, n_features, num_iteration)
        self.contrib_config = _fast_config(handle, _CONTRIB, n_features, num_iteration)
        self.raw_out = np.empty(1)
        self.contrib_out = np.empty(n_features + 1)
        self.raw_ptr = self.raw_out.ctypes.data_as(ctypes.POINTER(ctypes.c_double))
        self.contrib_ptr = self.contrib_out.ctypes.data_as(ctypes.POINTER(ctypes.c_double))
        self.out_len = ctypes.c_int64()

    def __del__(self) -> None:
        # Runs when the thread ends or the predictor (a replaced model's) is dropped.
        for config in (getattr(self, "raw_config", None), getattr(self, "contrib_config", None)):
            if config is not None:
                _safe_call(_LIB.LGBM_FastConfigFree(config))


def _fast_config(handle: ctypes.c_void_p, predict_type: int, n_features: int, num_iteration: int) -> ctypes.c_void_p:
    config = ctypes.c_void_p()
    _safe_call(
        _LIB.LGBM_BoosterPredictForMatSingleRowFastInit(
            handle, ctypes.c_int(predict_type), ctypes.c_int(0), ctypes.c_int(num_iteration),
            ctypes.c_int(_FLOAT64), ctypes.c_int32(n_features), _PARAMS, ctypes.byref(config),
        )
    )
    return config


class Predictor:
    """Raw scores and per-feature contributions of a booster, the same numbers `Booster.predict` gives."""

    def __init__(self, booster: lgb.Booster) -> None:
        self._booster = booster
        self.n_features = booster.num_feature()
        # As Booster.predict: the best iteration when early stopping recorded one, else all trees.
        self._num_iteration = booster.best_iteration if booster.best_iteration > 0 else -1
        self._local = threading.local()

    def _state(self) -> _ThreadState:
        state = getattr(self._local, "state", None)
        if state is None:
            state = self._local.state = _ThreadState(self._booster, self.n_features, self._num_iteration)
        return state

    def _row(self, row: np.ndarray) -> ctypes.c_void_p:
        if row.shape != (self.n_features,) or row.dtype != np.float64 or not row.flags.c_contiguous:
            raise ValueError(f"expected a contiguous float64 row of {self.n_features} features, got {row.dtype} {row.shape}")
        return ctypes.c_void_p(row.ctypes.data)

    def raw_one(self, row: np.ndarray) -> float:
        """The raw score (log-odds) of one row."""
        s = self._state()
        _safe_call(_LIB.LGBM_BoosterPredictForMatSingleRowFast(s.raw_config, self._row(row), ctypes.byref(s.out_len), s.raw_ptr))
        return float(s.raw_out[0])

    def contrib_one(self, row: np.ndarray) -> np.ndarray:
        """Each feature's contribution to one row's raw score, then the expected value (as pred_contrib)."""
        s = self._state()
        _safe_call(
            _LIB.LGBM_BoosterPredictForMatSingleRowFast(s.contrib_config, self._row(row), ctypes.byref(s.out_len), s.contrib_ptr)
        )
        return s.contrib_out.copy()

    def raw(self, x: np.ndarray) -> np.ndarray:
        """Raw scores of many rows, spread over the cores."""
        return np.asarray(self._booster.predict(x, raw_score=True))

    def contrib(self, x: np.ndarray) -> np.ndarray:
        """Contributions of many rows (as contrib_one, row by row)."""
        return np.asarray(self._booster.predict(x, pred_contrib=True))

    def used(self) -> list[str]:
        """Features the trees split on: the others cannot move a score."""
        return [f for f, g in zip(self._booster.feature_name(), self._booster.feature_importance("split")) if g > 0]
