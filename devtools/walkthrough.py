"""What a person sees: Home Assistant's own frontend in Chromium, from onboarding to spoken audio.

A fresh `hass` (component linked in, frontend on) and the emulator as the voice service; every step
checks what is on the page and saves a screenshot. Exits non-zero on the first step that does not
show what it should (a `failure.png` shows where).

    python -m vocu_devtools.walkthrough --out DIR [--language en|zh-Hans] [--emulator-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import re
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import mutagen.mp3
from playwright.async_api import Response, expect
from vocu_emulator import seed

from .browser import chromium_context
from .emulator_process import running_emulator
from .ha_pages import HaPages, vocu_strings
from .hass_runner import HassProcess

BROWSER_LOCALES = {"en": "en-US", "zh-Hans": "zh-CN"}  # what the browser reports → HA language
SENTENCES = {
    "en": "Good evening. The front door is open and the kettle has boiled.",
    "zh-Hans": "晚上好。前门开着，水已经烧开了。",
}
SERVICE_LABEL = "Vocu"  # the service choice's label (not translated: a brand name)
CUSTOM_HOST_LABEL = "Custom URL"  # a SelectOptionDict label, not a translation key
USABLE_VOICES = ("Alice", "Bob", "Xiaoyu")  # the emulator's seeded voices that can speak
UNUSABLE_VOICES = ("Carol", "Dave", "Eve")  # creating, failed, lora-pending
# Two voice profiles (config subentries): two more engines of the one account.
PROFILES = {
    "en": (("Kitchen — calm", "Bob"), ("Bedtime — soft", "Xiaoyu")),
    "zh-Hans": (("厨房 — 平静", "Bob"), ("睡前 — 轻柔", "Xiaoyu")),
}
ASSIST_PIPELINE = "Home Assistant"  # the pipeline assist_pipeline creates (name not translated)
BALANCE = re.compile(r"100[\s,.\u00a0\u202f']?500")  # 100 000 credit + 500 bonus, any grouping


@dataclass
class WalkthroughResult:
    language: str
    voices_listed: list[str] = field(default_factory=list)
    styles_listed: list[str] = field(default_factory=list)
    styles_after_voice_change: list[str] = field(default_factory=list)
    mp3_bytes: int = 0
    mp3_seconds: float = 0.0
    engines_listed: list[str] = field(default_factory=list)
    screenshots: list[str] = field(default_factory=list)


def _voice_names(labels: list[str]) -> list[str]:
    """ "Alice — Warm narrator" → "Alice"."""
    return [label.split(" — ")[0].strip() for label in labels]


async def _config_flow(ha: HaPages, emulator_url: str, result: WalkthroughResult) -> None:
    await ha.start_config_flow(SERVICE_LABEL)
    if "credentials" in ha.vocu("config", "step"):
        # Newer flows ask for the service first; the key form is then "credentials".
        await ha.expect_text(ha.vocu("config", "step", "user", "title"))
        await ha.shot("choose-service")
        await ha.choose_radio(SERVICE_LABEL)
        await ha.submit()
        key_step = "credentials"
        key_title = ha.vocu("config", "step", key_step, "title").format(service=SERVICE_LABEL)
    else:
        key_step = "user"
        key_title = ha.vocu("config", "step", key_step, "title")
    await ha.expect_text(key_title)
    await ha.shot("api-key-form")

    # A wrong key: the translated error, shown where the key can be corrected.
    await ha.fill("api_key", "sk-this-key-does-not-exist")
    await ha.choose_radio(CUSTOM_HOST_LABEL)
    await ha.submit()
    await ha.expect_text(ha.vocu("config", "step", "custom_host", "title"))
    await ha.fill("base_url", emulator_url)
    await ha.submit()
    await ha.expect_text(ha.vocu("config", "error", "invalid_auth"), ha.dialog())
    await ha.expect_text(key_title, ha.dialog())
    await expect(ha.page.locator("input[name='api_key']")).to_be_visible()
    await ha.shot("invalid-key")

    # The right key goes on; the URL typed before is offered again.
    await ha.fill("api_key", seed.PAID_TOKEN)
    await ha.choose_radio(CUSTOM_HOST_LABEL)
    await ha.submit()
    await expect(ha.page.locator("input[name='base_url']")).to_have_value(emulator_url)
    await ha.submit()

    await ha.expect_text(ha.vocu("config", "step", "voice", "title"))
    listed = await ha.open_dropdown(ha.vocu("config", "step", "voice", "data", "voice"))
    result.voices_listed = _voice_names(listed)
    if sorted(result.voices_listed) != sorted(USABLE_VOICES):
        raise AssertionError(f"voice dropdown lists {listed}, expected {USABLE_VOICES}")
    await ha.shot("voice-dropdown")
    await ha.pick_open_option("Alice")
    await ha.submit()

    # Alice has two styles, so the style step follows the chosen voice.
    await ha.expect_text(ha.vocu("config", "step", "style", "title"))
    await ha.expect_text(
        ha.vocu("config", "step", "style", "description").format(voice="Alice"), ha.dialog()
    )
    style_label = ha.vocu("config", "step", "style", "data", "style")
    result.styles_listed = await ha.open_dropdown(style_label)
    if "Cheerful" not in result.styles_listed or len(result.styles_listed) != 2:
        raise AssertionError(f"Alice's styles listed as {result.styles_listed}")
    await ha.shot("style-dropdown")
    await ha.pick_open_option("Cheerful")
    await ha.submit()

    # Created: HA offers to name the new device (the account holder's name from the service).
    await expect(ha.dialog().get_by_role("textbox").first).to_have_value(seed.PAID_NAME)
    await ha.shot("entry-created")
    await ha.button(ha.ui("ui.panel.config.integrations.config_flow.finish_skip")).click()


async def _credits(ha: HaPages) -> None:
    await ha.open_first_device("vocu")
    await ha.expect_text(ha.vocu("entity", "sensor", "credits", "name"))
    await ha.expect_text(BALANCE)
    await ha.shot("device-credits")


async def _options(ha: HaPages, result: WalkthroughResult) -> None:
    await ha.open_options("vocu")
    await ha.expect_text(ha.vocu("options", "step", "init", "title"), ha.dialog())
    voice_label = ha.vocu("options", "step", "init", "data", "voice")
    listed = _voice_names(await ha.open_dropdown(voice_label))
    if sorted(listed) != sorted(USABLE_VOICES):
        raise AssertionError(f"options voice dropdown lists {listed}")
    await ha.pick_open_option("Bob")
    await ha.submit()
    await ha.expect_text(ha.vocu("options", "step", "settings", "title").format(voice="Bob"))
    # Bob has only his original recording: Alice's "Cheerful" must not follow him here.
    style_label = ha.vocu("options", "step", "settings", "data", "style")
    result.styles_after_voice_change = await ha.open_dropdown(style_label)
    if "Cheerful" in result.styles_after_voice_change:
        raise AssertionError(f"Bob's styles listed as {result.styles_after_voice_change}")
    await ha.pick_open_option(result.styles_after_voice_change[0])
    await ha.shot("options-settings")
    await ha.submit()
    await ha.expect_text(ha.ui("ui.dialogs.options_flow.success.description"), ha.dialog())
    await ha.shot("options-saved")
    await ha.button(ha.ui("ui.panel.config.integrations.config_flow.finish")).click()


async def _speak(ha: HaPages, result: WalkthroughResult) -> None:
    # Entity names follow the server's language (HassProcess.language), not the user's.
    names = {
        ha.vocu("entity", "tts", "tts", "name"),
        vocu_strings("en")["entity"]["tts"]["tts"]["name"],
    }
    await ha.open_tts_media_source(re.compile("|".join(map(re.escape, sorted(names)))))
    # The panel preselects the entity's default voice: Bob since the options change.
    bob = ha.page.get_by_text("Bob", exact=True).filter(visible=True)
    await expect(bob.first).to_be_visible()
    async with ha.page.expect_response(
        lambda r: "/api/tts_proxy/" in r.url and r.request.resource_type == "media"
    ) as audio_response:
        await ha.say(SENTENCES[ha.language])
    response: Response = await audio_response.value
    if response.status not in (200, 206):
        raise AssertionError(f"the audio element got HTTP {response.status}")
    if not (response.headers.get("content-type") or "").startswith("audio/mpeg"):
        raise AssertionError(f"the audio element got {response.headers.get('content-type')}")
    audio = await response.body()
    result.mp3_bytes = len(audio)
    result.mp3_seconds = mutagen.mp3.MP3(io.BytesIO(audio)).info.length
    if result.mp3_seconds < 0.5:
        raise AssertionError(f"the MP3 lasts {result.mp3_seconds:.2f} s")
    await ha.page.wait_for_timeout(1500)  # let the player bar show the playing item
    await ha.shot("media-browser-say")


async def _add_profile(ha: HaPages, name: str, voice: str) -> None:
    """The entry's "Add voice profile" button: name and voice, then the settings as offered."""
    await ha.open_integration("vocu")
    await ha.button(ha.vocu("config_subentries", "profile", "initiate_flow", "user")).click()
    await ha.expect_text(
        ha.vocu("config_subentries", "profile", "step", "voice", "title"), ha.dialog()
    )
    await ha.fill("name", name)
    await ha.open_dropdown(
        ha.vocu("config_subentries", "profile", "step", "voice", "data", "voice")
    )
    await ha.pick_open_option(voice)
    await ha.submit()
    title = ha.vocu("config_subentries", "profile", "step", "settings", "title").format(voice=voice)
    await ha.expect_text(title, ha.dialog())
    await ha.submit()
    await ha.button(ha.ui("ui.panel.config.integrations.config_flow.finish")).click()


async def _profiles_in_assist(ha: HaPages, result: WalkthroughResult) -> None:
    profiles = PROFILES[ha.language]
    for name, voice in profiles:
        await _add_profile(ha, name, voice)
    await ha.open_assist_pipeline(ASSIST_PIPELINE)
    engine_label = ha.ui(
        "ui.panel.config.voice_assistants.assistants.pipeline.detail.form.tts_engine"
    )
    result.engines_listed = await ha.open_dropdown(engine_label)
    for name, _voice in profiles:
        if not any(name in label for label in result.engines_listed):
            raise AssertionError(f"the engine list {result.engines_listed} lacks {name!r}")
    await ha.shot("assist-engines")


async def run_walkthrough(out_dir: Path, language: str, emulator_url: str) -> WalkthroughResult:
    await asyncio.to_thread(out_dir.mkdir, parents=True, exist_ok=True)
    result = WalkthroughResult(language=language)
    with tempfile.TemporaryDirectory(prefix="vocu-walkthrough-") as tmp:
        hass = HassProcess(
            Path(tmp) / "config",
            with_frontend=True,
            log_level="debug",
            language=language,
            extra_components=("assist_pipeline",),
        )
        await hass.start()
        try:
            async with chromium_context(
                Path(tmp) / "profile", locale=BROWSER_LOCALES[language]
            ) as context:
                page = context.pages[0] if context.pages else await context.new_page()
                ha = HaPages(page, hass.url, language, out_dir)
                try:
                    await ha.onboard("Ada", "ada", "vocu-walkthrough")
                    await _config_flow(ha, emulator_url, result)
                    await _credits(ha)
                    await _options(ha, result)
                    await _speak(ha, result)
                    await _profiles_in_assist(ha, result)
                except BaseException:
                    with contextlib.suppress(Exception):
                        await page.screenshot(path=str(out_dir / "failure.png"))
                    raise
        finally:
            await hass.stop()
        log = hass.log_path.read_text(errors="replace")
        if seed.PAID_TOKEN in log:
            raise AssertionError("the API key appears in Home Assistant's log")
    result.screenshots = [path.name for path in ha.saved]
    return result


async def _main(args: argparse.Namespace) -> None:
    for language in args.language:
        out = args.out / language if len(args.language) > 1 else args.out
        if args.emulator_url:
            result = await run_walkthrough(out, language, args.emulator_url)
        else:
            async with running_emulator() as emulator_url:
                result = await run_walkthrough(out, language, emulator_url)
        print(json.dumps(asdict(result), ensure_ascii=False), flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for the screenshots")
    parser.add_argument("--language", nargs="+", choices=sorted(BROWSER_LOCALES), default=["en"])
    parser.add_argument("--emulator-url", help="a running emulator (default: start one)")
    asyncio.run(_main(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
