"""Transports: SMTP mail and signed HTTP webhooks. Each raises :class:`SendError` on failure."""


class SendError(Exception):
    """The transport failed; ``str(exc)`` is a short reason without personal data."""
