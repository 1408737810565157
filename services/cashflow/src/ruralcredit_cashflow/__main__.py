"""`python -m ruralcredit_cashflow [migrate|all|api|consumer|relay]`."""

from ruralcredit_cashflow.bootstrap import build
from ruralcredit_common.runtime import service_main

if __name__ == "__main__":
    service_main(build)
