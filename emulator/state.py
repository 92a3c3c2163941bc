"""Accounts, voices, jobs, templates and generated audio of the emulator, behind one lock.

The server thread and the test thread both touch this state, so every public method takes the
lock. Time-driven transitions (voice creating → pending, job pending → processing → generated)
are computed lazily from timestamps, which keeps them exact without background timers.
"""

from __future__ import annotations

import copy
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from . import seed
from .speech import Sound

USABLE_STATUSES = frozenset({"pending", "lora-success", "lora-awaiting-auto-reupload"})
HIDDEN_STATUSES = frozenset({"lora-pending", "lora-awaiting", "lora-failed"})
LANGUAGES = frozenset({"auto", "zh", "en-us", "ja", "ko", "fr-fr", "pt", "de", "es", "yue"})


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Pacing:
    """How fast the emulator answers; production-like defaults, tests use `Pacing.fast()`."""

    first_byte_delay: float = 0.2
    chunk_interval: float = 0.2
    chunk_bytes: int = 2048  # 48 kbit/s MP3 = 6 kB/s, so 10 kB/s is a bit faster than real time
    voice_ready_delay: float = 1.0
    job_step: float = 0.5

    @classmethod
    def fast(cls) -> Pacing:
        return cls(
            first_byte_delay=0.01,
            chunk_interval=0.0,
            chunk_bytes=16384,
            voice_ready_delay=0.3,
            job_step=0.1,
        )


@dataclass
class Style:
    id: str
    name: str
    description: str = ""
    language: str | None = None
    transcript: str | None = None
    deleted: bool = False

    def to_api(self, voice_id: str) -> dict[str, Any]:
        slug = voice_id.replace(":", "-")
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "language": self.language,
            "vocalFilter": True,
            "promptOriginAudioStorageUrl": f"https://storage.vocu.ai/prompt/{slug}/{self.id}.mp3",
            "playBackAudio": f"https://storage.vocu.ai/prompt/{slug}/{self.id}-playback.mp3",
            "deleted": self.deleted,
        }


@dataclass
class Voice:
    id: str
    name: str
    status: str
    source: str = "upload"
    language: str | None = "en-us"
    description: str = ""
    avatar: str | None = None
    version: str = "v3.0"
    espeak: str = "en-us"
    pitch: int = 50
    styles: list[Style] = field(default_factory=list)
    ready_at: float | None = None  # a `creating` voice turns `pending` at this monotonic time
    created_at: str = field(default_factory=_now_iso)
    updated_at: str = field(default_factory=_now_iso)

    def settle(self) -> None:
        ready_at = self.ready_at
        if self.status == "creating" and ready_at is not None and time.monotonic() >= ready_at:
            self.status = "pending"
            self.ready_at = None

    def style(self, style_id: str) -> Style | None:
        # The service accepts a prefix of the style id on the GET variant; exact match first.
        live = [s for s in self.styles if not s.deleted]
        exact = next((s for s in live if s.id == style_id), None)
        if exact is not None or not style_id:
            return exact
        return next((s for s in live if s.id.startswith(style_id)), None)

    def to_api(self) -> dict[str, Any]:
        bare = self.id.removeprefix("market:")
        return {
            "id": self.id,
            "idForGenerate": bare,
            "name": self.name,
            "status": self.status,
            "version": self.version,
            "from": self.source,
            "avatar": self.avatar,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
            "metadata": {
                "avatar": self.avatar,
                "description": self.description,
                "withLora": self.status.startswith("lora"),
                "prompts": [style.to_api(self.id) for style in self.styles],
            },
        }


@dataclass
class Audio:
    """A generated audio: synthesised on demand from its text and sound, or joined from parts."""

    id: str
    auth: str
    owner: str
    text: str
    sound: Sound
    parts: tuple[str, ...] = ()


@dataclass
class Job:
    id: str
    owner: str
    contents: list[dict[str, Any]]
    characters: int
    voices: list[dict[str, Any]]
    segment_audio: list[str]
    merged_audio: str
    created: float = field(default_factory=time.monotonic)
    created_at: str = field(default_factory=_now_iso)
    step: float = 0.5
    forced_status: str | None = None

    def status(self) -> str:
        if self.forced_status:
            return self.forced_status
        elapsed = time.monotonic() - self.created
        if elapsed < self.step:
            return "pending"
        if elapsed < 2 * self.step:
            return "processing"
        return "generated"


@dataclass
class Template:
    id: str
    name: str
    description: str
    contents: list[dict[str, Any]]
    created_at: str = field(default_factory=_now_iso)
    updated_at: str = field(default_factory=_now_iso)

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "metadata": {"description": self.description},  # the export keeps it here
            "contents": copy.deepcopy(self.contents),
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
        }


@dataclass
class Account:
    token: str
    id: str
    name: str
    email: str
    phone: str
    is_paid: bool
    credit: float
    bonus_credit: float
    quota: dict[str, int]
    voices: dict[str, Voice] = field(default_factory=dict)
    jobs: dict[str, Job] = field(default_factory=dict)
    templates: dict[str, Template] = field(default_factory=dict)
    legacy_credits_only: bool = False  # account info with only `credits` (= bonus), as older ones
    active_sync: int = 0

    @property
    def sync_limit(self) -> int:
        return max(1, self.quota["syncBaseConcurrent"] + self.quota["syncPaidConcurrent"])

    @property
    def balance(self) -> float:
        return self.credit + self.bonus_credit

    def charge(self, characters: int) -> None:
        from_credit = min(self.credit, characters)
        self.credit -= from_credit
        self.bonus_credit -= characters - from_credit

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "email": self.email,
            "phone": self.phone,
            "avatar": f"https://storage.vocu.ai/avatar/{self.id}.png",
            "role": "user",
            "isPaid": self.is_paid,
            "notifications": 0,
            **(
                {"credits": self.bonus_credit}  # an older answer: only the deprecated alias
                if self.legacy_credits_only
                else {
                    "credit": self.credit,
                    "bonusCredit": self.bonus_credit,
                    "credits": self.bonus_credit,  # deprecated alias of bonusCredit
                }
            ),
            "loraQuota": self.quota.get("lora", 0),
            "quota": dict(self.quota),
        }


def voice_from_seed(entry: dict[str, Any], voice_id: str | None = None) -> Voice:
    language = entry.get("language")
    voice = Voice(
        id=voice_id or entry["id"],
        name=entry["name"],
        status=entry["status"],
        source=entry.get("from", "upload"),
        language=language,
        description=entry.get("description", ""),
        espeak=entry.get("espeak", "en-us"),
        pitch=entry.get("pitch", 50),
    )
    voice.styles.append(Style(id="default", name="Default", language=language))
    for style in entry.get("styles", []):
        voice.styles.append(Style(language=language, **style))
    return voice


class EmulatorState:
    """All mutable state of one emulator; thread-safe."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.pacing = Pacing()
        self.accounts: dict[str, Account] = {}
        self.audio: dict[str, Audio] = {}
        self.channels: dict[str, tuple[str, str]] = {}  # turbo channel id → (token, voice id)
        self.reset()

    def reset(self, pacing: Pacing | None = None) -> None:
        with self.lock:
            if pacing is not None:
                self.pacing = pacing
            self.accounts = {}
            self.audio = {}
            self.channels = {}
            for entry in seed.accounts():
                account = Account(
                    token=entry["token"],
                    id=entry["id"],
                    name=entry["name"],
                    email=entry["email"],
                    phone=entry["phone"],
                    is_paid=entry["isPaid"],
                    credit=entry["credit"],
                    bonus_credit=entry["bonusCredit"],
                    quota=entry["quota"],
                )
                for voice in seed.voices():
                    account.voices[voice["id"]] = voice_from_seed(voice)
                self.accounts[account.token] = account

    # --- helpers for tests (thread-safe) ---------------------------------------------------

    def account(self, token: str) -> Account:
        """The account a token unlocks (KeyError for an unknown token)."""
        with self.lock:
            return self.accounts[token]

    def add_voice(
        self,
        token: str = seed.PAID_TOKEN,
        *,
        name: str = "Test voice",
        status: str = "pending",
        voice_id: str | None = None,
        source: str = "upload",
        language: str | None = "en-us",
        espeak: str = "en-us",
        pitch: int = 50,
    ) -> str:
        """Add a voice to an account and return its id."""
        with self.lock:
            voice_id = voice_id or (
                f"market:{uuid.uuid4()}" if source == "market" else str(uuid.uuid4())
            )
            entry = {
                "name": name,
                "status": status,
                "from": source,
                "language": language,
                "espeak": espeak,
                "pitch": pitch,
            }
            self.accounts[token].voices[voice_id] = voice_from_seed(entry, voice_id)
            return voice_id

    def set_credits(self, token: str, credit: float, bonus_credit: float = 0) -> None:
        with self.lock:
            account = self.accounts[token]
            account.credit = credit
            account.bonus_credit = bonus_credit

    def set_legacy_credits_only(self, token: str, legacy: bool = True) -> None:
        """Answer account info with only the deprecated `credits` (= bonus) field."""
        with self.lock:
            self.accounts[token].legacy_credits_only = legacy

    def set_paid(self, token: str, is_paid: bool) -> None:
        with self.lock:
            self.accounts[token].is_paid = is_paid

    def set_quota(self, token: str, **quota: int) -> None:
        """E.g. `set_quota(PAID_TOKEN, syncBaseConcurrent=1, syncPaidConcurrent=0)`."""
        with self.lock:
            self.accounts[token].quota.update(quota)

    def set_voice_status(self, voice_id: str, status: str, token: str | None = None) -> None:
        """Force a voice's status (in every account that has it, unless `token` is given)."""
        with self.lock:
            for account in self.accounts.values():
                if token is not None and account.token != token:
                    continue
                voice = account.voices.get(voice_id)
                if voice is not None:
                    voice.status = status
                    voice.ready_at = None

    def set_job_status(self, job_id: str, status: str | None) -> None:
        """Pin a job's status (e.g. `failed`); None lets it progress with time again."""
        with self.lock:
            for account in self.accounts.values():
                if job_id in account.jobs:
                    account.jobs[job_id].forced_status = status

    def active_sync(self, token: str) -> int:
        """How many synchronous generations of this account are running right now."""
        with self.lock:
            return self.accounts[token].active_sync

    # --- used by the routes ----------------------------------------------------------------

    def new_audio(
        self,
        owner: str,
        text: str,
        sound: Sound | None = None,
        parts: tuple[str, ...] = (),
    ) -> Audio:
        with self.lock:
            audio = Audio(
                id=str(uuid.uuid4()),
                auth=str(uuid.uuid4()),
                owner=owner,
                text=text,
                sound=sound or Sound(),
                parts=parts,
            )
            self.audio[audio.id] = audio
            return audio
