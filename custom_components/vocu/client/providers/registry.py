"""Which voice services exist, their defaults and declared capabilities, and the factory.

Front ends pick a name from ``PROVIDERS`` (a config flow's choice, a bot setting, ``--provider``)
and call :func:`create_provider`; they never import a provider module themselves, so a service
can be updated or dropped here and in its own module only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import aiohttp

from .base import AuthStyle, Capability, ProviderInfo

if TYPE_CHECKING:
    from .base import VoiceProvider

VOCU = ProviderInfo(
    name="vocu",
    title="Vocu",
    default_base_url="https://v1.vocu.ai",
    auth_style=AuthStyle.BEARER,
    max_chars_per_request=2000,
    capabilities=frozenset(
        {Capability.ACCOUNT, Capability.STYLES, Capability.JOBS, Capability.SIGNED_URLS}
    ),
    token_env="VOCU_TOKEN",
)
NOIZ = ProviderInfo(
    name="noiz",
    title="Noiz AI",
    default_base_url="https://noiz.ai/v1",
    auth_style=AuthStyle.RAW,
    max_chars_per_request=5000,
    capabilities=frozenset({Capability.CLONE_FROM_URL, Capability.PAGED_VOICES}),
    token_env="NOIZ_API_KEY",
)
MINIMAX = ProviderInfo(
    name="minimax",
    title="MiniMax via useapi.net",
    default_base_url="https://api.useapi.net/v1/minimax",
    auth_style=AuthStyle.BEARER,
    max_chars_per_request=500,
    # create-mp3 answers with a key-free audio_url, which is what SIGNED_URLS promises players.
    capabilities=frozenset({Capability.SIGNED_URLS, Capability.PAGED_VOICES}),
    token_env="USEAPI_TOKEN",
    note=(
        "useapi.net marks its MiniMax audio v1 pages as decommissioned (2025-08); this provider "
        "implements that documented contract and may stop working"
    ),
)

# MiniMax's own hosts: the international platform and the mainland-China one (separate accounts).
MINIMAX_OFFICIAL_HOSTS: dict[str, str] = {
    "global": "https://api.minimax.io",
    "mainland": "https://api.minimaxi.com",
}
MINIMAX_OFFICIAL = ProviderInfo(
    name="minimax_official",
    title="MiniMax",
    default_base_url=MINIMAX_OFFICIAL_HOSTS["global"],
    auth_style=AuthStyle.BEARER,
    # t2a_v2 takes under 10,000 characters; half leaves room however MiniMax counts them.
    max_chars_per_request=5000,
    # `output_format: url` answers with a storage URL signed by MiniMax, not carrying our key.
    capabilities=frozenset({Capability.SIGNED_URLS}),
    token_env="MINIMAX_API_KEY",
    note="MiniMax deletes a cloned voice that is not used for speech within 7 days",
)

PROVIDERS: dict[str, ProviderInfo] = {
    info.name: info for info in (VOCU, NOIZ, MINIMAX, MINIMAX_OFFICIAL)
}
DEFAULT_PROVIDER = VOCU.name


def provider_info(name: str) -> ProviderInfo:
    try:
        return PROVIDERS[name.strip().lower()]
    except KeyError:
        raise ValueError(
            f"unknown voice service {name!r}; use one of {', '.join(PROVIDERS)}"
        ) from None


def create_provider(
    name: str,
    api_key: str,
    *,
    session: aiohttp.ClientSession | None = None,
    base_url: str | None = None,
    **kwargs: Any,
) -> VoiceProvider:
    """Build the provider ``name`` (``vocu``, ``noiz``, ``minimax``, ``minimax_official``).

    ``base_url=None`` uses the service's default. Extra keywords: ``deadline`` (the default
    ``deadline.Deadline`` of calls that pass none), ``timeouts``, ``retry``,
    ``user_agent`` for all; ``max_chars_per_request`` for all; ``account`` for MiniMax via
    useapi.net (which of several configured MiniMax accounts to use); ``group_id`` and ``model``
    for MiniMax's own API. An injected session is never closed by the
    provider; without one the provider owns its session until ``close()``.
    """
    info = provider_info(name)
    # Imported here so a front end that uses one service loads only that module.
    if info is VOCU:
        from .vocu import VocuProvider  # noqa: PLC0415

        return VocuProvider(api_key, session=session, base_url=base_url, **kwargs)
    if info is NOIZ:
        from .noiz import NoizProvider  # noqa: PLC0415

        return NoizProvider(api_key, session=session, base_url=base_url, **kwargs)
    if info is MINIMAX_OFFICIAL:
        from .minimax_official import MiniMaxOfficialProvider  # noqa: PLC0415

        return MiniMaxOfficialProvider(api_key, session=session, base_url=base_url, **kwargs)
    from .minimax import MiniMaxProvider  # noqa: PLC0415

    return MiniMaxProvider(api_key, session=session, base_url=base_url, **kwargs)
