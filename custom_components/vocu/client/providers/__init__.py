"""Voice services behind one interface: ``create_provider("noiz", key)`` and friends."""

from .base import (
    AuthStyle,
    Capability,
    ProviderInfo,
    VoicePage,
    VoiceProvider,
)
from .registry import (
    DEFAULT_PROVIDER,
    MINIMAX,
    MINIMAX_OFFICIAL,
    MINIMAX_OFFICIAL_HOSTS,
    NOIZ,
    PROVIDERS,
    VOCU,
    create_provider,
    provider_info,
)

__all__ = [
    "DEFAULT_PROVIDER",
    "MINIMAX",
    "MINIMAX_OFFICIAL",
    "MINIMAX_OFFICIAL_HOSTS",
    "NOIZ",
    "PROVIDERS",
    "VOCU",
    "AuthStyle",
    "Capability",
    "ProviderInfo",
    "VoicePage",
    "VoiceProvider",
    "create_provider",
    "provider_info",
]
