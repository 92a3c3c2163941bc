"""Ids placed in URL paths: validated, percent-encoded, and the final URL kept under its resource.

The URL library normalises dot segments (and decodes ``%2E`` back to ``.``), so an id of ``..``
would turn ``DELETE /api/voice/..`` into ``DELETE /api/``. Every service builds its id paths here.
"""

from __future__ import annotations

import string
from urllib.parse import quote, unquote, urlsplit

from yarl import URL

from .errors import ValidationError

_FIELD = string.Formatter()


def _invalid(message: str, provider: str) -> ValidationError:
    return ValidationError(message, code="VALIDATION_INVALID_VALUE", provider=provider)


def id_segment(value: object, what: str, *, provider: str, safe: str = ":") -> str:
    """One id as a path segment: non-empty, not ``.``/``..``, percent-encoded (``/`` too).

    ``safe=":"`` keeps Vocu's ``market:<uuid>`` ids verbatim, as the service expects them.
    """
    if not isinstance(value, str) or not value.strip():
        raise _invalid(f"the {what} is empty", provider)
    if value.strip() in (".", "..") or any(ord(char) < 0x20 for char in value):
        raise _invalid(f"{value!r} is not a valid {what}", provider)
    return quote(value, safe=safe)


def resource_path(
    base_url: str, template: str, *, provider: str, safe: str = ":", **ids: object
) -> str:
    """``template`` (``/api/voice/{voice_id}/prompt``) with each id checked and encoded.

    The result, appended to ``base_url``, must reach the server unchanged and stay under the
    template's fixed prefix (``/api/voice/``); anything else is refused before sending.
    """
    names = [name for _, name, _, _ in _FIELD.parse(template) if name]
    encoded = {
        name: id_segment(ids[name], name.replace("_", " "), provider=provider, safe=safe)
        for name in names
    }
    path = template.format(**encoded)
    full = f"{base_url.rstrip('/')}{path}"
    built = urlsplit(full).path.split("/")
    prefix = urlsplit(f"{base_url.rstrip('/')}{template.split('{', 1)[0]}").path
    sent = URL(full).raw_path  # the path aiohttp will put on the wire
    # yarl may re-encode a segment (",", "%2C"), which is harmless; dropping or merging one
    # (dot segments, a decoded "/") is not.
    same = len(sent.split("/")) == len(built) and all(
        unquote(a) == unquote(b) for a, b in zip(sent.split("/"), built, strict=True)
    )
    if not same or not sent.startswith(prefix):
        raise _invalid(f"an id would leave its resource ({template})", provider)
    return path
