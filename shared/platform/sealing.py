"""Encrypting personal data at rest (citizens' contact details): Fernet (AES-128-CBC with an
HMAC-SHA256 tag), the key from ``TANGGAP_CONTACT_KEY``.

In development an empty key is derived from the signing key, so a local stack works without
setup; production refuses to start without its own key (see :class:`Settings`). A sealed
value that does not open (another key, tampered) is :class:`Unreadable`, never a crash.
"""
from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken

from shared.platform.config import Settings
from shared.platform.secrets import secret_key


class Unreadable(ValueError):
    """The sealed value cannot be opened with this key."""


def _fernet(settings: Settings) -> Fernet:
    key = settings.contact_key
    if not key:
        digest = hashlib.sha256(f"tanggap-contact\x1f{secret_key(settings)}".encode()).digest()
        key = base64.urlsafe_b64encode(digest).decode()
    return Fernet(key.encode())


def seal(settings: Settings, text: str) -> str:
    return _fernet(settings).encrypt(text.encode()).decode()


def unseal(settings: Settings, token: str) -> str:
    try:
        return _fernet(settings).decrypt(token.encode()).decode()
    except (InvalidToken, ValueError):
        raise Unreadable("the sealed value does not open with this key") from None
