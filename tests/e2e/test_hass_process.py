"""A real `hass` process with the component installed, configured over REST against the emulator."""

from __future__ import annotations

import io
from pathlib import Path

import aiohttp
import mutagen.mp3
import pytest
from vocu_devtools.hass_runner import HassProcess
from vocu_emulator import seed

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SENTENCE = "Good evening. The front door is open and the kettle has boiled."


async def test_real_hass_speaks_through_the_integration(vocu_emulator, tmp_path: Path) -> None:
    # As the demo runs it (frontend included), so its log is the one a newcomer sees.
    hass = HassProcess(tmp_path / "config", with_frontend=True, log_level="debug")
    await hass.start()
    try:
        async with aiohttp.ClientSession() as session:
            await hass.onboard(session)
            answers = {
                "user": {"provider": "vocu"},
                "credentials": {"api_key": seed.PAID_TOKEN, "host": "custom"},
                "custom_host": {"base_url": vocu_emulator.base_url},
                "voice": {"voice": seed.ALICE_ID},
                "style": {"style": seed.CHEERFUL_STYLE_ID},
            }
            shown_steps: list[str] = []

            def answer(step):
                shown_steps.append(step["step_id"])
                return answers[step["step_id"]]

            entry = await hass.run_config_flow(session, "vocu", answer)
            assert shown_steps == ["user", "credentials", "custom_host", "voice", "style"]
            assert entry["result"]["domain"] == "vocu"

            [engine] = await hass.entity_ids(session, "tts")
            url = await hass.tts_url(session, engine, SENTENCE)
            assert url.startswith(hass.url + "/api/tts_proxy/")
            assert seed.PAID_TOKEN not in url

            async with session.get(url) as resp:
                assert resp.status == 200
                audio = await resp.read()
            seconds = mutagen.mp3.MP3(io.BytesIO(audio)).info.length
            # espeak speaks roughly 12-18 characters a second; a sentence this long is seconds long.
            assert 2.0 < seconds < 15.0

            synth = [r for r in vocu_emulator.requests if "simple-generate" in r.path]
            assert synth, "Home Assistant never asked the voice service"
            assert all(r.headers.get("Authorization") != f"Bearer {seed.PAID_TOKEN}" for r in synth)

            sensors = await hass.entity_ids(session, "sensor")
            credit_sensors = [s for s in sensors if s.endswith("_credits")]
            assert credit_sensors, sensors
            state = await hass.state(session, credit_sensors[0])
            account = vocu_emulator.state.account(seed.PAID_TOKEN)
            assert float(state["state"]) == pytest.approx(
                account.credit + account.bonus_credit, abs=len(SENTENCE) + 1
            )
            # What this announcement cost, as Vocu reported it (one credit a character here).
            [used_today] = [s for s in sensors if s.endswith("_credits_used_today")]
            spoken = sum(len((r.json or {}).get("text") or r.query.get("text", "")) for r in synth)
            assert float((await hass.state(session, used_today))["state"]) == spoken
    finally:
        await hass.stop()
    log = hass.log_path.read_text()
    assert (
        "custom_components.vocu" in log
    )  # debug logging was on, so the check below means something
    assert seed.PAID_TOKEN not in log
    # A clean start: no FFmpeg missing, no base component failing (each would be a notification).
    errors = [line for line in log.splitlines() if " ERROR " in line]
    assert errors == []
