import pytest

from shared.platform.config import VARIABLES, ConfigError, Settings

pytestmark = pytest.mark.unit


def test_defaults_are_documented_and_used():
    s = Settings.from_env({})
    assert (s.survey_port, s.aggregator_port, s.notifier_port) == (8001, 8002, 8003)
    assert s.kafka_bootstrap_servers == "127.0.0.1:9092"
    assert s.mongodb_uri.startswith("mongodb://127.0.0.1:27017")
    assert all(help_text for _, help_text in VARIABLES.values())


def test_environment_overrides_and_types_are_parsed():
    s = Settings.from_env({"SURVEY_PORT": "9001", "KAFKA_RESPONSES_PARTITIONS": "12", "MONGODB_DB": "x"})
    assert (s.survey_port, s.kafka_responses_partitions, s.mongodb_db) == (9001, 12, "x")


@pytest.mark.parametrize("env,fragment", [
    ({"SURVEY_PORT": "eighty"}, "SURVEY_PORT"),
    ({"KAFKA_RESPONSES_PARTITIONS": "2"}, "at least 3"),
    ({"TANGGAP_ENV": "production"}, "TANGGAP_SECRET_KEY"),
    ({"TANGGAP_SECRET_KEY": "short"}, "32 characters"),
    ({"TANGGAP_TIMEZONE": "Mars/Olympus"}, "time zone"),
    ({"NOTIFIER_SMTP_STARTTLS": "yes"}, "NOTIFIER_SMTP_STARTTLS"),
    ({"NOTIFIER_MAX_ATTEMPTS": "0"}, "NOTIFIER_MAX_ATTEMPTS"),
    ({"NOTIFIER_DIGEST_HOUR": "24"}, "NOTIFIER_DIGEST_HOUR"),
    ({"NOTIFIER_SMTP_PORT": "smtp"}, "NOTIFIER_SMTP_PORT"),
    ({"TANGGAP_ENV": "production", "TANGGAP_SECRET_KEY": "k" * 40}, "TANGGAP_CONTACT_KEY"),
    ({"TANGGAP_CONTACT_KEY": "not-a-fernet-key"}, "TANGGAP_CONTACT_KEY"),
    ({"TANGGAP_HOLIDAYS": "2026-12-25, 25-12-2026"}, "TANGGAP_HOLIDAYS"),
    ({"COMPLAINT_VERIFY_DAYS": "0"}, "COMPLAINT_VERIFY_DAYS"),
    ({"COMPLAINT_CONTACT_RETENTION_DAYS": "0"}, "COMPLAINT_CONTACT_RETENTION_DAYS"),
])
def test_bad_values_fail_with_a_message_naming_the_variable(env, fragment):
    with pytest.raises(ConfigError, match=fragment):
        Settings.from_env(env)


def test_generated_secret_is_created_once_and_private(tmp_path):
    from shared.platform.secrets import secret_key
    path = tmp_path / "secret"
    s = Settings.from_env({"TANGGAP_SECRET_FILE": str(path)})
    first = secret_key(s)
    assert len(first) >= 32 and path.stat().st_mode & 0o777 == 0o600
    assert secret_key(Settings.from_env({"TANGGAP_SECRET_FILE": str(path)})) == first
