"""All configuration, read from the environment once, in one place.

Every variable the services read is a field of :class:`Settings` with its environment
name, default and meaning in the field's metadata; ``VARIABLES`` lists them for the
README and for the docker-compose consistency test. Nothing else reads ``os.environ``.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any


class ConfigError(ValueError):
    """An environment variable has a value the services cannot use."""


def _var(name: str, default: Any, help: str) -> Any:
    return field(default=default, metadata={"env": name, "help": help})


@dataclass(frozen=True)
class Settings:
    env: str = _var("TANGGAP_ENV", "development", "development or production (production requires TANGGAP_SECRET_KEY)")
    log_level: str = _var("TANGGAP_LOG_LEVEL", "INFO", "log level: DEBUG, INFO, WARNING, ERROR")

    mongodb_uri: str = _var("MONGODB_URI", "mongodb://127.0.0.1:27017/", "MongoDB connection string")
    mongodb_db: str = _var("MONGODB_DB", "tanggap", "database name")
    mongodb_pool_size: int = _var("MONGODB_POOL_SIZE", 20,
                                  "connections per process (keep processes x this below the server's limit)")
    mongodb_timeout_ms: int = _var("MONGODB_TIMEOUT_MS", 5000, "server selection and socket timeout, ms")

    kafka_bootstrap_servers: str = _var("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092", "comma-separated host:port list")
    kafka_topic_prefix: str = _var("KAFKA_TOPIC_PREFIX", "tanggap.", "prefix of every topic name")
    kafka_responses_partitions: int = _var("KAFKA_RESPONSES_PARTITIONS", 6,
                                           "partitions of the responses topic (at least 3)")
    kafka_partitions: int = _var("KAFKA_PARTITIONS", 3, "partitions of the other topics")
    kafka_replication_factor: int = _var("KAFKA_REPLICATION_FACTOR", 1, "replication factor of created topics")

    secret_key: str = _var("TANGGAP_SECRET_KEY", "",
                           "signing key for tokens and hashes; if empty, read or generated in TANGGAP_SECRET_FILE")
    secret_file: str = _var("TANGGAP_SECRET_FILE", ".tanggap-secret",
                            "file holding a generated key when TANGGAP_SECRET_KEY is empty")
    timezone: str = _var("TANGGAP_TIMEZONE", "Asia/Jakarta", "time zone that decides a response's period (month)")
    cookie_secure: str = _var("TANGGAP_COOKIE_SECURE", "auto",
                              "Secure flag of login cookies: true, false, or auto (true in production)")
    session_hours: int = _var("TANGGAP_SESSION_HOURS", 8, "lifetime of a web login session, hours")
    token_ttl_seconds: int = _var("TANGGAP_TOKEN_TTL_SECONDS", 8 * 3600, "default lifetime of issued API tokens")

    survey_port: int = _var("SURVEY_PORT", 8001, "survey service HTTP port")
    aggregator_port: int = _var("AGGREGATOR_PORT", 8002, "aggregator service HTTP port")
    notifier_port: int = _var("NOTIFIER_PORT", 8003, "notifier service HTTP port")
    public_survey_url: str = _var("PUBLIC_SURVEY_URL", "http://127.0.0.1:8001",
                                  "public base URL of the survey service (QR codes, links)")
    trusted_proxies: int = _var("TANGGAP_TRUSTED_PROXIES", 0,
                                "reverse proxies in front of the services (their X-Forwarded-For, -Proto and "
                                "-Prefix are trusted)")
    rate_limit_client: int = _var("RATE_LIMIT_CLIENT_PER_MINUTE", 30,
                                  "responses accepted per client address per minute (0: no limit)")
    rate_limit_device: int = _var("RATE_LIMIT_DEVICE_PER_MINUTE", 120,
                                  "responses accepted per kiosk device per minute (0: no limit)")
    reference_cache_seconds: int = _var("REFERENCE_CACHE_SECONDS", 5,
                                        "how long a survey process reuses a deployment, unit, service or officer it "
                                        "looked up (0: never); changes made through another process show after at most "
                                        "this long")
    web_concurrency: int = _var("WEB_CONCURRENCY", 2, "gunicorn worker processes per service")
    web_threads: int = _var("WEB_THREADS", 4, "threads per gunicorn worker")

    pemda_name: str = _var("TANGGAP_PEMDA_NAME", "Pemerintah Daerah",
                           "name of the Pemda as its reports and public pages print it (the kop)")
    pemda_logo: str = _var("TANGGAP_PEMDA_LOGO", "",
                           "PNG or JPEG file of the Pemda's logo for the report's kop (empty: no logo)")
    aggregator_public_url: str = _var("AGGREGATOR_PUBLIC_URL", "http://127.0.0.1:8002",
                                      "public base URL of the aggregator (links to an employee's indicator trend)")
    notifier_public_url: str = _var("NOTIFIER_PUBLIC_URL", "http://127.0.0.1:8003",
                                    "public base URL of the notifier (links to the inbox in mails and webhooks)")
    smtp_host: str = _var("NOTIFIER_SMTP_HOST", "127.0.0.1", "SMTP server the notifier sends mail through")
    smtp_port: int = _var("NOTIFIER_SMTP_PORT", 25, "SMTP server port")
    smtp_from: str = _var("NOTIFIER_SMTP_FROM", "tanggap@localhost", "sender address of notification mails")
    smtp_starttls: str = _var("NOTIFIER_SMTP_STARTTLS", "false",
                              "true: upgrade the SMTP connection with STARTTLS before sending")
    smtp_username: str = _var("NOTIFIER_SMTP_USERNAME", "", "SMTP login (empty: no authentication)")
    smtp_password: str = _var("NOTIFIER_SMTP_PASSWORD", "", "SMTP password (from the environment only)")
    smtp_timeout_s: int = _var("NOTIFIER_SMTP_TIMEOUT_SECONDS", 20,
                                "longest one mail may take, connection to the server's last answer, seconds")
    webhook_url: str = _var("NOTIFIER_WEBHOOK_URL", "",
                            "global webhook receiving every notification (empty: none; supervisors may set their own)")
    webhook_secret: str = _var("NOTIFIER_WEBHOOK_SECRET", "",
                               "HMAC-SHA256 key of the global webhook (from the environment only)")
    webhook_timeout_s: int = _var("NOTIFIER_WEBHOOK_TIMEOUT_SECONDS", 10,
                                 "longest one webhook request may take, connection to the whole answer, seconds")
    webhook_allowed_hosts: str = _var("NOTIFIER_WEBHOOK_ALLOWED_HOSTS", "",
                                      "internal hosts supervisors' webhooks may reach, comma-separated: names, "
                                      ".domains, addresses or networks (empty: public addresses only)")
    delivery_max_attempts: int = _var("NOTIFIER_MAX_ATTEMPTS", 5,
                                      "attempts per mail or webhook delivery before it is dead-lettered")
    retry_base_s: int = _var("NOTIFIER_RETRY_BASE_SECONDS", 60,
                             "first retry delay, seconds (doubles per attempt, with jitter)")
    retry_max_s: int = _var("NOTIFIER_RETRY_MAX_SECONDS", 3600, "longest retry delay, seconds")
    escalate_after_days: int = _var("NOTIFIER_ESCALATE_AFTER_DAYS", 3,
                                    "days a case may stay unacknowledged before it goes to the next level up")
    cooldown_hours: int = _var("NOTIFIER_COOLDOWN_HOURS", 24,
                               "no second mail to a supervisor about the same person within this many hours")
    digest_hour: int = _var("NOTIFIER_DIGEST_HOUR", 7,
                            "local hour at which the daily digest of the previous day is mailed")
    admin_email: str = _var("NOTIFIER_ADMIN_EMAIL", "",
                            "mail address of the administrator who receives cases nobody else can")
    contact_key: str = _var("TANGGAP_CONTACT_KEY", "",
                            "key encrypting citizens' contact details at rest (a Fernet key: 32 bytes, URL-safe "
                            "base64; required in production; in development derived from the signing key)")
    complaint_verify_days: int = _var("COMPLAINT_VERIFY_DAYS", 3,
                                      "working days a unit has to verify (or reject or forward) a complaint")
    complaint_answer_days: int = _var("COMPLAINT_ANSWER_DAYS", 14,
                                      "working days a unit has to answer a verified complaint")
    complaint_contact_retention_days: int = _var("COMPLAINT_CONTACT_RETENTION_DAYS", 180,
                                                 "days a citizen's contact details are kept after their ticket "
                                                 "is closed (then deleted by tanggap complaints purge)")
    training_followup_months: int = _var("TRAINING_FOLLOWUP_MONTHS", 3,
                                         "months after a training ends that its alumni (then their supervisors) "
                                         "are asked whether they apply what they learned (level 3)")
    holidays: str = _var("TANGGAP_HOLIDAYS", "",
                         "holidays that are not working days (libur nasional, cuti bersama), YYYY-MM-DD separated "
                         "by commas; weekends are never working days")
    tick_seconds: int = _var("NOTIFIER_TICK_SECONDS", 30,
                             "how often the notifier worker runs its scheduler "
                             "(escalation, reminders, retries, digests)")

    @property
    def secure_cookies(self) -> bool:
        return self.cookie_secure == "true" or (self.cookie_secure == "auto" and self.env == "production")

    @property
    def holiday_dates(self) -> frozenset[date]:
        from shared.domain.workdays import parse_holidays
        return parse_holidays(self.holidays)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = environ.get(f.metadata["env"])
            if raw is None or raw == "":
                continue
            kind: type[Any] = type(f.default)
            try:
                values[f.name] = kind(raw.strip()) if kind is not str else raw
            except ValueError:
                raise ConfigError(f"{f.metadata['env']}={raw!r} is not a valid {kind.__name__}") from None
        settings = cls(**values)
        settings.validate()
        return settings

    def validate(self) -> None:
        if self.env not in ("development", "production"):
            raise ConfigError(f"TANGGAP_ENV must be development or production, not {self.env!r}")
        if self.cookie_secure not in ("auto", "true", "false"):
            raise ConfigError("TANGGAP_COOKIE_SECURE must be auto, true or false")
        if self.kafka_responses_partitions < 3:
            raise ConfigError("KAFKA_RESPONSES_PARTITIONS must be at least 3")
        if self.env == "production" and not self.secret_key:
            raise ConfigError("TANGGAP_SECRET_KEY must be set in production")
        try:
            import zoneinfo
            zoneinfo.ZoneInfo(self.timezone)
        except Exception:
            raise ConfigError(f"TANGGAP_TIMEZONE={self.timezone!r} is not a known time zone") from None
        if self.smtp_starttls not in ("true", "false"):
            raise ConfigError("NOTIFIER_SMTP_STARTTLS must be true or false")
        if self.smtp_timeout_s < 1 or self.webhook_timeout_s < 1:
            raise ConfigError("NOTIFIER_SMTP_TIMEOUT_SECONDS and NOTIFIER_WEBHOOK_TIMEOUT_SECONDS must be at least 1")
        if self.delivery_max_attempts < 1:
            raise ConfigError("NOTIFIER_MAX_ATTEMPTS must be at least 1")
        if self.escalate_after_days < 1:
            raise ConfigError("NOTIFIER_ESCALATE_AFTER_DAYS must be at least 1")
        if not 0 <= self.digest_hour <= 23:
            raise ConfigError("NOTIFIER_DIGEST_HOUR must be between 0 and 23")
        if self.env == "production" and not self.contact_key:
            raise ConfigError("TANGGAP_CONTACT_KEY must be set in production")
        if self.contact_key:
            import base64
            import binascii
            try:
                ok = len(base64.urlsafe_b64decode(self.contact_key.encode())) == 32
            except (binascii.Error, ValueError):
                ok = False
            if not ok:
                raise ConfigError("TANGGAP_CONTACT_KEY must be 32 bytes in URL-safe base64 (a Fernet key)")
        if not 1 <= self.training_followup_months <= 24:
            raise ConfigError("TRAINING_FOLLOWUP_MONTHS must be between 1 and 24")
        if self.complaint_verify_days < 1 or self.complaint_answer_days < 1:
            raise ConfigError("COMPLAINT_VERIFY_DAYS and COMPLAINT_ANSWER_DAYS must be at least 1")
        if self.complaint_contact_retention_days < 1:
            raise ConfigError("COMPLAINT_CONTACT_RETENTION_DAYS must be at least 1 (the answer is mailed first)")
        from shared.domain.workdays import parse_holidays
        try:
            parse_holidays(self.holidays)
        except ValueError as exc:
            raise ConfigError(f"TANGGAP_HOLIDAYS: {exc}") from None
        if self.secret_key and len(self.secret_key) < 32:
            raise ConfigError("TANGGAP_SECRET_KEY must be at least 32 characters")


VARIABLES = {f.metadata["env"]: (f.default, f.metadata["help"]) for f in fields(Settings)}
