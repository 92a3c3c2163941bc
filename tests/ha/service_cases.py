"""The voice services as the emulator seeds them, for tests parametrised over services."""

from __future__ import annotations

from dataclasses import dataclass

from vocu_emulator import seed


@dataclass(frozen=True)
class ServiceCase:
    """One voice service as the emulator seeds it: its key, route prefix and a usable voice."""

    name: str
    title: str
    key: str
    prefix: str  # the service's base URL on the emulator
    voice_id: str  # an own, usable voice
    voice_name: str
    builtin_voice_id: str
    synth_path: str  # the billed request (fnmatch glob)


SERVICES = {
    "vocu": ServiceCase("vocu", "Vocu", seed.PAID_TOKEN, "", seed.BOB_ID, "Bob", seed.MARKET_ID,
                        "/api/tts/simple-generate*"),
    "noiz": ServiceCase("noiz", "Noiz AI", seed.NOIZ_KEY, "/noiz/v1", seed.NOIZ_VOICE_ID, "Nora",
                        seed.NOIZ_BUILTIN_IDS[0], "/noiz/v1/text-to-speech"),
    "minimax": ServiceCase("minimax", "MiniMax via useapi.net", seed.USEAPI_TOKEN,
                           "/useapi/v1/minimax", seed.MINIMAX_CLONE_ID, "Max",
                           seed.MINIMAX_SYSTEM_IDS[0], "/useapi/v1/minimax/audio/create-mp3"),
    "minimax_official": ServiceCase("minimax_official", "MiniMax", seed.MINIMAX_API_KEY,
                                    "/minimax", seed.MINIMAX_OFFICIAL_CLONE_ID,
                                    seed.MINIMAX_OFFICIAL_CLONE_ID, seed.MINIMAX_SYSTEM_IDS[0],
                                    "/minimax/v1/t2a_v2"),
}  # fmt: skip
ALL_SERVICES = list(SERVICES)
