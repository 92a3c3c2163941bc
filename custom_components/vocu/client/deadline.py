"""Deadlines: how long one call may take, chosen by whoever makes the call.

A :class:`Deadline` is a value (durations); starting it gives a :class:`Budget` (clock times)
that every request, retry, wait and read of the call draws from:

- ``total``: the whole call - every request, retry, Retry-After wait and body read - ends by
  then (``None``: no overall limit; a stream is then still bounded by the next two and by the
  audio size cap of ``streaming.max_audio_bytes``).
- ``first_byte``: each request's wait from sending until its first body bytes.
- ``min_rate`` over ``rate_window``: once bytes flow, fewer than ``min_rate × rate_window`` bytes
  in any window of ``rate_window`` seconds fails the call (a trickling body).

The error is a :class:`~.errors.ServiceTimeoutError` whose ``limit`` says which one was hit.
Public calls take ``deadline=`` (None: the active budget of an enclosing call, else the client's
default); nested calls share their caller's budget, so retries happen inside it.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import time
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, ParamSpec, TypeVar

from . import errors
from .errors import TimeoutLimit

MIN_RATE = 1024.0  # bytes per second, once the first byte arrived
RATE_WINDOW = 15.0  # seconds


@dataclass(frozen=True, slots=True)
class Deadline:
    """Seconds; ``None`` disables a limit. See the module docstring."""

    total: float | None = 420.0
    first_byte: float | None = 360.0
    min_rate: float = MIN_RATE
    rate_window: float = RATE_WINDOW

    def start(self) -> Budget:
        now = time.monotonic()
        return Budget(self, None if self.total is None else now + self.total)


# The named defaults every front end uses (the hardening issue's numbers).
# CLI `--timeout` and any call that names none: above Vocu's ~330 s wait before an over-quota
# 429 RATE_LIMIT_CONCURRENT, so that answer is still seen.
DEFAULT_DEADLINE = Deadline(total=420.0, first_byte=360.0)
# Home Assistant speech: someone is waiting for the announcement.
SPEECH_DEADLINE = Deadline(total=None, first_byte=15.0)
# Home Assistant's key check (config flow, re-auth, set-up).
KEY_CHECK_DEADLINE = Deadline(total=30.0, first_byte=30.0)
# Home Assistant actions that upload or delete (clone, delete): samples are large.
ACTION_DEADLINE = Deadline(total=600.0, first_byte=360.0)
# The Discord bot, per queued item.
BOT_ITEM_DEADLINE = Deadline(total=None, first_byte=30.0)

# A wait-for-voice/job call's default: its own ``timeout`` plus time for the last poll.
POLL_GRACE = 60.0


def polling_deadline(timeout: float) -> Deadline:
    """The deadline of ``wait_for_voice(timeout=…)`` when its caller names none."""
    return Deadline(total=timeout + POLL_GRACE, first_byte=DEFAULT_DEADLINE.first_byte)


_ACTIVE: contextvars.ContextVar[Budget | None] = contextvars.ContextVar(
    "vocu_client_budget", default=None
)


def active_budget() -> Budget | None:
    """The budget of the enclosing call in this task, if any."""
    return _ACTIVE.get()


@dataclass(slots=True)
class Budget:
    """A started :class:`Deadline`: absolute ``time.monotonic()`` limits."""

    deadline: Deadline
    expires_at: float | None
    provider: str = field(default="vocu")

    def remaining(self) -> float | None:
        if self.expires_at is None:
            return None
        return self.expires_at - time.monotonic()

    def allows_wait(self, seconds: float) -> bool:
        """Whether sleeping ``seconds`` (a backoff, a Retry-After) still ends inside the total."""
        left = self.remaining()
        return left is None or seconds < left

    def first_byte_limit(self) -> tuple[float | None, TimeoutLimit]:
        """The clock time a request started now must see its first bytes by, and which limit."""
        first = self.deadline.first_byte
        at = None if first is None else time.monotonic() + first
        if self.expires_at is not None and (at is None or self.expires_at <= at):
            return self.expires_at, TimeoutLimit.TOTAL
        return at, TimeoutLimit.FIRST_BYTE

    def timeout(
        self, what: str, limit: TimeoutLimit, detail: str = ""
    ) -> errors.ServiceTimeoutError:
        seconds = {
            TimeoutLimit.TOTAL: self.deadline.total,
            TimeoutLimit.FIRST_BYTE: self.deadline.first_byte,
        }.get(limit)
        reason = {
            TimeoutLimit.TOTAL: "the call's total deadline passed",
            TimeoutLimit.FIRST_BYTE: "no answer before the first-byte deadline",
            TimeoutLimit.MIN_RATE: (
                f"the answer came slower than {self.deadline.min_rate:g} bytes/s "
                f"over {self.deadline.rate_window:g} s"
            ),
            TimeoutLimit.IDLE: "the answer paused too long between chunks",
            TimeoutLimit.CONNECT: "could not connect in time",
        }[limit]
        if seconds is not None:
            reason += f" ({seconds:g} s)"
        return errors.ServiceTimeoutError(
            f"{what}: {reason}{detail}", limit=limit, provider=self.provider
        )

    def rate_watch(self) -> RateWatch:
        return RateWatch(self.deadline.min_rate, self.deadline.rate_window)

    def scope(self, what: str) -> BudgetScope:
        return BudgetScope(self, what)

    def active(self) -> _Activation:
        """Make this the active budget around a step that must not start its own (a stream's
        request, a part of a long text)."""
        return _Activation(self)


class BudgetScope:
    """``async with``: this budget is the task's active one and the total is enforced.

    Only the outermost scope of a task enforces the total (nested calls share the budget); the
    cancellation it causes becomes a ServiceTimeoutError with ``limit`` TOTAL.
    """

    def __init__(self, budget: Budget, what: str) -> None:
        self._budget = budget
        self._what = what
        self._token: contextvars.Token[Budget | None] | None = None
        self._timeout: asyncio.Timeout | None = None

    async def __aenter__(self) -> Budget:
        if _ACTIVE.get() is self._budget:
            return self._budget
        self._token = _ACTIVE.set(self._budget)
        self._timeout = asyncio.timeout_at(self._budget.expires_at)
        await self._timeout.__aenter__()
        return self._budget

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._token is None or self._timeout is None:
            return
        _ACTIVE.reset(self._token)
        try:
            await self._timeout.__aexit__(exc_type, exc, tb)
        except TimeoutError:
            raise self._budget.timeout(self._what, TimeoutLimit.TOTAL) from None


class RateWatch:
    """Fails a body slower than ``min_rate`` bytes/s over any ``window`` s after its first byte."""

    def __init__(self, min_rate: float, window: float) -> None:
        self.need = min_rate * window
        self.window = window
        self._started: float | None = None
        self._recent: deque[tuple[float, int]] = deque()
        self._sum = 0

    def add(self, size: int) -> None:
        now = time.monotonic()
        if self._started is None:
            self._started = now
        if size:
            self._recent.append((now, size))
            self._sum += size
        while self._recent and self._recent[0][0] <= now - self.window:
            self._sum -= self._recent.popleft()[1]

    def fails_at(self) -> float | None:
        """The clock time the rate falls below the minimum if nothing more arrives."""
        if self._started is None or self.need <= 0:
            return None
        at = max(time.monotonic(), self._started + self.window)
        total = self._sum
        for when, size in self._recent:
            if when > at - self.window:
                break
            total -= size
        if total < self.need:
            return at
        for when, size in self._recent:
            if when + self.window <= at:
                continue
            total -= size
            if total < self.need:
                return when + self.window
        return at  # unreachable: every chunk ages out


class _Activation:
    """``with budget.active():`` - this budget is the task's active one for a synchronous step."""

    def __init__(self, budget: Budget) -> None:
        self._budget = budget
        self._token: contextvars.Token[Budget | None] | None = None

    def __enter__(self) -> Budget:
        self._token = _ACTIVE.set(self._budget)
        return self._budget

    def __exit__(self, *exc_info: object) -> None:
        if self._token is not None:
            _ACTIVE.reset(self._token)


# TypeVar/ParamSpec, not PEP 695 brackets: the client also runs on Python 3.11.
_P = ParamSpec("_P")
_T = TypeVar("_T")


def bounded(
    method: Callable[_P, Coroutine[Any, Any, _T]],
) -> Callable[_P, Coroutine[Any, Any, _T]]:
    """Run a public call inside its ``deadline=`` keyword's budget (see the module docstring).

    The decorated method declares ``deadline: Deadline | None = None`` for its callers and type
    checkers; this wrapper takes it and opens the scope on the object's ``_transport``.
    """

    @functools.wraps(method)
    async def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _T:
        deadline = kwargs.pop("deadline", None)
        transport = args[0]._transport  # type: ignore[attr-defined]
        async with transport.within(deadline, method.__name__.replace("_", " ")):
            return await method(*args, **kwargs)

    return wrapper
