"""The README's demo: one sentence through every front end, against the local emulator.

1. the `vocu` command line streams a sentence into demo.mp3;
2. the Discord bot's real player plays two queued sentences into a recording voice client, written
   as demo-discord.ogg (what would have been sent to a voice channel);
3. a real Home Assistant starts with the integration configured through its REST config flow, the
   sentence is spoken through HA's TTS URL into demo-ha.mp3, and HA is left running for a browser.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import sys
from pathlib import Path

import aiohttp
import mutagen.mp3
from vocu_emulator import seed

from .emulator_process import running_emulator
from .hass_runner import REPO_ROOT, HassProcess

SENTENCE = "Hello from Vocu! This sentence was spoken by the local emulator, no account needed."
DISCORD_SENTENCES = (
    "Hello Discord, this is the Vocu bot.",
    "And this is the next item in the queue.",
)
DEMO_USER, DEMO_PASSWORD = "demo", "vocu-demo"


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def mp3_seconds(path: Path) -> float:
    return mutagen.mp3.MP3(path).info.length


async def cli_demo(base_url: str, out: Path) -> None:
    env = {**os.environ, "VOCU_TOKEN": seed.PAID_TOKEN, "VOCU_BASE_URL": base_url}
    vocu = Path(sys.executable).with_name("vocu")
    process = await asyncio.create_subprocess_exec(
        str(vocu), "say", SENTENCE, "--voice", seed.ALICE_ID, "--output", str(out), env=env
    )
    if await process.wait() != 0:
        raise SystemExit("the vocu command line failed")
    say(f"CLI: {out} ({mp3_seconds(out):.1f} s of MP3 speech)")


async def discord_demo(base_url: str, out: Path) -> None:
    from vocu_discord.demo import record_demo  # noqa: PLC0415  (the bot extra is optional)

    path = await record_demo(base_url, seed.PAID_TOKEN, seed.BOB_ID, DISCORD_SENTENCES, out)
    say(f"Discord: {path} (Opus frames the bot would have sent to the voice channel)")


async def home_assistant_demo(base_url: str, config_dir: Path, out: Path) -> HassProcess:
    shutil.rmtree(config_dir, ignore_errors=True)
    hass = HassProcess(config_dir)
    say(f"Home Assistant: starting in {config_dir} (log: {hass.log_path})")
    await hass.start()
    async with aiohttp.ClientSession() as session:
        await hass.onboard(session, username=DEMO_USER, password=DEMO_PASSWORD)
        answers = {
            "user": {"provider": "vocu"},
            "credentials": {"api_key": seed.PAID_TOKEN, "host": "custom"},
            "custom_host": {"base_url": base_url},
            "voice": {"voice": seed.ALICE_ID},
            "style": {"style": "default"},
        }
        entry = await hass.run_config_flow(session, "vocu", lambda step: answers[step["step_id"]])
        say(f"Home Assistant: config entry '{entry['title']}' created through the REST flow")
        engine = await wait_for_tts_entity(hass, session)
        url = await hass.tts_url(session, engine, SENTENCE)
        async with session.get(url) as resp:
            resp.raise_for_status()
            audio = await resp.read()
        await asyncio.to_thread(out.write_bytes, audio)
        say(f"Home Assistant: {engine} spoke into {out} ({mp3_seconds(out):.1f} s), via {url}")
    return hass


async def wait_for_tts_entity(hass: HassProcess, session: aiohttp.ClientSession) -> str:
    for _ in range(100):
        if entity_ids := await hass.entity_ids(session, "tts"):
            return entity_ids[0]
        await asyncio.sleep(0.2)
    raise SystemExit("the Vocu TTS entity did not appear; see " + str(hass.log_path))


async def run(keep_running: bool, port: int) -> None:
    out_dir = REPO_ROOT
    async with running_emulator(port=port) as base_url:
        say(f"emulator: {base_url} (token {seed.PAID_TOKEN!r} is a seeded demo account)")
        await cli_demo(base_url, out_dir / "demo.mp3")
        await discord_demo(base_url, out_dir / "demo-discord.ogg")
        hass = await home_assistant_demo(
            base_url, out_dir / ".demo" / "ha-config", out_dir / "demo-ha.mp3"
        )
        try:
            if keep_running:
                say(
                    f"Home Assistant is running at {hass.url} (user {DEMO_USER!r}, password "
                    f"{DEMO_PASSWORD!r}); press Ctrl-C to stop it and the emulator"
                )
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.Event().wait()
        finally:
            await hass.stop()
    say("done: play demo.mp3, demo-ha.mp3 and demo-discord.ogg with any player (ffplay, mpv, VLC)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="scripts/demo", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--no-wait",
        action="store_true",
        help="stop Home Assistant at the end instead of leaving it running",
    )
    parser.add_argument("--port", type=int, default=0, help="emulator port (default: a free one)")
    args = parser.parse_args(argv)
    keep = not args.no_wait and sys.stdin.isatty()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run(keep, args.port))


if __name__ == "__main__":
    main()
