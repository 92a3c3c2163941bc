"""Content templates: create, list (newest first), get, replace, delete."""

from __future__ import annotations

import aiohttp
from vocu_emulator import EmulatorHandle
from vocu_emulator.seed import ALICE_ID

from .conftest import auth


async def test_template_crud(vocu_emulator: EmulatorHandle, http: aiohttp.ClientSession) -> None:
    url = vocu_emulator.url("/api/template")
    ids = []
    for name in ("one", "two"):
        body = {"name": name, "description": "d", "contents": [{"voiceId": ALICE_ID, "text": name}]}
        async with http.post(url, json=body, headers=auth()) as resp:
            ids.append((await resp.json())["data"]["id"])
    async with http.get(url, headers=auth()) as resp:
        assert [t["id"] for t in (await resp.json())["data"]] == ids[::-1]
    replacement = {"name": "uno", "description": "", "contents": []}
    async with http.post(f"{url}/{ids[0]}", json=replacement, headers=auth()) as resp:
        assert await resp.json() == {"status": 200}
    async with http.get(f"{url}/{ids[0]}", headers=auth()) as resp:
        assert (await resp.json())["data"]["name"] == "uno"
    async with http.delete(f"{url}/{ids[0]}", headers=auth()) as resp:
        assert resp.status == 200
    async with http.get(f"{url}/{ids[0]}", headers=auth()) as resp:
        assert resp.status == 404
    async with http.post(url, json={"contents": []}, headers=auth()) as resp:
        assert (await resp.json())["code"] == "VALIDATION_MISSING_FIELD"
