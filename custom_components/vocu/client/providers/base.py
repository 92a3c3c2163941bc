"""The provider interface every front end uses, whatever voice service sits behind it.

A provider lists, reads, clones and deletes voices and streams MP3 speech with one signature for
all services. What only some services can do (account credits, styles, async jobs, key-free stream
URLs, cloning from a URL, paged voice lists) is *declared* in ``capabilities``; asking a provider
for something it did not declare raises :class:`~..errors.UnsupportedOperationError` with one clear
line ("noiz has no account endpoint") instead of a faked answer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol, Self, runtime_checkable

from .. import errors
from ..deadline import Deadline
from ..models import Account, GenerationResult, SynthesisOptions, Voice

if TYPE_CHECKING:
    from ..streaming import SpeechStream

DEFAULT_OPTIONS = SynthesisOptions()


class Capability(StrEnum):
    """Optional features a provider declares (the core operations are always there)."""

    ACCOUNT = "account"  # get_account(): name, credits
    STYLES = "styles"  # several speaking styles per voice (SynthesisOptions.style_id)
    JOBS = "jobs"  # asynchronous generation jobs (Vocu only; through VocuProvider.client)
    SIGNED_URLS = "signed_urls"  # create_stream_url(): a key-free URL a player fetches itself
    CLONE_FROM_URL = "clone_from_url"  # clone_voice(audio_url=...)
    PAGED_VOICES = "paged_voices"  # voice_page() maps onto real service pages


class AuthStyle(StrEnum):
    BEARER = "bearer"  # Authorization: Bearer <key>
    RAW = "raw"  # Authorization: <key>  (Noiz rejects a Bearer prefix)


@dataclass(frozen=True, slots=True)
class ProviderInfo:
    """Static facts about a service: what the registry, config flows and the CLI show."""

    name: str  # "vocu" | "noiz" | "minimax"
    title: str
    default_base_url: str
    auth_style: AuthStyle
    max_chars_per_request: int
    capabilities: frozenset[Capability]
    token_env: str  # the CLI's environment variable for the key
    note: str = ""

    def supports(self, capability: Capability) -> bool:
        return capability in self.capabilities


@dataclass(frozen=True, slots=True)
class VoicePage:
    """One page of voices. ``total`` is None when the service does not say."""

    voices: tuple[Voice, ...]
    page: int
    page_size: int
    has_more: bool
    total: int | None = None


class ProviderBasics:
    """What every provider derives from its ``info`` (name, capabilities) and ``async with``."""

    info: ProviderInfo

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def capabilities(self) -> frozenset[Capability]:
        return self.info.capabilities

    def supports(self, capability: Capability) -> bool:
        return capability in self.info.capabilities

    async def close(self) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()


@runtime_checkable
class VoiceProvider(Protocol):
    """What Home Assistant, the bot and the CLI call. Implementations: Vocu, Noiz, MiniMax.

    Every call takes ``deadline=`` (a ``deadline.Deadline``; None: the enclosing call's, else
    the provider's default): its total bounds every request, retry and wait of the call.
    """

    info: ProviderInfo

    @property
    def max_chars_per_request(self) -> int: ...

    @property
    def name(self) -> str: ...

    @property
    def capabilities(self) -> frozenset[Capability]: ...

    def supports(self, capability: Capability) -> bool: ...

    async def close(self) -> None: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, *exc_info: object) -> None: ...

    # -- voices -----------------------------------------------------------------------------

    async def list_voices(
        self, *, include_builtin: bool = True, deadline: Deadline | None = None
    ) -> list[Voice]:
        """Every voice the key can speak with: own clones first, then built-in/system/market."""
        ...

    async def voice_page(
        self,
        page: int = 0,
        page_size: int = 50,
        *,
        builtin: bool = False,
        deadline: Deadline | None = None,
    ) -> VoicePage:
        """One page of own clones (``builtin=False``) or of the service's voices."""
        ...

    async def get_voice(self, voice_id: str, *, deadline: Deadline | None = None) -> Voice: ...

    async def clone_voice(
        self,
        name: str,
        audio: bytes | None = None,
        *,
        audio_url: str | None = None,
        filename: str = "sample.wav",
        language: str | None = None,
        noise_reduction: bool = True,
        deadline: Deadline | None = None,
    ) -> Voice:
        """Clone from sample bytes, or from a remote URL where CLONE_FROM_URL is declared.

        ``language`` takes our codes (``models.LANGUAGES``); other values go to the service
        verbatim. The returned voice may not be ready yet: see ``wait_for_voice``.
        """
        ...

    async def wait_for_voice(
        self,
        voice_id: str,
        *,
        timeout: float = 300,
        poll_interval: float = 2.0,
        on_progress: Callable[[Voice], None] | None = None,
        deadline: Deadline | None = None,
    ) -> Voice: ...

    async def delete_voice(self, voice_id: str, *, deadline: Deadline | None = None) -> None: ...

    # -- synthesis --------------------------------------------------------------------------

    def stream_speech(
        self,
        text: str,
        voice_id: str,
        options: SynthesisOptions = DEFAULT_OPTIONS,
        *,
        deadline: Deadline | None = None,
    ) -> SpeechStream:
        """MP3 of one request (text up to ``max_chars_per_request``): async CM + iterator."""
        ...

    def iter_speech(
        self,
        text: str,
        voice_id: str,
        options: SynthesisOptions = DEFAULT_OPTIONS,
        *,
        deadline: Deadline | None = None,
    ) -> AsyncIterator[bytes]:
        """MP3 chunks for text of any length, split by ``text.split_text(max_chars)``."""
        ...

    async def synthesize(
        self,
        text: str,
        voice_id: str,
        options: SynthesisOptions = DEFAULT_OPTIONS,
        *,
        deadline: Deadline | None = None,
    ) -> bytes: ...

    # -- optional (declared in capabilities; otherwise UnsupportedOperationError) -----------

    async def get_account(self, *, deadline: Deadline | None = None) -> Account: ...

    async def create_stream_url(
        self,
        text: str,
        voice_id: str,
        options: SynthesisOptions = DEFAULT_OPTIONS,
        *,
        deadline: Deadline | None = None,
    ) -> GenerationResult: ...


def unsupported(provider: str, what: str) -> errors.UnsupportedOperationError:
    """``noiz has no account endpoint`` - one line, the same everywhere."""
    return errors.UnsupportedOperationError(
        f"{provider} has no {what}", code="UNSUPPORTED_OPERATION", provider=provider
    )


def check_clone_language(provider: str, language: str | None, accepted: Iterable[str]) -> None:
    """Refuse an unknown clone language before the sample is uploaded (the upload is the cost)."""
    if language is None:
        return
    known = sorted(set(accepted))
    if language not in known:
        raise errors.ValidationError(
            f"unsupported language {language!r}; use one of {', '.join(known)}",
            code="UNSUPPORTED_LANGUAGE",
            provider=provider,
        )


def check_clone_input(
    provider: str,
    name: str,
    audio: bytes | None,
    audio_url: str | None,
    *,
    url_supported: bool,
) -> str:
    """The checks every clone makes before uploading; returns the stripped name."""
    if not name or not name.strip():
        raise errors.ValidationError(
            "the voice needs a name", code="VALIDATION_MISSING_FIELD", provider=provider
        )
    if audio is not None and audio_url is not None:
        raise errors.ValidationError(
            "give either the sample bytes or its URL, not both",
            code="VALIDATION_INVALID_VALUE",
            provider=provider,
        )
    if audio_url is not None:
        if not url_supported:
            raise unsupported(provider, "cloning from a URL (download the sample and pass bytes)")
        if not audio_url.startswith(("http://", "https://")):
            raise errors.ValidationError(
                "the sample URL must start with http:// or https://",
                code="VALIDATION_INVALID_VALUE",
                provider=provider,
            )
    elif not audio:
        raise errors.ValidationError(
            "the voice sample is empty", code="VALIDATION_MISSING_FIELD", provider=provider
        )
    return name.strip()
