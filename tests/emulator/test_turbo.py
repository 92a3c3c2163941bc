"""The turbo WebSocket: connected, hex PCM chunks ending with an empty chunk, ping/pong."""

from __future__ import annotations

import aiohttp
from vocu_emulator import EmulatorHandle
from vocu_emulator.seed import ALICE_ID, CHEERFUL_STYLE_ID, CREATING_ID, PAID_TOKEN

from .conftest import auth


async def open_channel(
    http: aiohttp.ClientSession, emu: EmulatorHandle, voice_id: str
) -> tuple[int, dict]:
    async with http.post(
        emu.url("/api/tts/turbo/channel"), json={"voiceId": voice_id}, headers=auth()
    ) as resp:
        return resp.status, await resp.json()


async def test_turbo_synthesises_pcm(
    vocu_emulator: EmulatorHandle, http: aiohttp.ClientSession
) -> None:
    status, body = await open_channel(http, vocu_emulator, ALICE_ID)
    assert status == 200
    channel = body["data"]
    assert channel["cancelAfter"] == 60
    assert PAID_TOKEN not in channel["wsUrl"]
    async with http.ws_connect(channel["wsUrl"]) as ws:
        connected = await ws.receive_json()
        assert connected["type"] == "connected"
        assert ALICE_ID in connected["data"]["message"]
        await ws.send_json({"type": "ping"})
        assert (await ws.receive_json())["type"] == "pong"
        text = "Hello from the turbo channel."
        await ws.send_json(
            {"type": "synthesis_request", "data": {"text": text, "promptId": CHEERFUL_STYLE_ID}}
        )
        pcm = bytearray()
        while True:
            message = await ws.receive_json()
            assert message["type"] == "audio_chunk"
            assert message["data"]["pcm"] == {"sampleRate": 22050, "channels": 1, "bitDepth": 16}
            if not message["data"]["hex"]:
                break
            pcm += bytes.fromhex(message["data"]["hex"])
        seconds = len(pcm) / (22050 * 2)
        assert 0.8 < seconds < 6
        assert any(pcm)  # not silence
        await ws.send_json({"type": "synthesis_request", "data": {"text": ""}})
        assert (await ws.receive_json())["data"]["code"] == "TTS_TEXT_EMPTY"
    assert vocu_emulator.state.account(PAID_TOKEN).balance == 100_500 - len(text)


async def test_turbo_refuses_unusable_voice_and_unknown_channel(
    vocu_emulator: EmulatorHandle, http: aiohttp.ClientSession
) -> None:
    status, body = await open_channel(http, vocu_emulator, CREATING_ID)
    assert (status, body["code"]) == (409, "VOICE_CREATING")
    ws_url = vocu_emulator.url("/api/tts/turbo/ws/unknown").replace("http", "ws", 1)
    try:
        async with http.ws_connect(ws_url):
            raise AssertionError("connected to an unknown channel")
    except aiohttp.WSServerHandshakeError as err:
        assert err.status == 404
