"""Kafka: the clients (the only module that makes producers and consumers), the topics, and the
one consumer loop every worker and reader runs."""
