"""Gunicorn settings shared by the three services (local `make up`, Docker image, benchmarks).

Reads the project's configuration; the bind address is given on the command line.
"""
from shared.platform.config import Settings

_settings = Settings.from_env()

workers = _settings.web_concurrency
threads = _settings.web_threads
worker_class = "gthread"
timeout = 30
graceful_timeout = 20
keepalive = 5
# Access log without the client address (personal data): method, path, status, size, time.
accesslog = "-"
access_log_format = '{"access": "%(m)s %(U)s", "status": %(s)s, "bytes": "%(B)s", "ms": %(M)s}'
errorlog = "-"
loglevel = _settings.log_level.lower()
