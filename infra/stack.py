"""The local stack: which components run, where, and starting/stopping them as a group."""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from infra import ferretdb, kafka, postgres
from infra.proc import CACHE


@dataclass
class Stack:
    """Kafka + PostgreSQL + FerretDB, unless the environment points at servers of its own.

    ``KAFKA_BOOTSTRAP_SERVERS`` set: no Kafka is started, that one is used.
    ``MONGODB_URI`` set: neither PostgreSQL nor FerretDB is started, that one is used.
    """

    kafka_port: int = field(default_factory=lambda: int(os.environ.get("KAFKA_PORT", "9092")))
    mongo_port: int = field(default_factory=lambda: int(os.environ.get("MONGODB_PORT", "27017")))
    pg_port: int = field(default_factory=lambda: int(os.environ.get("TANGGAP_PG_PORT", "54320")))
    external_kafka: str | None = field(default_factory=lambda: os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or None)
    external_mongo: str | None = field(default_factory=lambda: os.environ.get("MONGODB_URI") or None)

    def components(self) -> list:
        parts: list = []
        if not self.external_mongo:
            pg = postgres.Postgres(self.pg_port)
            parts += [pg, ferretdb.FerretDB(self.mongo_port, pg.url)]
        if not self.external_kafka:
            parts.append(kafka.Broker(port=self.kafka_port))
        return parts

    def env(self) -> dict[str, str]:
        """What the services and tests need to find the servers."""
        return {
            "KAFKA_BOOTSTRAP_SERVERS": self.external_kafka or f"127.0.0.1:{self.kafka_port}",
            "MONGODB_URI": self.external_mongo or f"mongodb://127.0.0.1:{self.mongo_port}/",
            "TANGGAP_SECRET_FILE": os.environ.get("TANGGAP_SECRET_FILE") or str(CACHE / "secret_key"),
        }

    def install(self) -> None:
        if not self.external_kafka:
            kafka.install()
        if not self.external_mongo:
            postgres.bindir()
            ferretdb.install()

    def start(self) -> list:
        """Start what is not running yet; returns the components this call started."""
        self.install()
        started = []
        try:
            for part in self.components():
                if part.start():
                    started.append(part)
                    print(f"  {part.name}: started", flush=True)
                else:
                    print(f"  {part.name}: already running", flush=True)
        except BaseException:
            self.stop(started)
            raise
        return started

    def stop(self, parts: list | None = None) -> None:
        for part in reversed(parts if parts is not None else self.components()):
            if part.stop():
                print(f"  {part.name}: stopped", flush=True)
