"""Keep secrets out of anything a human or a log collector may read.

Two kinds of secret leave this package: the API key (only ever in the Authorization header) and
signed audio URLs, whose ``auth=`` query grants access to the audio for hours. Both are replaced by
``REDACTED`` before a string is logged or put into an exception.

A server or proxy may echo the key back in any field, whole, cut, URL-encoded or after ``Bearer``,
so :func:`redact_text` removes the key, every piece of it of :data:`MIN_SECRET_PIECE` characters
or more, its URL-encoded forms and any ``Bearer <token>``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit, urlunsplit

REDACTED = "**REDACTED**"
# A piece of the key this long is treated as the key: short enough to catch a truncated echo,
# long enough not to blank ordinary words.
MIN_SECRET_PIECE = 8

# Query parameters that carry credentials in signed or legacy URLs.
SECRET_QUERY_KEYS = frozenset({"auth", "token", "key", "api_key", "apikey", "signature", "sig"})

_BEARER = re.compile(r"(?i)(bearer(?:\s+|%20|\+))[^\s\"',;]+")
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


def _forms(secret: str) -> set[str]:
    """The key as sent and as a URL or form encoder would write it."""
    return {secret, quote(secret, safe=""), quote_plus(secret, safe=""), quote(secret)}


def _pieces(secrets: Iterable[str | None]) -> tuple[set[str], list[str]]:
    """Every MIN_SECRET_PIECE-long window of each long secret form; the short secrets whole."""
    windows: set[str] = set()
    short: list[str] = []
    for secret in secrets:
        if not secret or len(secret) < 4:  # never "redact" a trivially short (empty/test) string
            continue
        for form in _forms(secret):
            if len(form) < MIN_SECRET_PIECE:
                short.append(form)
                continue
            windows.update(
                form[i : i + MIN_SECRET_PIECE] for i in range(len(form) - MIN_SECRET_PIECE + 1)
            )
    return windows, short


def _blank_pieces(text: str, windows: set[str]) -> str:
    """Replace each run of text covered by key windows (any key substring of 8+) by REDACTED."""
    covered = bytearray(len(text))
    found = False
    for i in range(len(text) - MIN_SECRET_PIECE + 1):
        if text[i : i + MIN_SECRET_PIECE] in windows:
            covered[i : i + MIN_SECRET_PIECE] = b"\x01" * MIN_SECRET_PIECE
            found = True
    if not found:
        return text
    out: list[str] = []
    i = 0
    while i < len(text):
        if covered[i]:
            while i < len(text) and covered[i]:
                i += 1
            out.append(REDACTED)
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def redact_text(text: str, secrets: Iterable[str | None] = ()) -> str:
    """Replace each known secret (whole, any 8+ piece, URL-encoded), any ``Bearer <x>`` and any
    credential query value in ``text``."""
    windows, short = _pieces(secrets)
    if windows:
        text = _blank_pieces(text, windows)
    for secret in sorted(short, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    text = _BEARER.sub(lambda m: m.group(1) + REDACTED, text)
    return _SECRET_QUERY.sub(lambda m: m.group(1) + REDACTED, text)


def redact_optional(text: object, secrets: Iterable[str | None] = ()) -> str | None:
    """:func:`redact_text` for a field that may be absent or not a string (a JSON ``code``)."""
    if text is None:
        return None
    return redact_text(str(text), secrets)
