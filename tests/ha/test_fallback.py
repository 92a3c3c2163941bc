"""The fallback engine: when the service cannot speak, the configured TTS entity says it.

The fallback is `offline_tts` (tests/ha/offline_tts.py): a config-entry TTS entity answering WAV
like Piper, converted to MP3 by Home Assistant with the imageio-ffmpeg binary.
"""

from __future__ import annotations

from typing import Any

import pytest
from homeassistant.components import tts
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
from offline_tts import OfflineTTSEntity, offline_tts  # noqa: F401 - fixture
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_mock_service,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from test_options_flow import SETTINGS
from tts_support import (
    mp3_duration,
    resolve_url,
    speak_audio,
    synth_requests,
    tts_entity_id,
    tts_ready,  # noqa: F401 - fixture
)
from vocu_emulator import Fault, seed

from custom_components.vocu.client.mp3 import FrameWalker
from custom_components.vocu.const import CONF_FALLBACK_ENGINE, CONF_STYLE, CONF_VOICE, DOMAIN
from custom_components.vocu.options import default_options
from custom_components.vocu.spoken import EVENT_SPEECH_SPOKEN

pytestmark = pytest.mark.usefixtures("tts_ready")

FALLBACK = "tts.offline_speech"
MESSAGE = "The back door is still open."


@pytest.fixture
def entry_options() -> dict[str, Any]:
    return {**default_options(seed.BOB_ID), CONF_FALLBACK_ENGINE: FALLBACK}


def frame_seconds(audio: bytes) -> float:
    walker = FrameWalker()
    walker.feed(audio)
    assert not walker.lost
    return walker.seconds


def fallback_issue(hass: HomeAssistant, entry: MockConfigEntry) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, f"fallback_used_{entry.entry_id}")


async def test_out_of_credits_tts_speak_plays_the_fallback(
    hass: HomeAssistant,
    offline_tts: OfflineTTSEntity,  # noqa: F811
    init_integration: MockConfigEntry,
    vocu_emulator: Any,
    hass_client: ClientSessionGenerator,
) -> None:
    vocu_emulator.state.set_credits(seed.PAID_TOKEN, 0, 0)
    events = async_capture_events(hass, EVENT_SPEECH_SPOKEN)
    calls = async_mock_service(hass, "media_player", "play_media")
    await hass.services.async_call(
        tts.DOMAIN,
        "speak",
        {
            "entity_id": tts_entity_id(hass, init_integration),
            "media_player_entity_id": "media_player.kitchen",
            "message": MESSAGE,
        },
        blocking=True,
    )
    assert len(calls) == 1
    url = await resolve_url(hass, calls[0].data["media_content_id"])
    response = await (await hass_client()).get(url)
    assert response.status == 200
    audio = await response.read()
    # The fallback's tone (0.05 s a character), as MP3 (FFmpeg writes no frame count to a pipe,
    # so the frames are counted): not the emulator's speech.
    assert mp3_duration(audio)
    assert frame_seconds(audio) == pytest.approx(len(MESSAGE) * 0.05, abs=0.2)
    assert offline_tts.messages == [MESSAGE]
    assert synth_requests(vocu_emulator)  # the service was asked first
    await hass.async_block_till_done()

    issue = fallback_issue(hass, init_integration)
    assert issue is not None
    assert issue.translation_placeholders["count"] == "1"
    assert issue.translation_placeholders["engine"] == FALLBACK
    [event] = events
    assert event.data["fallback"] is True
    assert event.data["credits"] is None


async def test_unreachable_service_speaks_through_the_fallback_and_counts(
    hass: HomeAssistant,
    offline_tts: OfflineTTSEntity,  # noqa: F811
    init_integration: MockConfigEntry,
    vocu_emulator: Any,
) -> None:
    vocu_emulator.inject(Fault(drop_before_headers=True, times=None))
    engine = tts_entity_id(hass, init_integration)
    messages = [MESSAGE, "The garage door is open too."]
    for message in messages:
        assert frame_seconds(await speak_audio(hass, engine, message)) > 1.0
    assert offline_tts.messages == messages
    issue = fallback_issue(hass, init_integration)
    assert issue is not None
    assert issue.translation_placeholders["count"] == "2"


async def test_healthy_service_never_calls_the_fallback(
    hass: HomeAssistant,
    offline_tts: OfflineTTSEntity,  # noqa: F811
    init_integration: MockConfigEntry,
    vocu_emulator: Any,
) -> None:
    engine = tts_entity_id(hass, init_integration)
    assert mp3_duration(await speak_audio(hass, engine, MESSAGE)) > 0.5
    assert mp3_duration(await speak_audio(hass, engine, "And a second message. In two parts."))
    assert offline_tts.messages == []
    assert fallback_issue(hass, init_integration) is None


async def test_a_request_error_is_not_covered_up_by_the_fallback(
    hass: HomeAssistant,
    offline_tts: OfflineTTSEntity,  # noqa: F811
    init_integration: MockConfigEntry,
    vocu_emulator: Any,
) -> None:
    """An unknown voice is the caller's mistake, not an outage: the error stays."""
    vocu_emulator.inject(Fault(status=404, times=None))
    with pytest.raises(Exception) as raised:
        await speak_audio(hass, tts_entity_id(hass, init_integration), MESSAGE)
    assert getattr(raised.value, "translation_key", None) == "not_found"
    assert offline_tts.messages == []


async def test_refused_key_keeps_the_entity_speaking_through_the_fallback(
    hass: HomeAssistant,
    offline_tts: OfflineTTSEntity,  # noqa: F811
    init_integration: MockConfigEntry,
    vocu_emulator: Any,
) -> None:
    engine = tts_entity_id(hass, init_integration)
    vocu_emulator.inject(Fault(path="/api/*", status=401, times=None))
    await init_integration.runtime_data.coordinator.async_request_refresh()
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]

    assert hass.states.get(engine).state != "unavailable"
    assert frame_seconds(await speak_audio(hass, engine, MESSAGE)) > 1.0
    assert offline_tts.messages == [MESSAGE]


async def test_options_refuse_a_vocu_entity_as_fallback(
    hass: HomeAssistant,
    offline_tts: OfflineTTSEntity,  # noqa: F811
    init_integration: MockConfigEntry,
) -> None:
    own = tts_entity_id(hass, init_integration)
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_VOICE: seed.BOB_ID}
    )
    assert result["step_id"] == "settings"
    answer = {**SETTINGS, CONF_STYLE: "default", CONF_FALLBACK_ENGINE: own}
    result = await hass.config_entries.options.async_configure(result["flow_id"], answer)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_FALLBACK_ENGINE: "fallback_is_vocu"}

    answer[CONF_FALLBACK_ENGINE] = FALLBACK
    result = await hass.config_entries.options.async_configure(result["flow_id"], answer)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert init_integration.options[CONF_FALLBACK_ENGINE] == FALLBACK


@pytest.mark.slow
async def test_no_first_byte_within_the_speech_deadline_speaks_through_the_fallback(
    hass: HomeAssistant,
    offline_tts: OfflineTTSEntity,  # noqa: F811
    init_integration: MockConfigEntry,
    vocu_emulator: Any,
) -> None:
    """Someone is waiting: after 15 s without a first byte the fallback speaks (real time)."""
    vocu_emulator.inject(Fault(first_byte_delay=40.0, times=None))
    engine = tts_entity_id(hass, init_integration)
    assert frame_seconds(await speak_audio(hass, engine, MESSAGE)) > 1.0
    assert offline_tts.messages == [MESSAGE]
    issue = fallback_issue(hass, init_integration)
    assert issue is not None
    assert issue.translation_placeholders["reason"] == "ServiceTimeoutError"
