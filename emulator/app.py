"""The emulator application: state + faults + speech, middlewares, control routes and `serve()`."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import socket
import threading
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from . import (
    adversarial,
    routes_account,
    routes_jobs,
    routes_minimax,
    routes_minimax_official,
    routes_noiz,
    routes_tts,
    routes_voice,
    turbo,
)
from .api import EMULATOR_KEY, ApiError, error_response, ok
from .faults import Fault, FaultBook
from .provider_errors import provider_error_shapes
from .readings import ReadingBook
from .speech import SpeechEngine
from .state import EmulatorState, Pacing
from .streaming import drop_connection, garbage_like

CONTROL_PREFIX = "/_emulator/"
_MAX_RECORDED_STRING = 200


def _redact_headers(headers: Any) -> dict[str, str]:
    redacted = {}
    for key, value in headers.items():
        if key.lower() == "authorization":
            scheme = value.split(" ", 1)[0] if " " in value else ""
            redacted[key] = f"{scheme} <redacted>".strip()
        else:
            redacted[key] = value
    return redacted


# Query parameters that carry a key (GET simple-generate's `token`): never kept in a record.
_SECRET_QUERY = frozenset({"token"})


def _redact_query(query: Any) -> dict[str, str]:
    return {k: "<redacted>" if k.lower() in _SECRET_QUERY else v for k, v in query.items()}


def _shorten(value: Any) -> Any:
    """Recorded bodies keep their shape, but long strings (data URLs) are cut."""
    if isinstance(value, str) and len(value) > _MAX_RECORDED_STRING:
        return value[:_MAX_RECORDED_STRING] + f"…(+{len(value) - _MAX_RECORDED_STRING})"
    if isinstance(value, dict):
        return {k: _shorten(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shorten(v) for v in value]
    return value


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    json: Any
    headers: dict[str, str]

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class Emulator:
    """One emulated Vocu service; safe to drive from another thread than its event loop's."""

    def __init__(
        self, pacing: Pacing | None = None, readings: dict[str, str] | None = None
    ) -> None:
        self.default_pacing = pacing or Pacing()
        self.readings = ReadingBook(readings)
        self.state = EmulatorState()
        self.state.pacing = dataclasses.replace(self.default_pacing)
        self.faults = FaultBook()
        self.speech = SpeechEngine()
        self._requests: list[RecordedRequest] = []
        self._requests_lock = threading.Lock()
        self._generation = 0  # bumped on reset; hanging requests give up when it changes

    # --- control --------------------------------------------------------------------------

    def reset(self, pacing: Pacing | None = None) -> None:
        """Seeded state, no faults, no recorded requests; pacing back to `pacing` or the default."""
        self.state.reset(dataclasses.replace(pacing or self.default_pacing))
        self.faults.clear()
        self.readings.reset()
        with self._requests_lock:
            self._requests.clear()
        self._generation += 1

    def inject(self, fault: Fault) -> None:
        self.faults.add(fault)

    def set_pacing(self, **changes: Any) -> Pacing:
        with self.state.lock:
            self.state.pacing = dataclasses.replace(self.state.pacing, **changes)
            return self.state.pacing

    @property
    def generation(self) -> int:
        """Bumped on every reset: a long wait compares it to give up when the test moved on."""
        return self._generation

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._requests_lock:
            return list(self._requests)

    def _record(self, entry: RecordedRequest) -> None:
        with self._requests_lock:
            self._requests.append(entry)

    # --- application ----------------------------------------------------------------------

    def make_app(self) -> web.Application:
        app = web.Application(
            middlewares=[
                self._request_id,
                provider_error_shapes,  # Noiz/MiniMax prefixes: their own error bodies
                self._errors,
                self._record_and_fault,
            ],
            client_max_size=128 * 1024 * 1024,
        )
        app[EMULATOR_KEY] = self
        app.on_response_prepare.append(_add_request_id)
        routes_account.add_routes(app)
        routes_voice.add_routes(app)
        routes_tts.add_routes(app)
        routes_jobs.add_routes(app)
        turbo.add_routes(app)
        routes_noiz.add_routes(app)  # /noiz/v1/...
        routes_minimax.add_routes(app)  # /useapi/v1/minimax/... and its audio CDN
        routes_minimax_official.add_routes(app)  # /minimax/v1/..., /minimaxi/v1/..., its CDN
        app.router.add_post("/_emulator/reset", self._control_reset)
        app.router.add_post("/_emulator/faults", self._control_faults)
        app.router.add_delete("/_emulator/faults", self._control_clear_faults)
        app.router.add_post("/_emulator/readings", self._control_readings)
        app.router.add_get("/_emulator/readings", self._control_list_readings)
        app.router.add_post("/_emulator/pacing", self._control_pacing)
        app.router.add_get("/_emulator/requests", self._control_requests)
        return app

    @web.middleware
    async def _request_id(self, request: web.Request, handler: Any) -> web.StreamResponse:
        request["request_id"] = str(uuid.uuid4())
        return await handler(request)

    @web.middleware
    async def _errors(self, request: web.Request, handler: Any) -> web.StreamResponse:
        try:
            return await handler(request)
        except ApiError as err:
            code, message = err.code, err.message
            if code == "BILLING_INSUFFICIENT_CREDIT" and self.readings.other("credit_403"):
                code, message = None, "Insufficient remaining credits"  # seed 002, word for word
            return error_response(request, err.status, code, message, err.retry_after)
        except web.HTTPNotFound:
            return error_response(request, 404, "RESOURCE_NOT_FOUND", "Not found")
        except web.HTTPMethodNotAllowed:
            return error_response(request, 405, "VALIDATION_BAD_PARAMS", "Method not allowed")

    @web.middleware
    async def _record_and_fault(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path.startswith(CONTROL_PREFIX):
            return await handler(request)
        await self._record_request(request)
        if self.readings.other("redirect") and (location := _other_vocu_host(request)):
            return web.Response(status=301, headers={"Location": location})
        fault = self.faults.take(request.method, request.path)
        if fault is None:
            return await handler(request)
        request["fault"] = fault
        if fault.drop_before_headers:
            drop_connection(request)
            # Nothing reaches the client: aiohttp finds the socket closed when it tries to write.
            return web.Response(status=503)
        if fault.hang:
            generation = self._generation
            # Polled rather than an Event: reset() comes from the test's thread, not this loop.
            while generation == self._generation:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
            raise ApiError(503, "SYSTEM_INTERNAL_ERROR", "Hang released by reset")
        if fault.echo_key:
            adversarial.echo_request_id(request)
            if fault.status is not None:
                return adversarial.echoing_error(request, fault)
        if fault.endless:
            return await adversarial.endless(request, fault.endless)
        if fault.gzip_bomb:
            return adversarial.gzip_bomb(fault)
        if fault.status is not None:
            if fault.first_byte_delay:
                await asyncio.sleep(fault.first_byte_delay)
            return error_response(
                request,
                fault.status,
                fault.error_code,
                fault.message or f"Injected fault ({fault.error_code})",
                fault.retry_after,
            )
        response = await handler(request)
        if request.get("fault_applied") or not isinstance(response, web.Response):
            return response
        return await _apply_to_plain_response(request, response, fault)

    async def _record_request(self, request: web.Request) -> None:
        body: Any = None
        if request.body_exists and request.content_type == "application/json":
            with contextlib.suppress(ValueError):
                body = _shorten(json.loads(await request.read()))
        self._record(
            RecordedRequest(
                method=request.method,
                path=request.path,
                query=_redact_query(request.query),
                json=body,
                headers=_redact_headers(request.headers),
            )
        )

    # --- control routes (no auth: only ever bound to loopback) ----------------------------

    async def _control_reset(self, request: web.Request) -> web.Response:
        body = await request.json() if request.body_exists else {}
        self.reset(Pacing.fast() if body.get("pacing") == "fast" else None)
        return ok()

    async def _control_faults(self, request: web.Request) -> web.Response:
        body = await request.json()
        try:
            for item in body if isinstance(body, list) else [body]:
                self.inject(Fault.from_dict(item))
        except (TypeError, ValueError) as err:
            raise ApiError(400, "VALIDATION_BAD_PARAMS", str(err)) from None
        return ok([fault.to_dict() for fault in self.faults.pending()])

    async def _control_clear_faults(self, request: web.Request) -> web.Response:
        self.faults.clear()
        return ok()

    async def _control_readings(self, request: web.Request) -> web.Response:
        body = await request.json()
        try:
            if not isinstance(body, dict):
                raise TypeError("the body must be an object of NAME: 'other' or 'ours'")
            self.readings.update(body)
        except (TypeError, ValueError) as err:
            raise ApiError(400, "VALIDATION_BAD_PARAMS", str(err)) from None
        return ok(self.readings.to_dict())

    async def _control_list_readings(self, request: web.Request) -> web.Response:
        return ok(self.readings.to_dict())

    async def _control_pacing(self, request: web.Request) -> web.Response:
        try:
            pacing = self.set_pacing(**await request.json())
        except TypeError as err:
            raise ApiError(400, "VALIDATION_BAD_PARAMS", str(err)) from None
        return ok(dataclasses.asdict(pacing))

    async def _control_requests(self, request: web.Request) -> web.Response:
        return ok([entry.to_dict() for entry in self.requests])


def _other_vocu_host(request: web.Request) -> str | None:
    """Reading `redirect=other`: where an API request is sent instead, or None to answer it.

    v1.vocu.ai (reached through a client's host map) moves to v1.vocu.studio, as a current export
    names the server; a plain loopback test client at 127.0.0.1 is moved to `localhost`, the same
    socket under another host name, so the test shows which hosts the client trusts.
    """
    if not request.path.startswith("/api/"):
        return None
    host = request.url.host
    if host == "v1.vocu.ai":
        return f"https://v1.vocu.studio{request.path_qs}"
    if host == "127.0.0.1":
        return f"http://localhost:{request.url.port}{request.path_qs}"
    return None


async def _add_request_id(request: web.Request, response: web.StreamResponse) -> None:
    if "request_id" in request:
        response.headers["X-Vocu-App-Request-Id"] = request["request_id"]


async def _apply_to_plain_response(
    request: web.Request, response: web.Response, fault: Fault
) -> web.StreamResponse:
    """Slow, garbled or cut versions of an ordinary (non-streamed) answer."""
    if fault.first_byte_delay:
        await asyncio.sleep(fault.first_byte_delay)
    body = bytes(response.body or b"") if isinstance(response.body, bytes | bytearray) else b""
    if fault.garbage:
        response.body = garbage_like(body)
    if fault.body is not None:
        body = fault.body.encode()
        response.body = body
        response.content_type = "application/json"
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
    if fault.unclean_end:
        return adversarial.unclean_end(
            request, body, headers, fault.cut_after_bytes, status=response.status
        )
    if fault.trickle_interval:
        return await adversarial.trickle(
            request, body, headers, fault.trickle_interval, status=response.status
        )
    if fault.cut_after_bytes is None:
        return response
    cut = web.StreamResponse(status=response.status, headers=response.headers)
    cut.enable_chunked_encoding()
    await cut.prepare(request)
    await cut.write(body[: fault.cut_after_bytes])
    drop_connection(request)
    return cut


@dataclass
class RunningEmulator:
    emulator: Emulator
    base_url: str
    runner: web.AppRunner


@contextlib.asynccontextmanager
async def serve(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    pacing: Pacing | None = None,
    emulator: Emulator | None = None,
    sock: socket.socket | None = None,
    readings: dict[str, str] | None = None,
) -> AsyncIterator[RunningEmulator]:
    """Run an emulator on the current loop (port 0 = any free port) until the block exits."""
    emulator = emulator or Emulator(pacing, readings)
    emulator.speech.start()
    runner = web.AppRunner(emulator.make_app(), access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    site = web.SockSite(runner, sock) if sock is not None else web.TCPSite(runner, host, port)
    await site.start()
    bound = runner.addresses[0]
    try:
        yield RunningEmulator(emulator, f"http://{bound[0]}:{bound[1]}", runner)
    finally:
        emulator._generation += 1  # release hanging requests
        await runner.cleanup()
        emulator.speech.close()
