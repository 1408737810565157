"""Filesystem model registry: versioned artefacts, promote / roll back by an atomic pointer file."""

from __future__ import annotations

import builtins
import datetime as dt
import hashlib
import json
import os
import platform
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata as importlib_metadata
from pathlib import Path

import lightgbm as lgb

from ruralcredit_common.errors import StartupError
from ruralcredit_scoring.model.calibration import Calibrator
from ruralcredit_scoring.model.woe import Scorecard

BOOSTER, CALIBRATOR, METADATA, POINTER = "model.txt", "calibrator.json", "metadata.json", "promoted.json"
SCORECARD = "scorecard.json"  # a WoE scorecard's points table, in place of the booster


class ModelLoadError(StartupError):
    """The promoted model is missing, corrupt or unreadable; the message is one line."""


class RegistryError(ValueError):
    """A registry command that cannot be carried out (unknown version, nothing to roll back to)."""


@dataclass(frozen=True)
class LoadedModel:
    """A verified model version ready for scoring: a booster or a scorecard, and its calibrator."""

    version: str
    booster: lgb.Booster | None
    calibrator: Calibrator
    metadata: dict
    scorecard: Scorecard | None = None

    @property
    def kind(self) -> str:
        """lightgbm, scorecard, or blend (both, averaged with the weights in the metadata)."""
        if self.scorecard is None:
            return "lightgbm"
        return "scorecard" if self.booster is None else "blend"


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def library_versions() -> dict[str, str]:
    """Versions of the libraries that shape the model's numbers."""
    out = {"python": platform.python_version()}
    for lib in ("lightgbm", "numpy", "pandas", "scikit-learn"):
        try:
            out[lib] = importlib_metadata.version(lib)
        except importlib_metadata.PackageNotFoundError:
            out[lib] = "absent"
    return out


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)  # readers see the old or the new pointer, never half of one


class Registry:
    """Model versions under root/versions/<version>/, the promoted one named in root/promoted.json."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.versions_dir = self.root / "versions"
        self._pointer_cache: tuple[tuple[int, int, int], str | None] | None = None

    def path(self, version: str) -> Path:
        """Directory of one version."""
        return self.versions_dir / version

    def list(self) -> list[dict]:
        """Every registered version with its headline metrics and whether it is promoted."""
        current = self.promoted_version()
        out = []
        for d in sorted(self.versions_dir.glob("v*")) if self.versions_dir.exists() else []:
            try:
                meta = json.loads((d / METADATA).read_text())
            except (OSError, json.JSONDecodeError):
                meta = {"metrics": {}, "created_at": "unreadable"}
            kind = meta.get("kind", "lightgbm")
            m = meta.get("metrics", {}).get(kind, {})
            out.append(
                {
                    "version": d.name,
                    "created_at": meta.get("created_at"),
                    "kind": kind,
                    "auc": m.get("auc"),
                    "ece": m.get("ece"),
                    "source": meta.get("source", ""),
                    "promoted": d.name == current,
                }
            )
        return out

    def register(self, files: dict[str, str], metadata: dict, extra: Callable[[Path, str], object] | None = None) -> str:
        """Store the model's files (booster text or scorecard JSON, calibrator JSON) with metadata as the next
        version; returns its name."""
        self.versions_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=self.versions_dir, prefix=".staging-"))
        for name, text in files.items():
            (staging / name).write_text(text)
        meta = {
            **metadata,
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "libraries": library_versions(),
            "files": {n: sha256_file(staging / n) for n in files},
        }
        existing = [int(d.name[1:]) for d in self.versions_dir.glob("v*") if d.name[1:].isdigit()]
        n = max(existing, default=0) + 1
        while True:
            version = f"v{n:04d}"
            meta["version"] = version
            if extra is not None:  # e.g. the model card, which names the version
                extra(staging, version)
            (staging / METADATA).write_text(json.dumps(meta, indent=1, default=str))
            try:
                os.rename(staging, self.path(version))  # fails if another writer took the number
                return version
            except OSError:
                n += 1

    def _pointer(self) -> dict:
        p = self.root / POINTER
        if not p.exists():
            return {"version": None, "history": []}
        try:
            return json.loads(p.read_text())
        except (OSError, json.JSONDecodeError) as e:
            raise ModelLoadError(f"model pointer {p} is unreadable: {e}") from None

    def promoted_version(self) -> str | None:
        """The promoted version; a stat call when nothing changed, so cheap to poll."""
        p = self.root / POINTER
        try:
            st = p.stat()
        except FileNotFoundError:
            return None
        key = (st.st_ino, st.st_mtime_ns, st.st_size)
        if self._pointer_cache is None or self._pointer_cache[0] != key:
            self._pointer_cache = (key, self._pointer().get("version"))
        return self._pointer_cache[1]

    def promote(self, version: str) -> None:
        """Make version the one services load; checks its integrity first."""
        self.load(version)
        ptr = self._pointer()
        history = ptr.get("history", [])
        if ptr.get("version") and ptr["version"] != version:
            history = [*history, ptr["version"]]
        self._save_pointer(version, history)

    def rollback(self) -> str:
        """Promote the previously promoted version again; returns it."""
        ptr = self._pointer()
        history = list(ptr.get("history", []))
        if not history:
            raise RegistryError("nothing to roll back to: no earlier promoted version")
        previous = history.pop()
        self.load(previous)
        self._save_pointer(previous, history)
        return previous

    # builtins.list: in this class `list` names the method.
    def _save_pointer(self, version: str, history: builtins.list[str]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        when = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        _write_atomic(self.root / POINTER, json.dumps({"version": version, "history": history, "promoted_at": when}))

    def load(self, version: str | None = None) -> LoadedModel:
        """Load and verify a version (the promoted one by default); ModelLoadError if it cannot be used."""
        version = version or self.promoted_version()
        if version is None:
            raise ModelLoadError(f"no promoted model in registry {self.root}")
        d = self.path(version)
        if not d.is_dir():
            raise ModelLoadError(f"model {version} not found in {self.versions_dir}")
        try:
            meta = json.loads((d / METADATA).read_text())
            for name, digest in meta["files"].items():
                if sha256_file(d / name) != digest:
                    raise ModelLoadError(f"model {version}: {name} does not match its sha256 (corrupt or altered)")
            booster, scorecard = None, None
            kind = meta.get("kind", "lightgbm")
            if kind in ("scorecard", "blend"):
                scorecard = Scorecard.from_json(json.loads((d / SCORECARD).read_text()), meta.get("categories", {}))
            if kind in ("lightgbm", "blend"):
                booster = lgb.Booster(model_file=str(d / BOOSTER))
            if kind == "blend" and set(meta.get("blend", {})) != {"lightgbm", "scorecard"}:
                raise ModelLoadError(f"model {version}: a blend without its weights in the metadata")
            calibrator = Calibrator.from_json(json.loads((d / CALIBRATOR).read_text()))
        except ModelLoadError:
            raise
        except FileNotFoundError as e:
            raise ModelLoadError(f"model {version}: missing file {Path(e.filename).name} in {d}") from None
        except (OSError, ValueError, KeyError, TypeError, lgb.basic.LightGBMError) as e:
            first = str(e).splitlines()[0] if str(e) else type(e).__name__
            raise ModelLoadError(f"model {version}: unreadable artefact in {d}: {first}") from None
        names = [m.feature_name() if isinstance(m, lgb.Booster) else list(m.features) for m in (booster, scorecard) if m]
        if any(n != meta.get("features") for n in names):
            raise ModelLoadError(f"model {version}: model features differ from metadata feature order")
        return LoadedModel(version, booster, calibrator, meta, scorecard)
