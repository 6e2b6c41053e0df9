"""Local infrastructure for development and tests: Kafka, PostgreSQL + FerretDB, services.

Standard library only, so it runs before the project's virtualenv exists. Everything it
downloads or builds goes to the ignored cache folder (``.cache/`` by default, or
``TANGGAP_CACHE_DIR``). Entry point: ``python -m infra --help``.
"""
