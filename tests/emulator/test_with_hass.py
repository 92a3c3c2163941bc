"""The session emulator works from a Home Assistant test (its own loop, its socket guard)."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from vocu_emulator import EmulatorHandle
from vocu_emulator.seed import ALICE_ID, PAID_TOKEN


async def test_hass_session_reaches_the_emulator(
    hass: HomeAssistant, vocu_emulator: EmulatorHandle
) -> None:
    session = async_get_clientsession(hass)
    headers = {"Authorization": f"Bearer {PAID_TOKEN}"}
    url = vocu_emulator.url(f"/api/tts/simple-generate.mp3?voiceId={ALICE_ID}&text=Hello")
    async with session.get(url, headers=headers) as resp:
        assert resp.status == 200
        audio = await resp.read()
    assert audio[:3] == b"ID3" or audio[0] == 0xFF
    assert vocu_emulator.requests[-1].headers["Authorization"] == "Bearer <redacted>"
