"""Common pieces of the payload models."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

# Money on the wire is a decimal string in yuan with at most two places (fen precision).
Money = Annotated[Decimal, Field(max_digits=14, decimal_places=2)]


class Payload(BaseModel):
    """A frozen payload that rejects unknown fields, so contract drift fails loudly."""

    model_config = ConfigDict(frozen=True, extra="forbid")
