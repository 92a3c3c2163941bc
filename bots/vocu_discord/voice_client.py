"""Our `discord.VoiceClient`: it tells the cog how its connection ended (the close code).

discord.py (``reconnect=False``) disconnects on a close code it does not handle itself and raises
in its websocket poller, where nobody sees it ("Task exception was never retrieved"). This
subclass hands the code to ``on_closed`` instead, and `lifecycle.action_for_close` decides.
It wraps `VoiceConnectionState._poll_voice_ws`, a private method of discord.py 2.7 (pinned in
pyproject.toml); everything else is the library's own behaviour.

It also ends a timed-out connect once. On a timeout discord.py's connector already sends the
leave and forgets the client (`VoiceConnectionState._wrap_connect`); then `Connectable.connect`
calls ``disconnect(force=True)`` again, which sends a second leave and waits ``timeout`` seconds
for a confirmation that never reaches the forgotten client. The user would hear of the failure
only after that second wait.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord.voice_state import ConnectionFlowState, VoiceConnectionState

_LOGGER = logging.getLogger(__name__)

ClosedCallback = Callable[["PolicyVoiceClient", int | None], Awaitable[None]]


class _ReportingConnectionState(VoiceConnectionState):
    voice_client: PolicyVoiceClient

    async def _poll_voice_ws(self, reconnect: bool) -> None:
        code: int | None
        try:
            await super()._poll_voice_ws(False)
        except discord.errors.ConnectionClosed as closed:
            code = closed.code
        except TimeoutError:
            code = None  # no frame for 30 s: the network is gone
        else:
            if self.state is not ConnectionFlowState.disconnected:
                return  # cancelled by discord.py's own move/reconnect flow: still connecting
            socket = getattr(self.ws, "ws", None)
            code = getattr(socket, "close_code", None) or 1000
        self.voice_client.report_closed(code)


class PolicyVoiceClient(discord.VoiceClient):
    on_closed: ClosedCallback | None = None

    def __init__(self, client: discord.Client, channel: Any) -> None:
        super().__init__(client, channel)
        self._reports: set[asyncio.Task[None]] = set()
        self._connect_timed_out = False

    def create_connection_state(self) -> VoiceConnectionState:
        return _ReportingConnectionState(self)

    async def connect(
        self, *, reconnect: bool, timeout: float, self_deaf: bool = False, self_mute: bool = False
    ) -> None:
        try:
            await super().connect(
                reconnect=reconnect, timeout=timeout, self_deaf=self_deaf, self_mute=self_mute
            )
        except TimeoutError:
            self._connect_timed_out = True
            raise

    async def disconnect(self, *, force: bool = False) -> None:
        if self._connect_timed_out and self._connection.state is ConnectionFlowState.disconnected:
            return  # the connector has left and cleaned up already (see the module docstring)
        await super().disconnect(force=force)

    def report_closed(self, code: int | None) -> None:
        if self.on_closed is None:
            return
        # Its own task: the poller that found the close may be cancelled by what follows.
        task = asyncio.get_running_loop().create_task(self._report(code))
        self._reports.add(task)
        task.add_done_callback(self._reports.discard)

    async def _report(self, code: int | None) -> None:
        assert self.on_closed is not None
        try:
            await self.on_closed(self, code)
        except Exception:
            _LOGGER.exception("Handling the voice close in guild %s failed", self.guild.id)
