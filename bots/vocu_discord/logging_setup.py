"""The standalone bot's logging: discord.py's handler, without Discord's payloads at DEBUG.

discord.py logs every gateway payload at DEBUG (``discord.gateway``), message text and display
names included; the privacy promise (no message text or display name in our logs) would mean
nothing if turning the bot's log level down to DEBUG wrote them anyway.
"""

from __future__ import annotations

import logging

import discord

GATEWAY_LOGGER = "discord.gateway"


def setup_logging(level: int = logging.INFO) -> None:
    discord.utils.setup_logging(level=level)
    gateway = logging.getLogger(GATEWAY_LOGGER)
    gateway.setLevel(max(logging.INFO, gateway.getEffectiveLevel()))
