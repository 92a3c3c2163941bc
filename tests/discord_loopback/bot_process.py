"""`vocu-discord-bot` itself, in its own OS process, aimed at a loopback Discord.

Discord's addresses are constants in discord.py, so they are set here (from
``LOOPBACK_DISCORD_API`` and ``LOOPBACK_DISCORD_GATEWAY``) before the real ``main`` runs; the
voice server's test CA comes in through ``SSL_CERT_FILE``. Everything else is the shipped bot.
"""

from __future__ import annotations

import os
import sys

import discord
import yarl
from vocu_discord.__main__ import main

if __name__ == "__main__":
    discord.http.Route.BASE = os.environ["LOOPBACK_DISCORD_API"]
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(
        os.environ["LOOPBACK_DISCORD_GATEWAY"]
    )
    sys.exit(main(sys.argv[1:]))
