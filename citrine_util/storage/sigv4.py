"""AWS Signature Version 4 for S3 requests (header-based), without an SDK.

Pure functions: a request's method, URL, headers and payload hash in, the ``Authorization``
header out. Follows the published algorithm: canonical request, string to sign, signing key
derived from the secret, date, region and service.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, urlsplit

ALGORITHM = "AWS4-HMAC-SHA256"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


@dataclass(frozen=True, slots=True)
class Credentials:
    access_key_id: str
    secret_access_key: str
    region: str
    service: str = "s3"


def amz_date(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ")


def uri_encode_path(path: str) -> str:
    """S3 encodes each path segment once; ``/`` stays."""
    return quote(path, safe="/-_.~")


def _canonical_query(query: str) -> str:
    pairs = []
    for part in filter(None, query.split("&")):
        name, _, value = part.partition("=")
        pairs.append((quote(name, safe="-_.~"), quote(value, safe="-_.~")))
    return "&".join(f"{name}={value}" for name, value in sorted(pairs))


def canonical_request(
    method: str, url: str, headers: dict[str, str], payload_sha256: str
) -> tuple[str, str]:
    """(canonical request, signed header names) for ``headers`` (which must include host)."""
    parts = urlsplit(url)
    normalized = {name.lower(): " ".join(value.strip().split()) for name, value in headers.items()}
    names = sorted(normalized)
    signed = ";".join(names)
    lines = [
        method.upper(),
        uri_encode_path(parts.path or "/"),
        _canonical_query(parts.query),
        "".join(f"{name}:{normalized[name]}\n" for name in names),
        signed,
        payload_sha256,
    ]
    return "\n".join(lines), signed


def signing_key(credentials: Credentials, day: str) -> bytes:
    key = ("AWS4" + credentials.secret_access_key).encode()
    for part in (day, credentials.region, credentials.service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def authorization(
    credentials: Credentials,
    method: str,
    url: str,
    headers: dict[str, str],
    payload_sha256: str,
    moment: datetime,
) -> str:
    """The ``Authorization`` header for a request whose ``headers`` already carry host,
    x-amz-date (= ``moment``) and x-amz-content-sha256."""
    request, signed = canonical_request(method, url, headers, payload_sha256)
    day = moment.strftime("%Y%m%d")
    scope = f"{day}/{credentials.region}/{credentials.service}/aws4_request"
    to_sign = "\n".join(
        [ALGORITHM, amz_date(moment), scope, hashlib.sha256(request.encode()).hexdigest()]
    )
    signature = hmac.new(signing_key(credentials, day), to_sign.encode(), hashlib.sha256)
    return (
        f"{ALGORITHM} Credential={credentials.access_key_id}/{scope},"
        f"SignedHeaders={signed},Signature={signature.hexdigest()}"
    )


def signed_headers(
    credentials: Credentials,
    method: str,
    url: str,
    payload_sha256: str,
    moment: datetime,
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    """Every header a signed S3 request needs: host, date, payload hash, authorization."""
    parts = urlsplit(url)
    headers = {
        "host": parts.netloc,
        "x-amz-date": amz_date(moment),
        "x-amz-content-sha256": payload_sha256,
        **{name.lower(): value for name, value in (extra or {}).items()},
    }
    headers["authorization"] = authorization(
        credentials, method, url, headers, payload_sha256, moment
    )
    return headers
