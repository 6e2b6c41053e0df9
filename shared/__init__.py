"""Code every Tanggap service shares: configuration, events, Kafka, database, auth, web."""
