"""Driving Home Assistant's own frontend the way a person does: by visible labels.

Home Assistant's chrome (buttons such as "Submit" or "Add integration") is looked up in the
installed frontend's own translation files and the Vocu texts in the integration's translations, so
one walkthrough runs in every language both ship. Playwright's CSS and text selectors pierce the
open shadow roots of HA's web components.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import hass_frontend
from playwright.async_api import Locator, Page, expect
from playwright.async_api import TimeoutError as PlaywrightTimeout

COMPONENT_TRANSLATIONS = Path(__file__).resolve().parent.parent / (
    "custom_components/vocu/translations"
)
FRONTEND_TRANSLATIONS = Path(hass_frontend.where()) / "static" / "translations"
TTS_MEDIA_SOURCE_TITLE = "Text-to-speech"
WAIT_MS = 60_000  # a cold hass answers its first websocket calls slowly on a busy machine


@cache
def frontend_strings(language: str) -> Mapping[str, str]:
    """Every UI string of the installed frontend in `language` (flat keys, as it ships them)."""
    strings: dict[str, str] = {}
    # Fragments are named `<language>-<hash>.json`; `en-GB-…` must not count as `en`.
    pattern = re.compile(rf"^{re.escape(language)}-[0-9a-f]{{8,}}\.json$")
    for path in sorted(FRONTEND_TRANSLATIONS.rglob("*.json")):
        if pattern.match(path.name):
            strings.update(json.loads(path.read_text(encoding="utf-8")))
    if not strings:
        raise LookupError(f"the installed frontend has no {language!r} translation")
    return strings


@cache
def vocu_strings(language: str) -> Mapping[str, Any]:
    return json.loads((COMPONENT_TRANSLATIONS / f"{language}.json").read_text(encoding="utf-8"))


class HaPages:
    """One browser page on one Home Assistant, in one language, saving numbered screenshots."""

    def __init__(self, page: Page, base_url: str, language: str, shots: Path) -> None:
        self.page = page
        self.base_url = base_url.rstrip("/")
        self.language = language
        self.shots = shots
        self.saved: list[Path] = []
        self._pending_config_handled = False
        page.set_default_timeout(WAIT_MS)
        expect.set_options(timeout=WAIT_MS)

    # --- texts ----------------------------------------------------------------------------------

    def ui(self, key: str) -> str:
        """A frontend string such as `ui.common.submit`, in this page's language."""
        return frontend_strings(self.language)[key]

    def vocu(self, *path: str) -> str:
        """A string of the Vocu integration, e.g. `vocu("config", "step", "voice", "title")`."""
        node: Any = vocu_strings(self.language)
        for part in path:
            node = node[part]
        return node

    # --- generic actions ------------------------------------------------------------------------

    async def shot(self, name: str) -> Path:
        path = self.shots / f"{len(self.saved) + 1:02d}-{name}.png"
        await self.page.screenshot(path=str(path))
        self.saved.append(path)
        return path

    async def goto(self, path: str) -> None:
        await self.page.goto(f"{self.base_url}{path}")

    def button(self, label: str) -> Locator:
        return self.page.get_by_role("button", name=label, exact=True)

    def dialog(self) -> Locator:
        return self.page.locator("dialog-data-entry-flow")

    async def expect_text(self, text: str | re.Pattern[str], scope: Locator | None = None) -> None:
        await expect((scope or self.page).get_by_text(text).first).to_be_visible()

    async def fill(self, field: str, value: str) -> None:
        """Type into the form field whose schema key is `field` (HA names inputs after keys)."""
        await self.page.locator(f"input[name='{field}'], textarea[name='{field}']").first.fill(
            value
        )

    async def choose_radio(self, label: str) -> None:
        await self.page.get_by_role("radio", name=label, exact=True).check()

    async def open_dropdown(self, label: str) -> list[str]:
        """Open the select labelled `label` and return its options' visible texts, in order."""
        await self.page.locator(f"ha-picker-field[aria-label='{label}']").click()
        items = self.page.locator("ha-dropdown[open] ha-dropdown-item")
        await expect(items.first).to_be_visible()
        return [text.strip() for text in await items.all_inner_texts()]

    async def pick_open_option(self, text: str) -> None:
        await self.page.locator("ha-dropdown[open] ha-dropdown-item", has_text=text).click()

    async def submit(self) -> None:
        await self.dialog().get_by_role("button", name=self.ui("ui.common.submit")).click()

    async def dismiss_pending_http_config(self) -> None:
        """HA asks to confirm the http: settings of configuration.yaml once; a person confirms.

        The dialog opens whenever the frontend gets to it (late on a loaded machine), so a locator
        handler confirms it before any action it would block, instead of a one-off wait.
        """
        if self._pending_config_handled:
            return
        self._pending_config_handled = True
        confirm = self.page.locator("dialog-http-pending-config").get_by_role(
            "button", name=self.ui("ui.dialogs.http_pending_config.confirm")
        )

        async def confirm_it(button: Locator) -> None:
            with contextlib.suppress(PlaywrightTimeout):
                await button.click(timeout=5_000)

        # The handler fires when the button shows (the dialog's host element has no box of its own).
        await self.page.add_locator_handler(confirm, confirm_it)

    # --- onboarding -----------------------------------------------------------------------------

    async def onboard(self, name: str, username: str, password: str) -> None:
        """Create the owner and click through analytics with its defaults."""
        await self.goto("/")
        await self.button(self.ui("ui.panel.page-onboarding.welcome.start")).click()
        await self.expect_text(self.ui("ui.panel.page-onboarding.user.header"))
        await self.fill("name", name)
        await self.fill("username", username)
        await self.fill("password", password)
        await self.fill("password_confirm", password)
        await self.shot("onboarding-user")
        await self.button(self.ui("ui.panel.page-onboarding.user.create_account")).click()
        # No location step: HassProcess marks it done (configuration.yaml sets all of it).
        await self.expect_text(self.ui("ui.panel.page-onboarding.analytics.header"))
        await self.button(self.ui("ui.panel.page-onboarding.next")).click()
        await self.button(self.ui("ui.panel.page-onboarding.finish")).click()
        await self.page.wait_for_url(re.compile(r"^(?!.*onboarding).*$"))
        await expect(self.page.locator("home-assistant")).to_be_attached()

    # --- integrations ---------------------------------------------------------------------------

    async def start_config_flow(self, integration_name: str) -> None:
        """Settings → Devices & services → Add integration → search → pick `integration_name`."""
        await self.goto("/config/integrations/dashboard")
        await self.dismiss_pending_http_config()
        await self.button(self.ui("ui.panel.config.integrations.add_integration")).click()
        await self.page.locator("ha-integration-list-item").first.wait_for()
        await self.page.keyboard.type(integration_name)
        await self.page.locator("ha-integration-list-item", has_text=integration_name).click()

    async def close_flow_dialog(self) -> None:
        await self.dialog().get_by_role("button", name=self.ui("ui.common.close")).first.click()

    async def open_integration(self, domain: str) -> None:
        await self.goto(f"/config/integrations/integration/{domain}")
        await self.dismiss_pending_http_config()

    async def open_first_device(self, domain: str) -> None:
        await self.open_integration(domain)
        await self.page.locator("a[href*='/config/devices/device/']").first.click()
        await self.page.wait_for_url(re.compile(r"/config/devices/device/"))

    async def open_options(self, domain: str) -> None:
        """The cog of the integration's (single) entry opens its options flow."""
        await self.open_integration(domain)
        await self.button(self.ui("ui.panel.config.integrations.config_entry.configure")).click()

    # --- voice assistants -----------------------------------------------------------------------

    async def open_assist_pipeline(self, name: str) -> None:
        """Settings → Voice assistants → the assistant `name`: its edit dialog."""
        await self.goto("/config/voice-assistants/assistants")
        await self.dismiss_pending_http_config()
        # A list item, not the same words in the sidebar's title.
        await self.page.get_by_role("listitem").filter(has_text=name).first.click()
        await expect(self.pipeline_dialog().locator("ha-tts-picker")).to_be_visible()

    def pipeline_dialog(self) -> Locator:
        return self.page.locator("dialog-voice-assistant-pipeline-detail")

    # --- media browser --------------------------------------------------------------------------

    async def open_tts_media_source(self, entity_name: str | re.Pattern[str]) -> None:
        """Media → Text-to-speech → the TTS entity named `entity_name`."""
        await self.goto("/media-browser/browser")
        # Media source titles come from the backend in English, whatever the user's language.
        await self.page.locator(".title", has_text=TTS_MEDIA_SOURCE_TITLE).first.click()
        await self.page.locator(".child .title", has_text=entity_name).first.click()
        await expect(self.page.locator("textarea")).to_be_visible()

    async def say(self, message: str) -> None:
        await self.page.locator("textarea").fill(message)
        await self.button(self.ui("ui.components.media-browser.tts.action_play")).click()
