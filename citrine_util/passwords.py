"""Station passwords (``SecurityCtrlr.BasicAuthPassword``, security profiles 1 and 2).

Stored only as salted scrypt hashes (A01.FR.08), in the form
``scrypt$<n>$<r>$<p>$<salt b64>$<hash b64>`` so that hashes made with older parameters stay
verifiable when the defaults change. scrypt is in the standard library (``hashlib``, OpenSSL),
so no dependency is added; argon2id would need argon2-cffi for a like margin. The parameters
are OWASP's scrypt alternative N=2^14, r=8, p=5: the CPU cost of N=2^17, p=1 at 16 MiB of
memory per verification instead of 128 MiB, which matters when hundreds of stations
reconnect at once. Hashing runs in a thread (``verify_async``): OpenSSL's scrypt releases the
GIL, so the event loop keeps serving. Comparison is constant-time (``hmac.compare_digest``).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import secrets
import string

MIN_LENGTH = 16  # SecurityCtrlr.BasicAuthPassword, OCPP 2.0.1 Part 2 A00.FR.205
MAX_LENGTH = 64  # errata 2025-01: maxLimit of BasicAuthPassword, at most 64
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 5
SALT_BYTES = 16
HASH_BYTES = 32
GENERATED_ALPHABET = string.ascii_letters + string.digits
GENERATED_LENGTH = 40


class PasswordRefused(ValueError):
    """A password that breaks OCPP's rules (length, characters)."""


def check_password(password: str) -> None:
    """``PasswordRefused`` unless ``password`` is 16-64 printable ASCII characters."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise PasswordRefused(f"A station password has {MIN_LENGTH} to {MAX_LENGTH} characters")
    if not all(" " <= character <= "~" for character in password):
        raise PasswordRefused("A station password is printable ASCII")


def generate_password(length: int = GENERATED_LENGTH) -> str:
    return "".join(secrets.choice(GENERATED_ALPHABET) for _ in range(length))


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode(), salt=salt, n=n, r=r, p=p, maxmem=256 * n * r, dklen=HASH_BYTES
    )


def hash_password(password: str) -> str:
    """A new salted hash of ``password`` (slow: call it off the event loop)."""
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    encoded = (base64.b64encode(part).decode() for part in (salt, digest))
    return "$".join(("scrypt", str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P), *encoded))


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches ``stored``; False for a malformed hash (slow, blocking)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest, validate=True)
        computed = _scrypt(password, base64.b64decode(salt, validate=True), int(n), int(r), int(p))
    except ValueError:
        return False
    return hmac.compare_digest(computed, expected)


async def verify_async(password: str, *stored: str | None) -> int | None:
    """The index of the first of ``stored`` that ``password`` matches, or None; in a thread."""

    def check() -> int | None:
        for index, candidate in enumerate(stored):
            if candidate is not None and verify_password(password, candidate):
                return index
        return None

    return await asyncio.to_thread(check)


async def hash_async(password: str) -> str:
    return await asyncio.to_thread(hash_password, password)
