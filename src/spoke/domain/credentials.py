"""What an ``Authorization`` header presents, read without verifying anything: the one
parser of the header for authentication, the audit log and the rate limits alike."""

from __future__ import annotations

import base64
import binascii


def bearer(authorization: str) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header (scheme in any case), else
    None."""
    scheme, _, credential = authorization.strip().partition(" ")
    credential = credential.strip()
    return credential if scheme.lower() == "bearer" and credential else None


def credential_of(authorization: str) -> str | None:
    """The credential of an ``Authorization`` header: a ``Bearer`` token, or the password
    of ``Basic`` (any user name), which is how pip and go send an API key; else None."""
    if (token := bearer(authorization)) is not None:
        return token
    scheme, _, encoded = authorization.strip().partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    _, colon, password = decoded.partition(":")
    return password if colon and password else None
