"""Event contracts: one module per topic, the only place a topic name and payload are declared."""

from ruralcredit_common.contracts import applications, cashflow, decisions, loans, sales

ALL_TOPICS = (sales, applications, cashflow, decisions, loans)


def dlq_topic(topic: str) -> str:
    """The dead-letter topic for messages of `topic` that can never be processed."""
    return f"{topic}.dlq"
