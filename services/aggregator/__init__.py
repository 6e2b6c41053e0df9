"""Aggregator: consumes responses, maintains ASN performance indicators incrementally,
decides coaching cases, and serves indicators to evaluation teams and the public."""
