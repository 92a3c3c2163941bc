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

# The one version of the project: pyproject.toml reads it (dynamic version), manifest.json repeats
# it, `vocu --version` and `vocu-discord-bot --version` print it (tests/ha/test_packaging.py).
__version__ = "0.1.0"

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
    "__version__",
    "errors",
    "models",
    "text",
]
