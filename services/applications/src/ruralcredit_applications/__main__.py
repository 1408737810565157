"""`python -m ruralcredit_applications [migrate|all|api|consumer|relay]`."""

from ruralcredit_applications.bootstrap import build
from ruralcredit_common.runtime import service_main

if __name__ == "__main__":
    service_main(build)
