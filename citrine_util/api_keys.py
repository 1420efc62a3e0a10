"""REST API keys: how they look, how they are hashed, and when their use is written down.

A key is ``ck_<prefix>_<secret>``: ``ck_`` and an 8-hex-digit prefix that humans see in
listings to tell keys apart, then 32 random bytes (256 bits) from ``secrets``, base64url.

Why a plain SHA-256 and not a keyed HMAC or a password hash: the secret half is 256 bits of
randomness, so nobody can guess it or run a dictionary against a leaked hash; a salt or a slow
hash defends low-entropy passwords, and an HMAC pepper defends them once the database leaks.
Neither applies to a random key, and a server-wide secret would be one more thing every process
of a cluster must share and that, once lost or rotated, invalidates every key at once. SHA-256
is also fast, which matters because the hash is computed on every request. The hash is the
lookup key (unique, indexed): a presented key is never compared with stored secrets, and the
index lookup's timing tells an attacker at most something about a hash he cannot invert.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

KEY_MARK = "ck"
_KEY = re.compile(r"^ck_([0-9a-f]{8})_([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True, slots=True)
class NewKey:
    """A freshly generated key: ``secret`` is shown once and never stored."""

    secret: str
    prefix: str
    hash: str


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def generate_key() -> NewKey:
    prefix = f"{KEY_MARK}_{secrets.token_hex(4)}"
    secret = f"{prefix}_{secrets.token_urlsafe(32)}"
    return NewKey(secret=secret, prefix=prefix, hash=hash_key(secret))


def looks_like_key(value: str) -> bool:
    """Whether ``value`` has our key's shape (a JWT, for one, never does)."""
    return _KEY.match(value) is not None


class UsageRecorder:
    """Remembers when keys were used and writes it in batches: no write per request.

    ``record`` is called on every authenticated request and only touches a dict; ``flush``
    (every ``interval`` seconds, and at shutdown) hands the keys used since the last flush,
    each with its latest time, to ``write``. A key is handed over at most once per interval.
    """

    def __init__(
        self, write: Callable[[Mapping[int, datetime]], Awaitable[None]], interval: float
    ) -> None:
        self._write = write
        self.interval = interval
        self._pending: dict[int, datetime] = {}
        self._written: dict[int, datetime] = {}

    def record(self, api_key_pk: int, at: datetime) -> None:
        last = self._written.get(api_key_pk)
        if last is not None and at - last < timedelta(seconds=self.interval):
            return
        self._pending[api_key_pk] = at

    @property
    def pending(self) -> int:
        return len(self._pending)

    async def flush(self) -> None:
        if not self._pending:
            return
        batch, self._pending = self._pending, {}
        try:
            await self._write(batch)
        except BaseException:
            # Keep them for the next flush, unless newer uses were recorded meanwhile.
            self._pending = {**batch, **self._pending}
            raise
        self._written.update(batch)
