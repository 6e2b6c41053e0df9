"""Topic names and their creation (idempotent)."""
from __future__ import annotations

from dataclasses import dataclass

from shared.platform.config import Settings


@dataclass(frozen=True)
class Topics:
    responses: str      # citizen SKM, custom surveys, peer feedback, appraisals (aggregator input)
    coaching: str       # coaching cases opened/closed (notifier input)
    deadletter: str     # messages a consumer could not process, with the reason
    notifications_dlq: str  # webhook deliveries that failed every attempt
    complaints: str     # complaint tickets: received (survey) and each handling step (notifier), keyed by ticket

    @classmethod
    def from_settings(cls, settings: Settings) -> Topics:
        p = settings.kafka_topic_prefix
        return cls(responses=f"{p}responses.v1", coaching=f"{p}coaching.v1", deadletter=f"{p}deadletter.v1",
                   notifications_dlq=f"{p}notifications-dlq.v1", complaints=f"{p}complaints.v1")

    def specs(self, settings: Settings) -> dict[str, int]:
        """Topic name -> partitions."""
        return {self.responses: settings.kafka_responses_partitions, self.coaching: settings.kafka_partitions,
                self.deadletter: 1, self.notifications_dlq: 1, self.complaints: settings.kafka_partitions}


def ensure_topics(settings: Settings, timeout_s: float = 30.0) -> dict[str, int]:
    """Create missing topics; existing ones are left as they are. Returns name -> partitions."""
    import time

    from kafka.admin import KafkaAdminClient, NewTopic
    from kafka.errors import KafkaError, TopicAlreadyExistsError

    topics = Topics.from_settings(settings)
    specs = topics.specs(settings)
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers.split(","),
                                     client_id="tanggap-admin", request_timeout_ms=10000)
            break
        except KafkaError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    try:
        existing = set(admin.list_topics())
        missing = [NewTopic(name, partitions, settings.kafka_replication_factor)
                   for name, partitions in specs.items() if name not in existing]
        if missing:
            try:
                admin.create_topics(missing, timeout_ms=15000)
            except TopicAlreadyExistsError:
                pass  # another process created it meanwhile
        # Wait until the metadata shows every partition, so the first produce does not fail.
        while time.monotonic() < deadline:
            described = {t.get("name", t.get("topic")): len(t["partitions"]) for t in admin.describe_topics(list(specs))
                         if not t.get("error_code")}
            if all(described.get(name, 0) >= 1 for name in specs):
                return described
            time.sleep(0.2)
        raise TimeoutError(f"topics not ready after {timeout_s}s: {sorted(specs)}")
    finally:
        admin.close()
