"""Fault injection: make matching requests fail the way the real service or the network can."""

from __future__ import annotations

import fnmatch
import threading
from dataclasses import asdict, dataclass, fields
from typing import Any

_DEFAULT_CODES = {
    400: "VALIDATION_BAD_PARAMS",
    401: "AUTH_UNAUTHORIZED",
    403: "AUTH_FORBIDDEN",
    404: "RESOURCE_NOT_FOUND",
    409: "VOICE_CREATING",
    429: "RATE_LIMIT_EXCEEDED",
    500: "SYSTEM_INTERNAL_ERROR",
    502: "SYSTEM_INTERNAL_ERROR",
    503: "NO_WORKER_AVAILABLE",
}


@dataclass
class Fault:
    """One injected fault; `times=None` means every matching request until reset.

    `status` answers with an error body (`code`/`message`, plus `Retry-After` for `retry_after`
    or any 429); `cut_after_bytes` closes the connection mid-body; `first_byte_delay` delays the
    answer; `hang` never answers; `garbage` replaces the body with bytes that are not MP3;
    `drop_before_headers` closes the connection before any status line (nothing was generated,
    so a client may safely retry even a billed request); `body` replaces an ordinary answer's
    JSON with this raw text, keeping its status and headers (odd shapes: ``{"data": []}``).

    Adversarial answers (see ``vocu_emulator.adversarial``): `echo_key` echoes the caller's key
    into the request id, code and message; `endless` ("json" or "audio") never ends;
    `trickle_interval` sends one byte every that many seconds; `gzip_bomb` inflates to that many
    bytes; `unclean_end` closes a body with neither length nor chunking mid-way.
    """

    path: str = "/api/tts/simple-generate*"
    method: str | None = None
    times: int | None = 1
    status: int | None = None
    code: str | None = None
    message: str | None = None
    retry_after: float | None = None
    cut_after_bytes: int | None = None
    first_byte_delay: float | None = None
    hang: bool = False
    garbage: bool = False
    drop_before_headers: bool = False
    body: str | None = None
    echo_key: bool = False
    endless: str | None = None
    trickle_interval: float | None = None
    gzip_bomb: int | None = None
    unclean_end: bool = False

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return fnmatch.fnmatchcase(path, self.path)

    @property
    def error_code(self) -> str:
        return self.code or _DEFAULT_CODES.get(self.status or 500, "SYSTEM_INTERNAL_ERROR")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fault:
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fault fields: {sorted(unknown)}")
        return cls(**data)


class FaultBook:
    """Pending faults, consumed in the order they were injected."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def pending(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def take(self, method: str, path: str) -> Fault | None:
        """The first fault matching this request, using up one of its `times`."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            self._faults.remove(fault)
                    return fault
            return None
