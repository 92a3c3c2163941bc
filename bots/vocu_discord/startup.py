"""Start-up: the data directory, the voice account check, and failures as one line + exit code.

Every way a start can fail ends as `StartupError` (message, exit code); `__main__` prints the
message on one line, so a bad token is not a 35-line traceback.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlparse

from vocu_client import errors
from vocu_client.providers import Capability, VoiceProvider

_LOGGER = logging.getLogger(__name__)

EXIT_CONFIG = 2
EXIT_VOICE_STACK = 3
EXIT_DISCORD = 4
EXIT_DATABASE = 5
EXIT_VOICE_SERVICE = 6

SQLITE_FILE = "vocu-bot.sqlite3"


class StartupError(Exception):
    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def data_dir(env: Mapping[str, str]) -> Path:
    """``VOCU_BOT_DATA_DIR``, else ``$XDG_DATA_HOME/vocu-discord`` (~/.local/share/vocu-discord)."""
    if explicit := env.get("VOCU_BOT_DATA_DIR", "").strip():
        return Path(explicit).expanduser()
    xdg = env.get("XDG_DATA_HOME", "").strip() or str(Path.home() / ".local" / "share")
    return Path(xdg).expanduser() / "vocu-discord"


def default_database_url(env: Mapping[str, str]) -> str:
    return f"sqlite:///{data_dir(env) / SQLITE_FILE}"


def prepare_data_dir(env: Mapping[str, str], cwd: Path | None = None) -> Path:
    """Create the data directory; move a legacy ``./vocu-bot.sqlite3`` into it (one log line)."""
    directory = data_dir(env)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StartupError(
            f"the data directory {directory} cannot be created ({error.strerror}); "
            "set VOCU_BOT_DATA_DIR",
            EXIT_DATABASE,
        ) from None
    legacy = (cwd or Path(os.getcwd())) / SQLITE_FILE
    target = directory / SQLITE_FILE
    if legacy.is_file() and not target.exists():
        shutil.move(legacy, target)
        _LOGGER.warning("Moved the bot database %s to the data directory %s", legacy, target)
    return directory


async def describe_voice_account(client: VoiceProvider, base_url: str | None) -> str:
    """One line naming the service, host and account; fails early on a key that is refused."""
    host = urlparse(base_url or client.info.default_base_url).hostname or "?"
    try:
        if client.supports(Capability.ACCOUNT):
            account = await client.get_account()
            name = getattr(account, "name", None) or getattr(account, "user_id", None) or "?"
            return f"Voice service {client.info.title} at {host}: account {name}"
        voices = await client.list_voices()
        return f"Voice service {client.info.title} at {host}: {len(voices)} voices on the key"
    except (errors.AuthenticationError, errors.PermissionDeniedError):
        raise StartupError(
            f"{client.info.title} at {host} refused the key ({client.info.token_env})",
            EXIT_VOICE_SERVICE,
        ) from None
    except errors.VoiceServiceError as error:
        raise StartupError(
            f"{client.info.title} at {host} cannot be used right now: {type(error).__name__}",
            EXIT_VOICE_SERVICE,
        ) from None
