"""Run an emulator on its own event loop in a daemon thread (for tests and benchmarks).

The listening socket is created by the caller's thread before the server thread starts, so a
harness that later blocks new sockets (pytest-socket) does not stop the server from binding.
"""

from __future__ import annotations

import asyncio
import socket
import threading

from .app import Emulator, serve
from .handle import EmulatorHandle
from .state import Pacing

_REAL_SOCKET = socket.socket  # captured at import, before any test harness swaps it


async def _cancel_leftover_tasks() -> None:
    leftovers = asyncio.all_tasks() - {asyncio.current_task()}
    for task in leftovers:
        task.cancel()
    await asyncio.gather(*leftovers, return_exceptions=True)


class BackgroundEmulator:
    def __init__(self, pacing: Pacing | None = None, host: str = "127.0.0.1") -> None:
        self.emulator = Emulator(pacing)
        self._host = host
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self.base_url = ""

    def start(self, reset_pacing: Pacing | None = None) -> EmulatorHandle:
        sock = _REAL_SOCKET(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self._host, 0))
        sock.listen(128)
        sock.setblocking(False)
        self._thread = threading.Thread(
            target=self._run, args=(sock,), name="vocu-emulator", daemon=True
        )
        self._thread.start()
        self._ready.wait(timeout=30)
        if self._error is not None:
            raise RuntimeError("the emulator failed to start") from self._error
        return EmulatorHandle(self.emulator, self.base_url, reset_pacing)

    def _run(self, sock: socket.socket) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._main(sock))
        except BaseException as err:  # reported to start() if it happens during startup
            self._error = err
            self._ready.set()
        finally:
            # Handlers of connections a client dropped mid-request can outlive the runner's
            # shutdown; end them here rather than let the closed loop destroy them pending.
            loop.run_until_complete(_cancel_leftover_tasks())
            loop.close()

    async def _main(self, sock: socket.socket) -> None:
        self._stop = asyncio.Event()
        async with serve(emulator=self.emulator, sock=sock) as running:
            self.base_url = running.base_url
            self._ready.set()
            await self._stop.wait()

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(timeout=10)
