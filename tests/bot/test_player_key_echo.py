"""A service or proxy that echoes the key into its error: the player logs and reports none of it.

Before the transport redacted every field, `player.py` logged the echoed code and request id
(hardening issue, item 1). The suite-wide canary check watches the same records.
"""

from __future__ import annotations

import logging

import pytest
from test_player import Outcomes, item, make_player
from vocu_client import errors
from vocu_client.providers import VoiceProvider
from vocu_discord.recording import RecordingVoiceClient
from vocu_emulator import seed
from vocu_emulator.faults import Fault
from vocu_emulator.pytest_plugin import EmulatorHandle


async def test_an_echoed_key_is_neither_logged_nor_reported(
    vocu_emulator: EmulatorHandle,
    paid_client: VoiceProvider,
    recording_voice_client: RecordingVoiceClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="vocu_discord")
    vocu_emulator.inject(Fault(method="POST", status=400, echo_key=True, times=None))
    vocu_emulator.inject(Fault(method="GET", status=400, echo_key=True, times=None))
    outcomes = Outcomes()
    player, _ = make_player(paid_client, recording_voice_client, outcomes)
    try:
        await player.enqueue(item("Say my key back to me."))
        await outcomes.wait_for(1)
    finally:
        await player.aclose()
    [(_, error)] = outcomes.failed
    assert isinstance(error, errors.ValidationError)
    assert "Could not speak" in caplog.text
    reported = "\n".join([caplog.text, str(error), repr(error)])
    assert seed.PAID_TOKEN[-8:] not in reported
