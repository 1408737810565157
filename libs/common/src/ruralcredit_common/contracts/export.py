"""Export every contract's JSON Schema into the repository (`contracts/schemas/`)."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from ruralcredit_common.contracts import applications, cashflow, decisions, loans, sales
from ruralcredit_common.contracts.envelope import RawEnvelope

SCHEMA_DIR = Path(__file__).with_name("schemas")

PAYLOADS: dict[str, type[BaseModel]] = {
    f"{sales.TOPIC}/{sales.DAILY_SALES}": sales.DailySalesRecorded,
    f"{sales.TOPIC}/{sales.DAILY_SALES_BATCH}": sales.DailySalesBatchRecorded,
    f"{sales.TOPIC}/{sales.ACCOUNT_FLOWS}": sales.AccountFlowsRecorded,
    f"{sales.TOPIC}/{sales.PURCHASE_PLAN}": sales.PurchasePlanRecorded,
    f"{applications.TOPIC}/{applications.SUBMITTED}": applications.ApplicationSubmitted,
    f"{cashflow.TOPIC}/{cashflow.ASSESSED}": cashflow.CashflowAssessed,
    f"{decisions.TOPIC}/{decisions.MADE}": decisions.DecisionMade,
    **{f"{loans.TOPIC}/{kind}": model for kind, model in loans.PAYLOADS.items()},
    "envelope": RawEnvelope,
}


def render() -> dict[str, str]:
    """Each schema file's name and its JSON text."""
    out = {}
    for name, model in PAYLOADS.items():
        filename = name.replace("/", "__") + ".schema.json"
        out[filename] = json.dumps(model.model_json_schema(), indent=2, sort_keys=True) + "\n"
    return out


def main() -> None:
    """Write the schema files."""
    SCHEMA_DIR.mkdir(exist_ok=True)
    for filename, text in render().items():
        (SCHEMA_DIR / filename).write_text(text)
        print(f"wrote {SCHEMA_DIR / filename}")


if __name__ == "__main__":
    main()
