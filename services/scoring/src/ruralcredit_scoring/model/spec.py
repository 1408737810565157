"""The feature spec of a loan book: which columns, their types and directions, the target and the population."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

NUMERIC, CATEGORICAL, ORDINAL = "numeric", "categorical", "ordinal"
TYPE_ALIASES = {
    "float": NUMERIC, "int": NUMERIC, "integer": NUMERIC, "number": NUMERIC,
    "category": CATEGORICAL, "string": CATEGORICAL, "text": CATEGORICAL, "ordered": ORDINAL,
}
# "+1 raises PD": the words a risk analyst uses for the same thing.
DIRECTIONS = {"increasing": 1, "decreasing": -1, "none": 0, "+1": 1, "-1": -1, "0": 0}
DEFAULT_POPULATION = "the borrowers of this loan book"


class LoanBookError(ValueError):
    """A loan book or spec that cannot be trained on; the message is one line."""


@dataclass(frozen=True)
class FeatureSpec:
    """Feature columns in model order, their types and monotone directions (+1 raises PD), and the target."""

    features: tuple[str, ...]
    target: str = "defaulted"
    monotone: Mapping[str, int] = field(default_factory=dict)
    categoricals: tuple[str, ...] = ()
    true_pd: str | None = None  # known only on simulated books
    min_defaults: int = 50
    ordinals: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # declared order, lowest first
    bad: tuple[str, ...] = ()  # target values that mean default; empty: the target is 0/1
    good: tuple[str, ...] = ()  # target values that mean repaid; empty: every other value
    missing: tuple[str, ...] = ()  # cell values that mean "not known", besides empty cells
    population: str = DEFAULT_POPULATION
    id_column: str | None = None

    def constraints(self) -> list[int]:
        """Monotone constraints in feature order, as LightGBM wants them."""
        return [int(self.monotone.get(f, 0)) for f in self.features]

    def kind(self, feature: str) -> str:
        """numeric, categorical or ordinal."""
        return CATEGORICAL if feature in self.categoricals else ORDINAL if feature in self.ordinals else NUMERIC

    def to_json(self) -> dict:
        """The spec as the JSON spec file holds it."""
        cols = []
        for f in self.features:
            col: dict = {"name": f, "type": self.kind(f)}
            if f in self.ordinals:
                col["order"] = list(self.ordinals[f])
            if self.monotone.get(f):
                col["monotone"] = "increasing" if self.monotone[f] > 0 else "decreasing"
            cols.append(col)
        doc: dict = {"population": self.population, "target": self.target}
        if self.bad:
            doc["bad"] = list(self.bad)
        if self.good:
            doc["good"] = list(self.good)
        if self.id_column:
            doc["id"] = self.id_column
        if self.missing:
            doc["missing"] = list(self.missing)
        return {**doc, "min_defaults": self.min_defaults, "true_pd": self.true_pd, "columns": cols}


def label(value: object) -> str | None:
    """A cell as the text it stands for: 3.0 and "3" are both "3"; empty cells are None."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text if text and text.lower() != "nan" else None


def _labels(doc: Mapping, key: str) -> tuple[str, ...]:
    raw = doc.get(key, [])
    values = [raw] if isinstance(raw, str | int | float) else list(raw or [])
    return tuple(v for v in (label(x) for x in values) if v is not None)


def _direction(name: str, value: object) -> int:
    if isinstance(value, bool):
        value = None
    if isinstance(value, int | float) and value in (-1, 0, 1):
        return int(value)
    if isinstance(value, str) and value.strip().lower() in DIRECTIONS:
        return DIRECTIONS[value.strip().lower()]
    raise LoanBookError(
        f"column {name}: monotone {value!r} is not understood; use \"increasing\" (risk rises with the value), "
        "\"decreasing\" (risk falls as it rises) or leave it out"
    )


def _column(doc: object) -> tuple[str, str, int, tuple[str, ...]]:
    if isinstance(doc, str):
        return doc, NUMERIC, 0, ()
    if not isinstance(doc, Mapping) or not isinstance(doc.get("name"), str) or not doc["name"].strip():
        raise LoanBookError(f"each spec column needs a \"name\"; got {doc!r}")
    name = doc["name"]
    given = str(doc.get("type") or NUMERIC).strip().lower()
    kind = TYPE_ALIASES.get(given, given)
    if kind not in (NUMERIC, CATEGORICAL, ORDINAL):
        raise LoanBookError(f"column {name}: type {doc.get('type')!r} is unknown; use \"numeric\" (the default), \"categorical\" or \"ordinal\"")
    direction = _direction(name, doc.get("monotone", 0))
    order = _labels(doc, "order")
    if kind == ORDINAL and not order:
        raise LoanBookError(f"column {name} is ordinal and needs its \"order\": the values from lowest to highest, e.g. [\"none\", \"low\", \"high\"]")
    if kind == ORDINAL and len(set(order)) != len(order):
        raise LoanBookError(f"column {name}: its \"order\" repeats a value: {list(order)}")
    if kind == CATEGORICAL and direction:
        raise LoanBookError(
            f"column {name} is categorical and cannot be monotone: make it \"ordinal\" with an \"order\", or drop \"monotone\""
        )
    return name, kind, direction, order


def _columns_from_lists(doc: Mapping) -> list[dict]:
    # The simulator's form: "features" in order, "types" and "monotone" keyed by name.
    types, mono = doc.get("types", {}), doc.get("monotone", {})
    return [{"name": f, "type": types.get(f, NUMERIC), "monotone": mono.get(f, 0)} for f in doc["features"]]


def spec_from_json(doc: Mapping) -> FeatureSpec:
    """Parse a spec: {"target", "columns": [{"name", "type", "monotone", "order"}], …} or the simulator's form."""
    if not isinstance(doc, Mapping):
        raise LoanBookError("the feature spec must be a JSON object with \"target\" and \"columns\"")
    if "columns" not in doc and "features" in doc:
        doc = {**doc, "columns": _columns_from_lists(doc)}
    if not isinstance(doc.get("columns"), Sequence) or isinstance(doc.get("columns"), str) or not doc["columns"]:
        raise LoanBookError("the feature spec needs \"columns\": a list of {\"name\", \"type\", \"monotone\"}")
    cols = [_column(c) for c in doc["columns"]]
    names = tuple(c[0] for c in cols)
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise LoanBookError(f"spec columns must be unique; repeated: {', '.join(repeated)}")
    target = doc.get("target", "defaulted")
    if not isinstance(target, str) or not target:
        raise LoanBookError(f"\"target\" must name the column that says whether a loan defaulted; got {target!r}")
    if target in names:
        raise LoanBookError(f"the target {target} is also listed as a feature column: remove it from \"columns\"")
    bad, good = _labels(doc, "bad"), _labels(doc, "good")
    if set(bad) & set(good):
        raise LoanBookError(f"target values cannot be both bad and good: {sorted(set(bad) & set(good))}")
    try:
        min_defaults = int(doc.get("min_defaults", 50))
    except (TypeError, ValueError):
        raise LoanBookError(f"\"min_defaults\" must be a whole number; got {doc.get('min_defaults')!r}") from None
    return FeatureSpec(
        features=names,
        target=target,
        monotone={n: d for n, _, d, _ in cols},
        categoricals=tuple(n for n, k, _, _ in cols if k == CATEGORICAL),
        ordinals={n: o for n, k, _, o in cols if k == ORDINAL},
        true_pd=doc.get("true_pd"),
        min_defaults=min_defaults,
        bad=bad,
        good=good,
        missing=_labels(doc, "missing"),
        population=str(doc.get("population") or DEFAULT_POPULATION),
        id_column=doc.get("id") or None,
    )


def read_spec(path: str | Path) -> FeatureSpec:
    """Read the JSON feature spec file."""
    try:
        return spec_from_json(json.loads(Path(path).read_text()))
    except FileNotFoundError:
        raise LoanBookError(f"feature spec not found: {path}") from None
    except json.JSONDecodeError as e:
        raise LoanBookError(f"feature spec is not valid JSON: {path}: {e.msg} at line {e.lineno}") from None
