"""VOCU_AUDIO_ENGINE and the Lavalink settings: additive, the default engine unchanged."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from vocu_discord.audio_relay import AudioRelay
from vocu_discord.config import BotConfig, ConfigError
from vocu_discord.lavalink_engine import LavalinkBackend, LavalinkVoiceClient
from vocu_discord.playback import FFmpegBackend
from vocu_discord.services import BotServices
from vocu_discord.voice_client import PolicyVoiceClient

BASE = {"DISCORD_TOKEN": "discord-token", "VOCU_TOKEN": "vocu-token"}
LAVALINK = {
    "VOCU_AUDIO_ENGINE": "lavalink",
    "LAVALINK_NODES": "http://lavalink-1:2333, http://lavalink-2:2333",
    "LAVALINK_PASSWORD": "node-secret",
}


def test_default_engine_is_ffmpeg() -> None:
    config = BotConfig.from_env(BASE)
    assert config.audio_engine == "ffmpeg" and config.lavalink_nodes == ()


def test_lavalink_settings_are_read() -> None:
    config = BotConfig.from_env({
        **BASE, **LAVALINK, "LAVALINK_RESUME_SECONDS": "120",
        "AUDIO_RELAY_BIND": "0.0.0.0:9000", "AUDIO_RELAY_PUBLIC_URL": "http://bot:9000",
    })  # fmt: skip
    assert config.lavalink_nodes == ("http://lavalink-1:2333", "http://lavalink-2:2333")
    assert config.lavalink_resume_seconds == 120
    assert (config.relay_host, config.relay_port) == ("0.0.0.0", 9000)
    assert config.relay_public_url == "http://bot:9000"
    assert "node-secret" not in repr(config)


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"VOCU_AUDIO_ENGINE": "gstreamer"}, "VOCU_AUDIO_ENGINE"),
        ({"LAVALINK_NODES": ""}, "LAVALINK_NODES"),
        ({"LAVALINK_PASSWORD": ""}, "LAVALINK_PASSWORD"),
        ({"LAVALINK_NODES": "http://user:pw@node:2333"}, "LAVALINK_NODES"),
        ({"AUDIO_RELAY_BIND": "nine-thousand"}, "AUDIO_RELAY_BIND"),
    ],
)
def test_bad_lavalink_settings_are_named_not_echoed(changes: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named) as caught:
        BotConfig.from_env({**BASE, **LAVALINK, **changes})
    assert "node-secret" not in str(caught.value)


def test_lavalink_without_its_extra_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "wavelink" else real_find_spec(name, *a),
    )
    with pytest.raises(ConfigError, match=r"vocu-voice\[discord,lavalink\]"):
        BotConfig.from_env({**BASE, **LAVALINK})


@pytest.mark.parametrize(("provider", "relayed"), [("vocu", False), ("noiz", True)])
async def test_services_build_the_chosen_engine(
    tmp_path: Path, provider: str, relayed: bool
) -> None:
    env = {**BASE, **LAVALINK, "VOICE_PROVIDER": provider, "NOIZ_API_KEY": "noiz-key",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}"}  # fmt: skip
    services = await BotServices.from_config(BotConfig.from_env(env))
    try:
        assert isinstance(services.playback, LavalinkBackend)
        assert services.playback.voice_client_class is LavalinkVoiceClient
        assert [n.uri for n in services.playback.node_configs] == [
            "http://lavalink-1:2333", "http://lavalink-2:2333",
        ]  # fmt: skip
        assert isinstance(services.playback.relay, AudioRelay) is relayed
        player_backend = services.players._defaults["backend"]
        assert player_backend is services.playback
    finally:
        await services.aclose()


async def test_default_engine_services_are_unchanged(tmp_path: Path) -> None:
    env = {**BASE, "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}"}
    services = await BotServices.from_config(BotConfig.from_env(env))
    try:
        assert isinstance(services.playback, FFmpegBackend)
        assert services.playback.voice_client_class is PolicyVoiceClient
        assert services.playback.source_factory.slots is services.speaker.slots
    finally:
        await services.aclose()
