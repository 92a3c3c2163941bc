"""Upload the command tree to Discord only when it changed since the last upload.

Uploading on every start is what gets bots rate-limited, and a failed upload used to stop the
start. The hash covers the application id, the scope (global or one guild) and the tree's JSON;
it lives in the bot's database (`bot_state`), so every instance of one deployment agrees.
Only the standalone bot syncs; a cog loaded into someone else's bot never does.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import TYPE_CHECKING

import discord

if TYPE_CHECKING:
    from discord import app_commands

    from .settings import SettingsRepository

_LOGGER = logging.getLogger(__name__)


def _scope(guild_id: int | None) -> str:
    return "global" if guild_id is None else str(guild_id)


def tree_hash(tree: app_commands.CommandTree, application_id: int, guild_id: int | None) -> str:
    guild = None if guild_id is None else discord.Object(id=guild_id)
    commands = [command.to_dict(tree) for command in tree.get_commands(guild=guild)]
    blob = json.dumps(
        {"application_id": application_id, "scope": _scope(guild_id), "commands": commands},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(blob.encode()).hexdigest()


async def sync_commands(
    tree: app_commands.CommandTree,
    settings: SettingsRepository,
    application_id: int,
    guild_id: int | None = None,
    *,
    force: bool = False,
) -> bool:
    """Upload if the tree changed (or ``force``); True when something was uploaded.

    ``guild_id``: the development mode — the commands go to that one guild (instantly) and the
    global copies are removed, so they do not show twice.
    """
    if guild_id is not None:
        tree.copy_global_to(guild=discord.Object(id=guild_id))
    key = f"command_hash:{_scope(guild_id)}"
    digest = tree_hash(tree, application_id, guild_id)
    if not force and await settings.get_state(key) == digest:
        _LOGGER.info("Commands unchanged since the last upload (%s); not syncing", _scope(guild_id))
        return False
    if guild_id is None:
        await tree.sync()
    else:
        await tree.sync(guild=discord.Object(id=guild_id))
        tree.clear_commands(guild=None)
        await tree.sync()  # no global copies beside the guild's
        await settings.set_state("command_hash:global", "")
    await settings.set_state(key, digest)
    _LOGGER.info("Uploaded the commands (%s)", _scope(guild_id))
    return True
