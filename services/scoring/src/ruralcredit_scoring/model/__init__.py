"""The PD model: loan books, training, calibration, registry, scorer, drift, pricing report."""
