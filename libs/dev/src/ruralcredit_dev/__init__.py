"""Tools for developing and trying the suite on one machine: the embedded launcher (`ruralcredit up`),
the demo scenario (`ruralcredit demo`), the local Kafka-compatible broker and the portfolio
simulator. `make install` installs them; the production images do not."""
