"""`python -m ruralcredit_scoring [migrate|all|api|consumer|relay]`."""

from ruralcredit_common.runtime import service_main
from ruralcredit_scoring.bootstrap import build

if __name__ == "__main__":
    service_main(build)
