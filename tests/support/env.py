"""Isolated configuration for a test run against the real servers.

Each call gets its own database name and topic prefix, so tests (and concurrent runs on
one machine) never see each other's data.
"""
from __future__ import annotations

import os
import secrets
import uuid
from dataclasses import replace

from shared.platform.config import Settings


def isolated_settings(base: Settings | None = None, **overrides) -> Settings:
    base = base or Settings.from_env()
    tag = uuid.uuid4().hex[:10]
    values = dict(mongodb_db=f"tanggap_test_{tag}", kafka_topic_prefix=f"test-{tag}.",
                  secret_key=os.environ.get("TANGGAP_TEST_SECRET") or secrets.token_urlsafe(40),
                  kafka_responses_partitions=3)
    values.update(overrides)
    return replace(base, **values)


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment variables that reproduce ``settings`` in a child process."""
    from dataclasses import fields
    out = {}
    for f in fields(Settings):
        out[f.metadata["env"]] = str(getattr(settings, f.name))
    return out
