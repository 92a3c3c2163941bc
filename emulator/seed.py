"""The emulator's seeded accounts and voices: fixed ids so tests and demos can name them.

Every account gets the same set of voices (same ids), so a test can switch token and keep ids.
"""

from __future__ import annotations

PAID_TOKEN = "sk-emu-paid-7c1f3b9a2d4e4f6a8b0c1d2e3f405162"
FREE_TOKEN = "sk-emu-free-0a9b8c7d6e5f40312233445566778899"
LOW_CREDIT_TOKEN = "sk-emu-low-5e4d3c2b1a0f49e8d7c6b5a4f3e2d1c0"

PAID_USER_ID = "6f1c2a9e-3b7d-4c55-9a1e-2d8f0b7c4e61"
FREE_USER_ID = "b2e47d10-8c3a-4f6e-a5d9-71c0e3b9f2a4"
LOW_CREDIT_USER_ID = "d9a3f5c2-1e6b-47d8-b0a4-3c5e7f9a1b2d"

PAID_NAME = "Ada Lovelace"
PAID_EMAIL = "ada.lovelace@example.com"
PAID_PHONE = "+44 7700 900123"

ALICE_ID = "3f9a7c1e-52b4-4d8e-9a06-1c7e5b2f8d43"
BOB_ID = "8b2d4f6a-19c3-4e7b-a5d0-6f3e1c9b7a25"
MARKET_UUID = "c4e8a2f6-7d1b-4a39-8e5c-0b9f3d6a2e17"
MARKET_ID = f"market:{MARKET_UUID}"
CREATING_ID = "5a7c9e1b-3d4f-4b60-8a2c-e4f6b8d0a1c3"
FAILED_ID = "e1d3c5b7-a9f2-4e84-b6d8-2f4a6c8e0b19"
LORA_PENDING_ID = "7e9c1a3b-5d2f-4a86-9c0e-b1d3f5a7c9e2"

CHEERFUL_STYLE_ID = "a6c8e0f2-4b1d-4e3a-8c5f-9d7b1e3a5c60"

# `POST /api/voice/byShareId` with this id imports a copy of the shared voice "Frank".
SHARE_ID = "share-0f3e5d7c9b1a"
SHARED_VOICE_NAME = "Frank"

PAID_CREDIT = 100_000
PAID_BONUS = 500
FREE_BONUS = 2_000
LOW_CREDIT = 12


def accounts() -> list[dict]:
    """Account fields as `GET /api/account/info` reports them, plus the token that unlocks each."""
    return [
        {
            "token": PAID_TOKEN,
            "id": PAID_USER_ID,
            "name": PAID_NAME,
            "email": PAID_EMAIL,
            "phone": PAID_PHONE,
            "isPaid": True,
            "credit": PAID_CREDIT,
            "bonusCredit": PAID_BONUS,
            "quota": _quota(base=2, paid=2),
        },
        {
            "token": FREE_TOKEN,
            "id": FREE_USER_ID,
            "name": "Grace Hopper",
            "email": "grace.hopper@example.com",
            "phone": "+1 202 555 0147",
            "isPaid": False,
            "credit": 0,
            "bonusCredit": FREE_BONUS,
            "quota": _quota(base=1, paid=0),
        },
        {
            "token": LOW_CREDIT_TOKEN,
            "id": LOW_CREDIT_USER_ID,
            "name": "Alan Turing",
            "email": "alan.turing@example.com",
            "phone": "+44 7700 900456",
            "isPaid": True,
            "credit": LOW_CREDIT,
            "bonusCredit": 0,
            "quota": _quota(base=1, paid=1),
        },
    ]


def _quota(*, base: int, paid: int) -> dict[str, int]:
    return {
        "syncBaseConcurrent": base,
        "syncPaidConcurrent": paid,
        "asyncBaseConcurrent": 2,
        "asyncHPConcurrent": 1 if paid else 0,
        "lora": 1,
        "priority": 1 if paid else 0,
    }


def voices() -> list[dict]:
    """Seeded voices in list order (market first, as the service lists purchased voices first).

    `espeak` and `pitch` choose how the emulator's speech sounds, so voices are distinguishable.
    """
    return [
        {
            "id": MARKET_ID,
            "name": "Xiaoyu",
            "status": "pending",
            "from": "market",
            "language": "zh",
            "description": "Market voice, Mandarin",
            "espeak": "cmn",
            "pitch": 70,
        },
        {
            "id": ALICE_ID,
            "name": "Alice",
            "status": "pending",
            "from": "upload",
            "language": "en-us",
            "description": "Warm narrator",
            "espeak": "en-us+f3",
            "pitch": 60,
            "styles": [
                {
                    "id": CHEERFUL_STYLE_ID,
                    "name": "Cheerful",
                    "description": "Bright and upbeat",
                    "transcript": "Hello there, what a lovely day it is.",
                }
            ],
        },
        {
            "id": BOB_ID,
            "name": "Bob",
            "status": "lora-success",
            "from": "upload",
            "language": "en-us",
            "description": "Deep and calm",
            "espeak": "en-us+m3",
            "pitch": 30,
        },
        {
            "id": CREATING_ID,
            "name": "Carol",
            "status": "creating",
            "from": "upload",
            "language": "en-us",
            "espeak": "en-us+f2",
            "pitch": 55,
        },
        {
            "id": FAILED_ID,
            "name": "Dave",
            "status": "failed",
            "from": "upload",
            "language": "en-us",
            "espeak": "en-us+m1",
            "pitch": 40,
        },
        {
            "id": LORA_PENDING_ID,
            "name": "Eve",
            "status": "lora-pending",
            "from": "upload",
            "language": "en-us",
            "espeak": "en-us+f4",
            "pitch": 65,
        },
    ]


SHARED_VOICE = {
    "name": SHARED_VOICE_NAME,
    "status": "pending",
    "from": "upload",
    "language": "en-us",
    "description": "Imported through a share id",
    "espeak": "en-gb+m2",
    "pitch": 45,
}


# --- Noiz AI (served under /noiz/v1) -------------------------------------------------------
# Keys look like Noiz's (base64 of "uuid$email"); sent bare in Authorization, never "Bearer".
NOIZ_KEY = "ZW11LW5vaXotcGFpZC0xZjNhJGFkYUBleGFtcGxlLmNvbQ=="
NOIZ_LOW_CREDIT_KEY = "ZW11LW5vaXotbG93LTdiMmUkYWxhbkBleGFtcGxlLmNvbQ=="
NOIZ_CREDITS = 100_000
NOIZ_LOW_CREDITS = 5
NOIZ_VOICE_ID = "nz-voice-0c1d2e3f4a5b"  # the paid key's own clone "Nora"
NOIZ_BUILTIN_IDS = ("nz-builtin-aria", "nz-builtin-kai", "nz-builtin-mei")


def noiz_voices() -> list[dict]:
    """Custom voices every Noiz key starts with (fields as clients observe them, reference §3)."""
    return [
        {
            "voice_id": NOIZ_VOICE_ID,
            "display_name": "Nora",
            "labels": ["warm", "narration"],
            "language": "en",
            "gender": "female",
            "espeak": "en-us+f2",
            "pitch": 58,
        }
    ]


def noiz_builtin_voices() -> list[dict]:
    return [
        {"voice_id": NOIZ_BUILTIN_IDS[0], "display_name": "Aria", "language": "en",
         "gender": "female", "espeak": "en-us+f3", "pitch": 62},
        {"voice_id": NOIZ_BUILTIN_IDS[1], "display_name": "Kai", "language": "en",
         "gender": "male", "espeak": "en-us+m2", "pitch": 35},
        {"voice_id": NOIZ_BUILTIN_IDS[2], "display_name": "Mei", "language": "zh",
         "gender": "female", "espeak": "cmn", "pitch": 66},
    ]  # fmt: skip


# --- MiniMax through useapi.net (served under /useapi/v1/minimax) --------------------------
USEAPI_TOKEN = "user:4821-emu0single0token0a1b2c3d4e5f"  # one MiniMax account configured
USEAPI_MULTI_TOKEN = "user:4822-emu0multi0token0f6e5d4c3b2a"  # two: `account` is required
USEAPI_EXPIRED_TOKEN = "user:4823-emu0expired0token099887766"  # subscription lapsed: 402
MINIMAX_ACCOUNT = "ada@example.com"
MINIMAX_ACCOUNTS_MULTI = ("grace@example.com", "alan@example.com")
MINIMAX_CLONE_ID = "moss_audio_5f0c7a1e-2d3b-4c5d-8e9f-0a1b2c3d4e5f"  # "Max", cloned, per account
MINIMAX_SYSTEM_IDS = tuple(f"English_emu_{i:02d}" for i in range(12))


def minimax_system_voices() -> list[dict]:
    """Twelve system voices, enough to page with small page sizes."""
    names = ("Narrator", "Friend", "Captain", "Poet", "Teacher", "Host",
             "Whisper", "Robot", "Granny", "Coach", "Pilot", "Bard")  # fmt: skip
    return [
        {
            "voice_id": voice_id,
            "voice_name": name,
            "tag_list": ["English", "Female" if i % 2 else "Male", "Adult"],
            "espeak": "en-us+f3" if i % 2 else "en-us+m3",
            "pitch": 30 + 3 * i,
        }
        for i, (voice_id, name) in enumerate(zip(MINIMAX_SYSTEM_IDS, names, strict=True))
    ]


def minimax_cloned_voices() -> list[dict]:
    return [
        {
            "voice_id": MINIMAX_CLONE_ID,
            "voice_name": "Max",
            "tag_list": ["English"],
            "espeak": "en-gb+m3",
            "pitch": 42,
        }
    ]


# --- MiniMax's own API (served under /minimax = api.minimax.io, /minimaxi = api.minimaxi.com) -
MINIMAX_API_KEY = "eyJhbGciOiJSUzI1NiJ9.emu0minimax0global0key0a1b2c3"  # global host, funded
MINIMAX_MAINLAND_KEY = "eyJhbGciOiJSUzI1NiJ9.emu0minimax0mainland0key0d4e5"  # mainland host only
MINIMAX_NO_BALANCE_KEY = "eyJhbGciOiJSUzI1NiJ9.emu0minimax0empty0key0f6a7b8"  # 1008 on synthesis
MINIMAX_GROUP_ID = "1900000000000000001"  # what the console shows; the emulator only records it
MINIMAX_OFFICIAL_CLONE_ID = "Max-clone-000001"  # "Max", cloned and used once (so listed)


def minimax_official_clones() -> list[dict]:
    return [
        {
            "voice_id": MINIMAX_OFFICIAL_CLONE_ID,
            "description": [],
            "created_time": "2026-11-02",
            "espeak": "en-gb+m3",
            "pitch": 42,
        }
    ]
