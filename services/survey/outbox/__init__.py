"""The outbox relay: publishes stored responses' events to Kafka, exactly once in effect."""
