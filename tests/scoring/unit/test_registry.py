"""Registry: register, promote, roll back, integrity checks and hot swap."""

import json
import os

import pytest

from ruralcredit_scoring.engine import Engine
from ruralcredit_scoring.model import pipeline
from ruralcredit_scoring.model.registry import ModelLoadError, Registry, RegistryError
from ruralcredit_scoring.settings import Settings


@pytest.fixture()
def reg(tmp_path, trained):
    r = Registry(tmp_path)
    for _ in range(2):
        pipeline.register(trained, r, with_card=False)
    return r


def test_register_writes_metadata_with_hashes_and_order(reg, trained):
    meta = json.loads((reg.path("v0001") / "metadata.json").read_text())
    assert meta["features"] == list(trained.spec.features)
    assert set(meta["files"]) == {"model.txt", "calibrator.json"}
    assert meta["data_fingerprint"] == trained.fingerprint and len(meta["data_fingerprint"]) == 64
    assert {"lightgbm", "numpy", "scikit-learn"} <= set(meta["libraries"])
    assert meta["monotone_constraints"] == trained.spec.constraints()
    assert [v["version"] for v in reg.list()] == ["v0001", "v0002"]


def test_no_promoted_model_is_a_clear_error(reg):
    assert reg.promoted_version() is None
    with pytest.raises(ModelLoadError, match="no promoted model"):
        reg.load()


def test_promote_and_roll_back(reg):
    reg.promote("v0001")
    reg.promote("v0002")
    assert reg.promoted_version() == "v0002" and reg.load().version == "v0002"
    assert reg.rollback() == "v0001"
    assert reg.promoted_version() == "v0001"
    with pytest.raises(RegistryError):
        reg.rollback()
    assert not [p for p in reg.root.iterdir() if p.name.startswith(".promoted")]  # no temp files left


def test_promote_unknown_version_fails_and_keeps_pointer(reg):
    reg.promote("v0001")
    with pytest.raises(ModelLoadError, match="v0009"):
        reg.promote("v0009")
    assert reg.promoted_version() == "v0001"


def test_corrupt_artefact_is_detected(reg):
    reg.promote("v0002")
    path = reg.path("v0002") / "model.txt"
    path.write_text(path.read_text().replace("leaf_value=", "leaf_value=1", 1))
    with pytest.raises(ModelLoadError) as e:
        reg.load()
    assert "sha256" in str(e.value) and "\n" not in str(e.value)


def test_missing_artefact_is_detected(reg):
    os.remove(reg.path("v0001") / "calibrator.json")
    with pytest.raises(ModelLoadError, match=r"calibrator\.json"):
        reg.load("v0001")


def test_the_engine_follows_promotion_and_survives_a_bad_one(reg, book):
    reg.promote("v0001")
    engine = Engine(Settings(registry_dir=str(reg.root)), check_every_s=0)
    assert engine.scorer.version == "v0001"
    reg.promote("v0002")
    assert engine.scorer.version == "v0002"
    (reg.path("v0001") / "model.txt").write_text("garbage")
    # A pointer moved to a broken version (by hand) must not take down the running scorer.
    (reg.root / "promoted.json").write_text(json.dumps({"version": "v0001", "history": []}))
    assert engine.scorer.version == "v0002" and "v0001" in engine.last_error
    assert 0 < engine.scorer.pd(book.iloc[0].to_dict()) < 1


def test_decisions_go_on_while_promotions_swap_the_model(reg, book):
    import threading

    reg.promote("v0001")
    engine = Engine(Settings(registry_dir=str(reg.root)), check_every_s=0)
    rows = [book.iloc[i].to_dict() for i in range(50)]
    expected = [engine.scorer.pd(r) for r in rows]  # both versions are the same trained model
    stop, failures, versions = threading.Event(), [], set()

    def score() -> None:
        while not stop.is_set():
            for r, want in zip(rows, expected, strict=True):
                scorer = engine.scorer
                versions.add(scorer.version)
                try:
                    got = scorer.explain(r).pd
                except Exception as exc:  # noqa: BLE001 - any failure is what the test looks for
                    failures.append(repr(exc))
                    return
                if abs(got - want) > 1e-12:
                    failures.append(f"{scorer.version}: {got} != {want}")

    threads = [threading.Thread(target=score) for _ in range(3)]
    for t in threads:
        t.start()
    for i in range(20):  # each promotion loads a new booster; the replaced one is dropped
        reg.promote("v0002" if i % 2 == 0 else "v0001")
        engine.scorer
    stop.set()
    for t in threads:
        t.join()
    assert failures == [] and versions == {"v0001", "v0002"}


def test_model_card_is_written_next_to_the_artefact(tmp_path, trained):
    from ruralcredit_scoring.model.card import PLOTS

    reg = Registry(tmp_path)
    version = pipeline.register(trained, reg, with_card=True)
    d = reg.path(version)
    text = (d / "card.md").read_text()
    assert f"PD model {version}" in text and "| lightgbm |" in text and "| scorecard |" in text and "oracle" in text
    assert all((d / p).stat().st_size > 1000 for p in PLOTS)
    reg.promote(version)  # the card does not disturb the integrity check
    assert reg.load().version == version
