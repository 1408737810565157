"""The forecast model's artefacts: training on simulated merchants, saving, loading; and the
simulated loan book that scoring trains on. Files and LightGBM live here, not in `domain/`."""
