"""Redirects keep the key only within trusted hosts; a host map reaches built-in hosts offline.

The emulator's `redirect=other` reading answers 301 from 127.0.0.1 to `localhost` (the same socket
under another name) and from `v1.vocu.ai` to `v1.vocu.studio`, as a server move would.
"""

from __future__ import annotations

from typing import Any

import pytest
from vocu_client import SynthesisOptions
from vocu_client.errors import VoiceServiceError
from vocu_client.hosts import HostPolicy
from vocu_emulator import seed

from .conftest import ClientFactory, requests_to


def localhost(emulator: Any) -> str:
    return emulator.base_url.replace("127.0.0.1", "localhost")


async def test_redirect_to_an_untrusted_host_is_not_followed(
    vocu_emulator: Any, make_client: ClientFactory
) -> None:
    vocu_emulator.set_readings(redirect="other")
    client = make_client()
    with pytest.raises(VoiceServiceError, match="not trusted") as caught:
        await client.get_account()
    assert caught.value.status == 301
    assert len(requests_to(vocu_emulator, "/api/account/info")) == 1  # refused, not retried


async def test_redirect_within_trusted_hosts_keeps_the_key(
    vocu_emulator: Any, make_client: ClientFactory
) -> None:
    vocu_emulator.set_readings(redirect="other")
    client = make_client(trusted_hosts=[localhost(vocu_emulator)])
    account = await client.get_account()
    assert account.user_id
    hosts = [r.headers.get("Host", "") for r in requests_to(vocu_emulator, "/api/account/info")]
    assert hosts[0].startswith("127.0.0.1") and hosts[1].startswith("localhost")


async def test_redirected_billed_post_is_sent_again_as_a_post_and_billed_once(
    vocu_emulator: Any, make_client: ClientFactory
) -> None:
    vocu_emulator.set_readings(redirect="other")
    before = vocu_emulator.state.account(seed.PAID_TOKEN).balance
    client = make_client(trusted_hosts=[localhost(vocu_emulator)])
    text = "Bonjour tout le monde."
    audio = await client.synthesize(text, seed.ALICE_ID, SynthesisOptions(language="fr-fr"))
    assert audio[:3] == b"ID3" or audio[0] == 0xFF
    posts = requests_to(vocu_emulator, "/api/tts/simple-generate", "POST")
    assert len(posts) == 2 and posts[1].json["text"] == text
    assert vocu_emulator.state.account(seed.PAID_TOKEN).balance == before - len(text)


async def test_host_map_reaches_a_built_in_host_and_follows_its_move(
    vocu_emulator: Any, make_client: ClientFactory
) -> None:
    """What Home Assistant's tests do through hass.data["vocu_host_map"]."""
    vocu_emulator.set_readings(redirect="other")
    host_map = {"v1.vocu.ai": vocu_emulator.base_url, "v1.vocu.studio": vocu_emulator.base_url}
    client = make_client(base_url="https://v1.vocu.ai", host_map=host_map)
    voices = await client.list_voices()
    assert voices
    hosts = [r.headers.get("Host") for r in requests_to(vocu_emulator, "/api/voice")]
    assert hosts == ["v1.vocu.ai", "v1.vocu.studio"]
    job = await client.create_job("Hi.", seed.ALICE_ID)
    done = await client.wait_for_job(job.id, timeout=30, initial_interval=0.05)
    assert done.audio_url
    assert (await client.download(done.audio_url))[:3]  # the signed URL is reachable too


async def test_wusound_does_not_trust_vocu_hosts(vocu_emulator: Any, make_client: Any) -> None:
    vocu_emulator.set_readings(redirect="other")
    host_map = {"v1.vocu.ai": vocu_emulator.base_url, "v1.wusound.cn": vocu_emulator.base_url}
    client = make_client(base_url="https://v1.wusound.cn", host_map=host_map)
    await client.list_voices()  # wusound is served where it is
    # A wusound key never follows a redirect to a Vocu host unless that host is mapped/trusted.
    policy = HostPolicy("https://v1.wusound.cn")
    assert not policy.trusts("https://v1.vocu.ai/x", coming_from="https://v1.wusound.cn/x")


def test_host_policy_rules() -> None:
    policy = HostPolicy(
        "https://v1.vocu.ai", trusted_hosts=["v1.vocu.studio", "http://127.0.0.1:9"]
    )
    came = "https://v1.vocu.ai/api/voice"
    assert policy.trusts("https://v1.vocu.studio/api/voice", coming_from=came)
    assert policy.trusts("https://V1.VOCU.AI:443/api", coming_from=came)
    assert not policy.trusts("http://v1.vocu.studio/api/voice", coming_from=came)  # downgrade
    assert not policy.trusts("https://v1.wusound.cn/api/voice", coming_from=came)
    assert not policy.trusts("https://evil.example/api", coming_from=came)
    assert policy.trusts("http://127.0.0.1:9/a", coming_from="http://127.0.0.1:9/b")
    assert not policy.trusts("http://127.0.0.1:10/a", coming_from="http://127.0.0.1:9/b")
    mapped = HostPolicy("https://noiz.ai/v1", host_map={"noiz.ai": "http://127.0.0.1:9/noiz"})
    assert mapped.route("https://noiz.ai/v1/voices?skip=1") == (
        "http://127.0.0.1:9/noiz/v1/voices?skip=1",
        {"Host": "noiz.ai"},
    )
    assert mapped.route("https://other.example/x") == ("https://other.example/x", {})
