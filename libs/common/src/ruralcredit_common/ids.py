"""Identifiers: a short type prefix and a random part, readable in logs and URLs."""

import secrets


def new_id(prefix: str) -> str:
    """A fresh id such as `app_5f3c…`."""
    return f"{prefix}_{secrets.token_hex(8)}"
