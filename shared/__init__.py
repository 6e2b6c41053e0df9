"""Code every service shares, sorted by kind: ``domain`` (the regulations' formulas, pure),
``contracts`` (event envelope, payloads, field formats), ``platform`` (configuration, database,
web app, auth, logs, clock), ``records`` (the documents services share), ``messaging`` (Kafka
clients and the one consumer loop). See docs/architecture.md for what may import what."""
