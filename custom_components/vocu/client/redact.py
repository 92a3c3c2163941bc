"""Keep secrets out of anything a human or a log collector may read.

Two kinds of secret leave this package: the API key (only ever in the Authorization header) and
signed audio URLs, whose ``auth=`` query grants access to the audio for hours. Both are replaced by
``REDACTED`` before a string is logged or put into an exception.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

REDACTED = "**REDACTED**"

# Query parameters that carry credentials in signed or legacy URLs.
SECRET_QUERY_KEYS = frozenset({"auth", "token", "key", "api_key", "apikey", "signature", "sig"})

_BEARER = re.compile(r"(?i)(bearer\s+)[^\s\"',;]+")
_SECRET_QUERY = re.compile(
    r"(?i)([?&](?:" + "|".join(sorted(SECRET_QUERY_KEYS)) + r")=)[^&#\s\"']*"
)


def redact_url(url: str) -> str:
    """Return ``url`` with the values of credential-bearing query parameters replaced."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact_text(url)
    if not parts.query:
        return url
    query = [
        (name, REDACTED if name.lower() in SECRET_QUERY_KEYS else value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit(parts._replace(query=urlencode(query, safe="*")))


def redact_text(text: str, secrets: Iterable[str | None] = ()) -> str:
    """Replace each known secret, any ``Bearer <x>`` and any credential query value in ``text``."""
    for secret in secrets:
        if secret and len(secret) >= 4:  # never "redact" a trivially short (empty/test) string
            text = text.replace(secret, REDACTED)
    text = _BEARER.sub(lambda m: m.group(1) + REDACTED, text)
    return _SECRET_QUERY.sub(lambda m: m.group(1) + REDACTED, text)
