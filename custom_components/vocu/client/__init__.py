"""vocu_client: the async core shared by the Home Assistant integration, Discord bot and CLI.

Imports aiohttp only (never homeassistant or discord) and uses relative imports, so the same files
work as ``custom_components.vocu.client`` inside Home Assistant and as ``vocu_client`` elsewhere.
"""

from . import errors, models, text
from ._http import RetryPolicy, Timeouts
from .client import DEFAULT_BASE_URL, HOSTS, VocuClient
from .deadline import Deadline
from .models import SynthesisOptions
from .streaming import SpeechStream
from .turbo import TurboSession

__all__ = [
    "DEFAULT_BASE_URL",
    "HOSTS",
    "Deadline",
    "RetryPolicy",
    "SpeechStream",
    "SynthesisOptions",
    "Timeouts",
    "TurboSession",
    "VocuClient",
    "errors",
    "models",
    "text",
]
