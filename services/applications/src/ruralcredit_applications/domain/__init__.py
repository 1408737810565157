"""Rules of the applications service, free of HTTP, database and broker details."""
