"""The ledger consumer as its own process: `python -m tests.common.integration.ledger_consumer
DATABASE_URL BOOTSTRAP TOPIC GROUP`; stops cleanly on SIGTERM."""

from __future__ import annotations

import sys
import threading

from ruralcredit_common.kafka import ConsumerLoop, each
from ruralcredit_common.runtime import stop_on_signals
from tests.common.integration import ledger


def main() -> None:
    url, bootstrap, topic, group = sys.argv[1:5]
    engine, factory = ledger.setup(url)
    loop = ConsumerLoop(
        service="ledger", bootstrap=bootstrap, group_id=group, topics=[topic], handler=each(ledger.handle),
        factory=factory, processed_model=ledger.Base.ProcessedEvent,
    )
    stop = threading.Event()
    with stop_on_signals(stop):
        loop.run(stop)
    engine.dispose()


if __name__ == "__main__":
    main()
