"""`vocu.announce`: the service's signed, key-free URL goes to the media players (proxy URL for
services without one), through the guard, with translated refusals.

The players are a small test platform (`RecordingPlayer`) that does what a cloud speaker's
integration does with `play_media`: resolve a media-source id to a URL, then keep the URL it
would fetch. The tests fetch that URL themselves, without any key, as the speaker would.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass
from typing import Any

import aiohttp
import canary
import probatio as vol
import pytest
from homeassistant.auth.const import GROUP_ID_USER
from homeassistant.components import media_source
from homeassistant.components.media_player import (
    MediaPlayerEnqueue,
    MediaPlayerEntity,
    MediaPlayerEntityFeature,
    MediaPlayerState,
)
from homeassistant.const import CONF_API_KEY
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import (
    HomeAssistantError,
    ServiceValidationError,
    Unauthorized,
    UnknownUser,
)
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from offline_tts import offline_tts  # noqa: F401 - fixture
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockUser,
    async_capture_events,
    setup_test_component_platform,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from service_cases import SERVICES, ServiceCase
from tts_support import (
    mp3_duration,
    request_text,
    request_voice,
    synth_requests,
    tts_entity_id,
    tts_ready,  # noqa: F401 - fixture
)
from vocu_emulator import Fault, seed

from custom_components.vocu.client.mp3 import FrameWalker
from custom_components.vocu.const import CONF_FALLBACK_ENGINE, CONF_SPEED, CONF_VOICE, DOMAIN
from custom_components.vocu.options import default_options
from custom_components.vocu.spoken import EVENT_SPEECH_SPOKEN

pytestmark = pytest.mark.usefixtures("tts_ready")


@dataclass
class Played:
    media_type: str
    url: str
    extra: dict[str, Any]


class RecordingPlayer(MediaPlayerEntity):
    """A speaker that keeps what it was asked to play (resolving media-source ids first, as the
    Cast and Sonos integrations do)."""

    _attr_supported_features = (
        MediaPlayerEntityFeature.PLAY_MEDIA
        | MediaPlayerEntityFeature.MEDIA_ANNOUNCE
        | MediaPlayerEntityFeature.MEDIA_ENQUEUE
    )
    _attr_state = MediaPlayerState.IDLE

    def __init__(self, name: str) -> None:
        self._attr_name = name
        self._attr_unique_id = f"recording_{name}"
        self.played: list[Played] = []

    async def async_play_media(self, media_type: str, media_id: str, **kwargs: Any) -> None:
        if media_source.is_media_source_id(media_id):
            media_id = (await media_source.async_resolve_media(self.hass, media_id, None)).url
        kwargs.pop("extra", None)  # media_player's own default ({}), not ours
        self.played.append(Played(media_type, media_id, kwargs))


@pytest.fixture
async def speakers(hass: HomeAssistant) -> tuple[RecordingPlayer, RecordingPlayer]:
    kitchen, hall = RecordingPlayer("kitchen"), RecordingPlayer("hall")
    setup_test_component_platform(hass, "media_player", [kitchen, hall])
    assert await async_setup_component(hass, "media_player", {"media_player": {"platform": "test"}})
    await hass.async_block_till_done()
    return kitchen, hall


async def announce(hass: HomeAssistant, **data: Any) -> None:
    await hass.services.async_call(DOMAIN, "announce", data, blocking=True)


def billed(emulator: Any, case: ServiceCase) -> list[Any]:
    return [r for r in emulator.requests if Fault(path=case.synth_path).matches(r.method, r.path)]


async def fetch_without_key(url: str) -> bytes:
    """What the speaker does: a plain GET with no credentials."""
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert response.status == 200
        return await response.read()


@pytest.mark.parametrize("provider_name", ["vocu", "minimax", "minimax_official"])
async def test_players_get_the_services_signed_url(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    vocu_emulator: Any,
    service_case: ServiceCase,
    speakers: tuple[RecordingPlayer, RecordingPlayer],
) -> None:
    kitchen, hall = speakers
    message = "The washing machine has finished."

    await announce(
        hass,
        entity_id=tts_entity_id(hass, init_integration),
        media_player_entity_id=[kitchen.entity_id, hall.entity_id],
        message=message,
    )

    assert len(kitchen.played) == len(hall.played) == 1
    played = kitchen.played[0]
    assert hall.played[0].url == played.url
    assert played.media_type == "music"
    assert played.extra == {"announce": True}
    # The service's own URL, not Home Assistant's: the speaker streams from the service.
    assert played.url.startswith(vocu_emulator.url(""))
    assert "/api/tts_proxy/" not in played.url
    assert service_case.key not in played.url
    assert canary.leaks(played.url) == []
    assert len(billed(vocu_emulator, service_case)) == 1
    assert mp3_duration(await fetch_without_key(played.url)) > 0.5
    assert init_integration.runtime_data.guard.chars_today == len(message)


@pytest.fixture
def canary_key(vocu_emulator: Any) -> str:
    """A fresh key the canary check knows, with a real (paid) account behind it."""
    key = f"sk-canary-{uuid.uuid4().hex}"
    with vocu_emulator.state.lock:
        account = copy.deepcopy(vocu_emulator.state.accounts[seed.PAID_TOKEN])
        account.token = key
        vocu_emulator.state.accounts[key] = account
    return key


async def test_the_key_is_never_in_the_url(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    canary_key: str,
    vocu_emulator: Any,
    speakers: tuple[RecordingPlayer, RecordingPlayer],
) -> None:
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        mock_config_entry, data={**mock_config_entry.data, CONF_API_KEY: canary_key}
    )
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    kitchen, _ = speakers

    await announce(
        hass,
        entity_id=tts_entity_id(hass, mock_config_entry),
        media_player_entity_id=kitchen.entity_id,
        message="Dinner is ready.",
    )

    url = kitchen.played[0].url
    assert canary_key not in url
    assert canary_key[-16:] not in url
    assert canary.leaks(url) == []
    audio = await fetch_without_key(url)
    assert mp3_duration(audio) > 0.3
    assert len(synth_requests(vocu_emulator)) == 1
    await hass.config_entries.async_unload(mock_config_entry.entry_id)


@pytest.mark.parametrize("provider_name", ["noiz"])
async def test_without_signed_urls_players_get_the_proxy_url(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    vocu_emulator: Any,
    speakers: tuple[RecordingPlayer, RecordingPlayer],
    hass_client: ClientSessionGenerator,
) -> None:
    kitchen, _ = speakers
    service_case = SERVICES["noiz"]

    await announce(
        hass,
        entity_id=tts_entity_id(hass, init_integration),
        media_player_entity_id=kitchen.entity_id,
        message="The post has arrived.",
    )

    url = kitchen.played[0].url
    assert url.startswith("/api/tts_proxy/")
    assert service_case.key not in url
    assert canary.leaks(url) == []
    response = await (await hass_client()).get(url)
    assert response.status == 200
    assert mp3_duration(await response.read()) > 0.3
    # The proxy speaks through the entity, so its guard counted the text.
    assert billed(vocu_emulator, service_case)
    assert init_integration.runtime_data.guard.chars_today == len("The post has arrived.")


async def test_options_override_the_entity_defaults(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    vocu_emulator: Any,
    speakers: tuple[RecordingPlayer, RecordingPlayer],
) -> None:
    kitchen, _ = speakers

    await announce(
        hass,
        entity_id=tts_entity_id(hass, init_integration),
        media_player_entity_id=kitchen.entity_id,
        message="A market voice this time.",
        options={CONF_VOICE: seed.MARKET_ID, CONF_SPEED: 1.2},
    )

    (request,) = synth_requests(vocu_emulator)
    assert request_voice(request) == seed.MARKET_ID
    assert request_text(request) == "A market voice this time."


async def test_enqueue_instead_of_announce(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    speakers: tuple[RecordingPlayer, RecordingPlayer],
) -> None:
    kitchen, _ = speakers
    engine = tts_entity_id(hass, init_integration)

    await announce(
        hass,
        entity_id=engine,
        media_player_entity_id=kitchen.entity_id,
        message="Next in the queue.",
        enqueue="add",
    )
    assert kitchen.played[0].extra == {"enqueue": MediaPlayerEnqueue.ADD}

    await announce(
        hass,
        entity_id=engine,
        media_player_entity_id=kitchen.entity_id,
        message="Not interrupting.",
        announce=False,
    )
    assert kitchen.played[1].extra == {"announce": False}

    with pytest.raises(vol.Invalid):
        await announce(
            hass,
            entity_id=engine,
            media_player_entity_id=kitchen.entity_id,
            message="Both at once.",
            announce=True,
            enqueue="add",
        )
    assert len(kitchen.played) == 2


async def test_text_longer_than_one_request_is_refused(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    vocu_emulator: Any,
    speakers: tuple[RecordingPlayer, RecordingPlayer],
) -> None:
    kitchen, _ = speakers
    limit = init_integration.runtime_data.client.max_chars_per_request

    with pytest.raises(ServiceValidationError) as raised:
        await announce(
            hass,
            entity_id=tts_entity_id(hass, init_integration),
            media_player_entity_id=kitchen.entity_id,
            message="a" * (limit + 1),
        )

    assert raised.value.translation_domain == DOMAIN
    assert raised.value.translation_key == "announcement_too_long"
    assert raised.value.translation_placeholders == {
        "service": "Vocu",
        "length": str(limit + 1),
        "limit": str(limit),
    }
    assert "2001" in str(raised.value)  # the message is translated, not just a key
    assert synth_requests(vocu_emulator) == []
    assert kitchen.played == []
    assert init_integration.runtime_data.guard.chars_today == 0


@pytest.mark.parametrize("entity_id", ["tts.no_such_engine", "tts.google_translate_en_com"])
async def test_unknown_entity_is_refused(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    speakers: tuple[RecordingPlayer, RecordingPlayer],
    entity_id: str,
) -> None:
    kitchen, _ = speakers
    with pytest.raises(ServiceValidationError) as raised:
        await announce(
            hass, entity_id=entity_id, media_player_entity_id=kitchen.entity_id, message="Hi."
        )
    assert raised.value.translation_key == "not_an_engine_of_ours"
    assert entity_id in str(raised.value)
    assert kitchen.played == []


async def test_unloaded_entry_is_refused(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    speakers: tuple[RecordingPlayer, RecordingPlayer],
) -> None:
    kitchen, _ = speakers
    engine = tts_entity_id(hass, init_integration)
    await hass.config_entries.async_unload(init_integration.entry_id)

    with pytest.raises(ServiceValidationError) as raised:
        await announce(
            hass, entity_id=engine, media_player_entity_id=kitchen.entity_id, message="Hi."
        )
    assert raised.value.translation_key == "not_an_engine_of_ours"


async def test_an_option_the_engine_does_not_have_is_refused(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    vocu_emulator: Any,
    speakers: tuple[RecordingPlayer, RecordingPlayer],
) -> None:
    kitchen, _ = speakers
    with pytest.raises(ServiceValidationError) as raised:
        await announce(
            hass,
            entity_id=tts_entity_id(hass, init_integration),
            media_player_entity_id=kitchen.entity_id,
            message="Hi.",
            options={"pitch": 3},
        )
    assert raised.value.translation_key == "invalid_option"
    assert "pitch" in str(raised.value)
    assert synth_requests(vocu_emulator) == []


async def test_a_service_failure_is_translated_and_refunded(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    vocu_emulator: Any,
    speakers: tuple[RecordingPlayer, RecordingPlayer],
) -> None:
    kitchen, _ = speakers
    vocu_emulator.state.set_credits(seed.PAID_TOKEN, 0, 0)

    with pytest.raises(HomeAssistantError) as raised:
        await announce(
            hass,
            entity_id=tts_entity_id(hass, init_integration),
            media_player_entity_id=kitchen.entity_id,
            message="Nothing left to pay with.",
        )

    assert raised.value.translation_key == "insufficient_credits"
    assert kitchen.played == []
    assert init_integration.runtime_data.guard.chars_today == 0


async def test_the_daily_cap_applies(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    entry_options: dict[str, Any],
    vocu_emulator: Any,
    speakers: tuple[RecordingPlayer, RecordingPlayer],
) -> None:
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        mock_config_entry, options={**entry_options, "daily_char_cap": 10}
    )
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    kitchen, _ = speakers

    with pytest.raises(HomeAssistantError) as raised:
        await announce(
            hass,
            entity_id=tts_entity_id(hass, mock_config_entry),
            media_player_entity_id=kitchen.entity_id,
            message="More than ten characters.",
        )
    assert raised.value.translation_key == "daily_cap_reached"
    assert synth_requests(vocu_emulator) == []
    await hass.config_entries.async_unload(mock_config_entry.entry_id)


async def test_a_free_account_hands_out_the_finished_jobs_url(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    vocu_emulator: Any,
    speakers: tuple[RecordingPlayer, RecordingPlayer],
) -> None:
    """No synchronous generation on a free account: the URL is that of a finished async job's
    audio, key-free as well."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        data={**mock_config_entry.data, CONF_API_KEY: seed.FREE_TOKEN, "async_mode": True},
        options=mock_config_entry.options,
        unique_id=seed.FREE_USER_ID,
        version=mock_config_entry.version,
        minor_version=mock_config_entry.minor_version,
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    kitchen, _ = speakers

    await announce(
        hass,
        entity_id=tts_entity_id(hass, entry),
        media_player_entity_id=kitchen.entity_id,
        message="Free accounts announce too.",
    )

    url = kitchen.played[0].url
    assert url.startswith(vocu_emulator.url(""))
    assert seed.FREE_TOKEN not in url
    assert canary.leaks(url) == []
    assert any(r.path.startswith("/api/tts/generate") for r in vocu_emulator.requests)
    assert mp3_duration(await fetch_without_key(url)) > 0.3
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_the_announcement_fires_its_cost_event(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    speakers: tuple[RecordingPlayer, RecordingPlayer],
) -> None:
    kitchen, _ = speakers
    events = async_capture_events(hass, EVENT_SPEECH_SPOKEN)
    engine = tts_entity_id(hass, init_integration)
    message = "**Dinner** is ready 🍝"  # made speakable first, as the entity does

    await announce(
        hass, entity_id=engine, media_player_entity_id=kitchen.entity_id, message=message
    )
    await hass.async_block_till_done()

    [event] = events
    spoken = len("Dinner is ready")
    assert event.data == {
        "entity_id": engine,
        "characters": spoken,
        "credits": spoken,  # the emulator bills one credit a character, reported at once
        "voice": seed.BOB_ID,
        "duration": None,  # the audio went to the player, not through Home Assistant
        "fallback": False,
    }
    assert init_integration.runtime_data.guard.credits_today == spoken


@pytest.mark.parametrize(
    "entry_options", [{**default_options(seed.BOB_ID), CONF_FALLBACK_ENGINE: "tts.offline_speech"}]
)
@pytest.mark.usefixtures("tts_ready", "offline_tts")  # tts (with FFmpeg) first
async def test_when_the_service_cannot_speak_the_fallback_is_announced(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    vocu_emulator: Any,
    speakers: tuple[RecordingPlayer, RecordingPlayer],
    hass_client: ClientSessionGenerator,
) -> None:
    kitchen, _ = speakers
    events = async_capture_events(hass, EVENT_SPEECH_SPOKEN)
    vocu_emulator.state.set_credits(seed.PAID_TOKEN, 0, 0)

    await announce(
        hass,
        entity_id=tts_entity_id(hass, init_integration),
        media_player_entity_id=kitchen.entity_id,
        message="The back door is still open.",
    )
    await hass.async_block_till_done()

    # The fallback engine's proxy URL, not the service's: the offline engine's tone plays.
    url = kitchen.played[0].url
    assert url.startswith("/api/tts_proxy/")
    response = await (await hass_client()).get(url)
    assert response.status == 200
    walker = FrameWalker()
    walker.feed(await response.read())
    # The offline engine's tone (0.05 s a character), converted to MP3 by Home Assistant.
    assert walker.seconds == pytest.approx(len("The back door is still open.") * 0.05, abs=0.2)
    [event] = events
    assert event.data["fallback"] is True
    assert event.data["credits"] is None
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"fallback_used_{init_integration.entry_id}")
    assert issue is not None
    assert issue.translation_placeholders["count"] == "1"
    assert init_integration.runtime_data.guard.chars_today == 0


async def test_without_a_fallback_the_refusal_stands(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    vocu_emulator: Any,
    speakers: tuple[RecordingPlayer, RecordingPlayer],
) -> None:
    kitchen, _ = speakers
    events = async_capture_events(hass, EVENT_SPEECH_SPOKEN)
    vocu_emulator.inject(Fault(drop_before_headers=True, times=None))

    with pytest.raises(HomeAssistantError) as raised:
        await announce(
            hass,
            entity_id=tts_entity_id(hass, init_integration),
            media_player_entity_id=kitchen.entity_id,
            message="Is anyone there?",
        )
    assert raised.value.translation_key == "cannot_connect"
    assert kitchen.played == []
    assert events == []


async def test_a_user_who_may_not_control_the_players_is_refused_before_billing(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    vocu_emulator: Any,
    speakers: tuple[RecordingPlayer, RecordingPlayer],
    hass_read_only_user: MockUser,
) -> None:
    kitchen, _ = speakers
    data = {
        "entity_id": tts_entity_id(hass, init_integration),
        "media_player_entity_id": kitchen.entity_id,
        "message": "Only for those allowed.",
    }
    with pytest.raises(Unauthorized):
        await hass.services.async_call(
            DOMAIN, "announce", data, blocking=True, context=Context(user_id=hass_read_only_user.id)
        )
    assert synth_requests(vocu_emulator) == []
    assert kitchen.played == []

    # Not admin-only: a non-admin user who controls the entities announces.
    user = MockUser(groups=[await hass.auth.async_get_group(GROUP_ID_USER)]).add_to_hass(hass)
    assert not user.is_admin
    await hass.services.async_call(
        DOMAIN, "announce", data, blocking=True, context=Context(user_id=user.id)
    )
    assert len(kitchen.played) == 1


@pytest.mark.parametrize(
    "entry_options", [{**default_options(seed.BOB_ID), CONF_FALLBACK_ENGINE: "tts.removed_engine"}]
)
async def test_a_fallback_that_is_gone_leaves_the_services_error(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    vocu_emulator: Any,
    speakers: tuple[RecordingPlayer, RecordingPlayer],
) -> None:
    kitchen, _ = speakers
    vocu_emulator.state.set_credits(seed.PAID_TOKEN, 0, 0)

    with pytest.raises(HomeAssistantError) as raised:
        await announce(
            hass,
            entity_id=tts_entity_id(hass, init_integration),
            media_player_entity_id=kitchen.entity_id,
            message="Nobody to speak for us.",
        )
    assert raised.value.translation_key == "insufficient_credits"
    assert kitchen.played == []


async def test_an_unknown_user_is_refused(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    vocu_emulator: Any,
    speakers: tuple[RecordingPlayer, RecordingPlayer],
) -> None:
    kitchen, _ = speakers
    with pytest.raises(UnknownUser):
        await hass.services.async_call(
            DOMAIN,
            "announce",
            {
                "entity_id": tts_entity_id(hass, init_integration),
                "media_player_entity_id": kitchen.entity_id,
                "message": "Who is asking?",
            },
            blocking=True,
            context=Context(user_id="no-such-user"),
        )
    assert synth_requests(vocu_emulator) == []
