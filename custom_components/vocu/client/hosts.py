"""Which hosts may receive the key after a redirect, and where each host is really reached.

Authenticated requests never follow a redirect to just anywhere: the key would go with them. They
follow one only to a *trusted* host: the configured base URL's own host plus the service's own
hosts (Vocu: ``v1.vocu.ai`` and ``v1.vocu.studio``, whose exports name either as the server; the
China-domestic ``v1.wusound.cn`` is a separate service and is not among them) plus whatever the
caller adds with ``trusted_hosts``. A redirect never downgrades ``https`` to ``http``.

A *host map* says where a host is reached, like ``curl --connect-to``: ``{"v1.vocu.ai":
"http://127.0.0.1:8765"}`` sends every request for ``v1.vocu.ai`` (the base URL, a redirect's
``Location``, a signed audio URL) to that origin, with the logical ``Host`` header kept. A target
may carry a path prefix (``{"noiz.ai": "http://127.0.0.1:8765/noiz"}``). Mapped hosts count as
trusted. Tests and the Home Assistant integration's tests use it to reach built-in hosts offline.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit, urlunsplit

VOCU_HOSTS = frozenset({"v1.vocu.ai", "v1.vocu.studio"})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _netloc(url: str) -> tuple[str, str]:
    """``(scheme, host[:port])`` in lower case, the port left out when it is the default."""
    parts = urlsplit(url)
    scheme = (parts.scheme or "https").lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    if port is None or port == _DEFAULT_PORTS.get(scheme):
        return scheme, host
    return scheme, f"{host}:{port}"


def _entry(value: str) -> str:
    """A trusted-host entry: ``host``, ``host:port`` or a URL (its ``host[:port]``)."""
    value = value.strip()
    if "://" in value:
        return _netloc(value)[1]
    return value.lower().rstrip("/")


class HostPolicy:
    """The trusted hosts and the host map of one transport."""

    def __init__(
        self,
        base_url: str,
        *,
        trusted_hosts: Iterable[str] = (),
        host_map: Mapping[str, str] | None = None,
    ) -> None:
        self.host_map = {host.strip().lower(): target.rstrip("/") for host, target in
                         (host_map or {}).items()}  # fmt: skip
        self.trusted = frozenset(
            {_netloc(base_url)[1], *(_entry(h) for h in trusted_hosts), *self.host_map}
        )

    def __repr__(self) -> str:
        return f"HostPolicy(trusted={sorted(self.trusted)}, mapped={sorted(self.host_map)})"

    def trusts(self, url: str, *, coming_from: str) -> bool:
        """May the key follow a redirect from ``coming_from`` to ``url``?"""
        scheme, netloc = _netloc(url)
        if scheme not in _DEFAULT_PORTS:
            return False
        if _netloc(coming_from)[0] == "https" and scheme != "https":
            return False  # never send the key in clear text after having used TLS
        host = netloc.rsplit(":", 1)[0] if ":" in netloc else netloc
        return netloc in self.trusted or host in self.trusted

    def route(self, url: str) -> tuple[str, dict[str, str]]:
        """Where to send a request for ``url``, and the headers that keep its logical host."""
        parts = urlsplit(url)
        target = self.host_map.get((parts.hostname or "").lower())
        if target is None:
            return url, {}
        into = urlsplit(target)
        path = into.path.rstrip("/") + (parts.path or "/")
        routed = urlunsplit((into.scheme, into.netloc, path, parts.query, parts.fragment))
        return routed, {"Host": parts.netloc}
