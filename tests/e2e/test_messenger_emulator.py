"""The Graph API emulator answers as Meta does, so the Messenger tests can trust it: checked with
the bot's own GraphClient, and its simulated people's webhooks with a tiny server that checks
Meta's signature."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.channels.messenger.graph import (
    BadToken,
    GraphClient,
    GraphError,
    GraphUnavailable,
    OutsideWindow,
    Throttled,
    Unreachable,
)
from bot.sandbox.messenger import GraphApiEmulator, SimulatedMessengerPerson
from tests.conftest import FakeClock

PAGE_TOKEN, APP_SECRET, VERIFY_TOKEN = "page-token", "app-secret", "verify-token"
Json = dict[str, Any]


@pytest.fixture
async def graph(clock: FakeClock) -> AsyncIterator[GraphApiEmulator]:
    async with GraphApiEmulator(PAGE_TOKEN, APP_SECRET, clock) as emulator:
        yield emulator


@pytest.fixture
async def client(graph: GraphApiEmulator) -> AsyncIterator[GraphClient]:
    client = GraphClient(graph.url, PAGE_TOKEN, timeout=2)
    await client.start()
    yield client
    await client.close()


@pytest.fixture
def anna(graph: GraphApiEmulator) -> SimulatedMessengerPerson:
    return graph.person("7001", "Anna", "Hansen")


@dataclass
class Webhook:
    """A bot's webhook in miniature: Meta's handshake, the signature checked on the raw body,
    each event recorded, and `answer` run while the POST waits (as the bot handles first)."""

    statuses: list[int] = field(default_factory=list)  # answered first, then 200
    events: list[Json] = field(default_factory=list)
    answer: Callable[[Json], Awaitable[None]] | None = None
    url: str = ""

    async def verify(self, request: web.Request) -> web.Response:
        if request.query.get("hub.verify_token") != VERIFY_TOKEN:
            return web.Response(status=403)
        return web.Response(text=request.query["hub.challenge"])

    async def receive(self, request: web.Request) -> web.Response:
        raw = await request.read()
        expected = "sha256=" + hmac.new(APP_SECRET.encode(), raw, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(request.headers.get("X-Hub-Signature-256", ""), expected):
            return web.Response(status=403)
        if self.statuses:
            return web.Response(status=self.statuses.pop(0))
        for entry in json.loads(raw)["entry"]:
            for event in entry["messaging"]:
                self.events.append(event)
                if self.answer is not None:
                    await self.answer(event)
        return web.Response(text="EVENT_RECEIVED")


@pytest.fixture
async def webhook(graph: GraphApiEmulator) -> AsyncIterator[Webhook]:
    hook = Webhook()
    app = web.Application()
    app.router.add_get("/messenger/webhook", hook.verify)
    app.router.add_post("/messenger/webhook", hook.receive)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    hook.url = f"http://127.0.0.1:{runner.addresses[0][1]}/messenger/webhook"
    assert await graph.subscribe(hook.url, VERIFY_TOKEN)
    yield hook
    await runner.cleanup()


def _code(error: pytest.ExceptionInfo[GraphError]) -> tuple[int | None, int | None]:
    return error.value.code, error.value.subcode


async def test_a_wrong_token_is_refused_with_code_190(graph: GraphApiEmulator) -> None:
    wrong = GraphClient(graph.url, "not-the-token", timeout=2)
    await wrong.start()
    try:
        with pytest.raises(BadToken) as refused:
            await wrong.page()
    finally:
        await wrong.close()

    assert _code(refused) == (190, None)


async def test_the_page_and_a_persons_profile(
    client: GraphClient, anna: SimulatedMessengerPerson
) -> None:
    assert await client.page() == {"id": "1000", "name": "Bolden", "username": "boldenfredericia"}
    assert await client.profile("7001") == {
        "id": "7001", "first_name": "Anna", "last_name": "Hansen", "locale": "da_DK",
    }  # fmt: skip

    with pytest.raises(GraphError) as refused:
        await client.profile("404")
    assert _code(refused) == (100, 33)


async def test_texts_choices_and_buttons_arrive_as_sent(
    graph: GraphApiEmulator, client: GraphClient, anna: SimulatedMessengerPerson, webhook: Webhook
) -> None:
    await anna.send("Hej")
    quick = [{"content_type": "text", "title": f"Valg {n}", "payload": f"t|{n}"} for n in range(13)]
    buttons = [
        {"type": "postback", "title": "Ja", "payload": "c|1|x:yes"},
        {"type": "web_url", "title": "Læs mere", "url": "https://example.org/a"},
    ]

    mid = await client.send("7001", {"text": "æ" * 2000, "quick_replies": quick})
    template = {"template_type": "button", "text": "Kommer du?", "buttons": buttons}
    await client.send("7001", {"attachment": {"type": "template", "payload": template}}, "UPDATE")
    await client.action("7001", "typing_on")

    first, second = anna.messages
    assert (first.mid, first.text, len(first.quick_replies)) == (mid, "æ" * 2000, 13)
    assert (second.text, second.messaging_type, second.labels) == (
        "Kommer du?", "UPDATE", ["Ja", "Læs mere"],
    )  # fmt: skip
    assert graph.actions["7001"] == ["typing_on"]


def _template(buttons: list[Json], text: str = "Vælg") -> Json:
    payload = {"template_type": "button", "text": text, "buttons": buttons}
    return {"attachment": {"type": "template", "payload": payload}}


_YES = {"type": "postback", "title": "Ja", "payload": "c|1|x"}


@pytest.mark.parametrize(
    ("message", "complaint"),
    [
        ({"text": "x" * 2001}, "message[text] must be at most 2000"),
        ({"text": ""}, "message[text] must be a non-empty"),
        ({"text": "x", "attachment": {}}, "exactly one of text and attachment"),
        ({"text": "x", "buttons": []}, "unknown fields ['buttons']"),
        (
            {
                "text": "x",
                "quick_replies": [{"content_type": "text", "title": "t", "payload": "p"}] * 14,
            },
            "1 to 13 items",
        ),
        (
            {
                "text": "x",
                "quick_replies": [{"content_type": "text", "title": "t" * 21, "payload": "p"}],
            },
            "[quick_replies][0][title] must be at most 20",
        ),
        (
            {
                "text": "x",
                "quick_replies": [{"content_type": "text", "title": "t", "payload": "p" * 1001}],
            },
            "[payload] must be at most 1000",
        ),
        (_template([_YES] * 4), "1 to 3 buttons"),
        (_template([]), "1 to 3 buttons"),
        (_template([_YES], "x" * 641), "payload[text] must be at most 640"),
        (_template([{**_YES, "title": "x" * 21}]), "[buttons][0][title] must be at most 20"),
        (_template([{"type": "web_url", "title": "a", "url": "ftp://x"}]), "http(s) URL"),
        (
            _template([{"type": "phone_number", "title": "a", "payload": "1"}]),
            "postback or web_url",
        ),
        ({"attachment": {"type": "template", "payload": {"template_type": "generic"}}}, "button"),
        ({"attachment": {"type": "sticker", "payload": {"url": "http://x/y"}}}, "must be template"),
        ({"attachment": {"type": "image", "payload": {}}}, "exactly one of url and attachment_id"),
        ({"attachment": {"type": "image", "payload": {"attachment_id": "9"}}}, "No attachment"),
    ],
)
async def test_broken_limits_are_refused_with_code_100_and_a_clear_message(
    client: GraphClient,
    anna: SimulatedMessengerPerson,
    webhook: Webhook,
    message: Json,
    complaint: str,
) -> None:
    await anna.send("Hej")

    with pytest.raises(GraphError) as refused:
        await client.send("7001", message)

    assert refused.value.code == 100
    assert complaint in refused.value.message
    assert anna.messages == []


async def test_messaging_types_tags_and_recipients_are_checked(
    client: GraphClient, anna: SimulatedMessengerPerson, webhook: Webhook
) -> None:
    await anna.send("Hej")

    with pytest.raises(GraphError, match="tag must be one of"):
        await client.send("7001", {"text": "x"}, "MESSAGE_TAG")
    with pytest.raises(GraphError, match="tag must be one of"):
        await client.send("7001", {"text": "x"}, "MESSAGE_TAG", tag="NEWSLETTER")
    with pytest.raises(GraphError, match="messaging_type must be one of"):
        await client.send("7001", {"text": "x"}, "PROMOTION")
    with pytest.raises(GraphError, match="only allowed with messaging_type MESSAGE_TAG"):
        await client.send("7001", {"text": "x"}, "RESPONSE", tag="ACCOUNT_UPDATE")
    with pytest.raises(GraphError, match="sender_action must be one of"):
        await client.action("7001", "dance")
    with pytest.raises(GraphError) as unknown:
        await client.send("9999", {"text": "x"})
    assert _code(unknown) == (100, 2018001)


async def test_the_window_closes_24_hours_after_the_persons_last_message(
    client: GraphClient, anna: SimulatedMessengerPerson, clock: FakeClock, webhook: Webhook
) -> None:
    with pytest.raises(OutsideWindow) as never_wrote:
        await client.send("7001", {"text": "Hej"})
    assert _code(never_wrote) == (10, 2018278)

    await anna.send("Hej")
    clock.advance(hours=23, minutes=59)
    await client.send("7001", {"text": "Svar"}, "RESPONSE")
    clock.advance(minutes=2)

    with pytest.raises(OutsideWindow):
        await client.send("7001", {"text": "Nyhedsbrev"}, "UPDATE")
    with pytest.raises(OutsideWindow):
        await client.action("7001", "typing_on")
    await client.send("7001", {"text": "Påmindelse"}, "MESSAGE_TAG", "CONFIRMED_EVENT_UPDATE")
    await client.send("7001", {"text": "Din bold"}, "MESSAGE_TAG", "ACCOUNT_UPDATE")
    await client.send("7001", {"text": "Karim her"}, "MESSAGE_TAG", "HUMAN_AGENT")
    clock.advance(days=7)
    with pytest.raises(OutsideWindow):
        await client.send("7001", {"text": "Karim igen"}, "MESSAGE_TAG", "HUMAN_AGENT")

    await anna.send("Hej igen")
    await client.send("7001", {"text": "Velkommen tilbage"}, "RESPONSE")
    assert [m.tag for m in anna.messages] == [
        None, "CONFIRMED_EVENT_UPDATE", "ACCOUNT_UPDATE", "HUMAN_AGENT", None,
    ]  # fmt: skip


async def test_a_person_who_blocked_the_page_cannot_be_reached(
    client: GraphClient, anna: SimulatedMessengerPerson, webhook: Webhook
) -> None:
    await anna.send("Hej")
    anna.block()

    with pytest.raises(Unreachable) as refused:
        await client.send("7001", {"text": "x"}, "MESSAGE_TAG", "ACCOUNT_UPDATE")

    assert _code(refused) == (551, 1545041)
    anna.unblock()
    await client.send("7001", {"text": "x"})
    assert len(anna.messages) == 1


async def test_an_upload_is_sent_by_its_id_and_a_url_by_its_file(
    graph: GraphApiEmulator, client: GraphClient, anna: SimulatedMessengerPerson, webhook: Webhook
) -> None:
    await anna.send("Hej")

    attachment_id = await client.upload("file", b"a;b\r\n", "liste.csv", "text/csv")
    await client.send(
        "7001", {"attachment": {"type": "file", "payload": {"attachment_id": attachment_id}}}
    )
    url = graph.keep_file("kort.png", b"\x89PNG", "image/png")
    await client.send("7001", {"attachment": {"type": "image", "payload": {"url": url}}})

    upload, linked = anna.messages
    assert (upload.attachment_type, upload.attachment, upload.attachment_name) == (
        "file", b"a;b\r\n", "liste.csv",
    )  # fmt: skip
    assert (linked.attachment_type, linked.attachment) == ("image", b"\x89PNG")
    assert await client.download(url) == (b"\x89PNG", "image/png")
    with pytest.raises(GraphError) as unfetched:
        await client.send(
            "7001",
            {"attachment": {"type": "image", "payload": {"url": f"{graph.root}/files/gone.png"}}},
        )
    assert _code(unfetched) == (100, 2018008)

    form = aiohttp.FormData()
    form.add_field("message", json.dumps({"attachment": {"type": "image", "payload": {}}}))
    form.add_field("filedata", io.BytesIO(b"x" * (25 * 1024 * 1024 + 1)), filename="big.jpg")
    address = f"{graph.url}/me/message_attachments?access_token={PAGE_TOKEN}"
    async with aiohttp.ClientSession() as session, session.post(address, data=form) as answer:
        refused = await answer.json()
    assert (answer.status, refused["error"]["code"]) == (400, 100)
    assert "larger than 25 MB" in refused["error"]["message"]


async def test_the_messenger_profile_is_checked_and_kept(
    graph: GraphApiEmulator, client: GraphClient
) -> None:
    menu = [
        {
            "locale": "default",
            "call_to_actions": [{"type": "postback", "title": "Hjælp", "payload": "m|/help"}],
        }
    ]

    with pytest.raises(GraphError, match="needs a Get Started button"):
        await client.set_profile({"persistent_menu": menu})
    with pytest.raises(GraphError, match="locale default"):
        await client.set_profile({"greeting": [{"locale": "da_DK", "text": "Hej"}]})
    too_many = [{"locale": "default", "call_to_actions": menu[0]["call_to_actions"] * 21}]
    with pytest.raises(GraphError, match="1 to 20 items"):
        await client.set_profile(
            {"get_started": {"payload": "GET_STARTED"}, "persistent_menu": too_many}
        )
    with pytest.raises(GraphError, match="greeting\\[text\\] must be at most 160"):
        await client.set_profile({"greeting": [{"locale": "default", "text": "x" * 161}]})

    await client.set_profile({"get_started": {"payload": "GET_STARTED"}, "persistent_menu": menu})
    await client.set_profile(
        {"greeting": [{"locale": "default", "text": "Hej {{user_first_name}}"}]}
    )
    assert graph.profile == {
        "get_started": {"payload": "GET_STARTED"},
        "persistent_menu": menu,
        "greeting": [{"locale": "default", "text": "Hej {{user_first_name}}"}],
    }


async def test_faults_fail_throttle_and_hang_as_meta_does(
    graph: GraphApiEmulator, client: GraphClient, anna: SimulatedMessengerPerson, webhook: Webhook
) -> None:
    await anna.send("Hej")

    graph.fail(503)
    with pytest.raises(GraphUnavailable):
        await client.send("7001", {"text": "a"})
    graph.fail(400, code=4)
    with pytest.raises(Throttled):
        await client.send("7001", {"text": "b"})
    fault = graph.throttle(60)
    with pytest.raises(Throttled) as throttled:
        await client.send("7001", {"text": "c"})
    assert "exceeded the rate limit" in throttled.value.message
    assert await client.page(), "a fault hits the Send API unless told otherwise"
    graph.heal(fault)
    graph.fail(500, endpoint="page")
    with pytest.raises(GraphUnavailable):
        await client.page()
    graph.hang()
    with pytest.raises(GraphUnavailable) as hung:
        await client.send("7001", {"text": "d"})

    assert hung.value.left
    assert [m.text for m in anna.messages] == ["d"], "only the hung message arrived"
    assert [code for _, code, _ in graph.refusals] == [2, 4, 613, 2]


async def test_webhooks_are_signed_and_carry_metas_event_shapes(
    graph: GraphApiEmulator, client: GraphClient, anna: SimulatedMessengerPerson, webhook: Webhook
) -> None:
    async def reply(event: Json) -> None:
        quick = [{"content_type": "text", "title": "Ja tak", "payload": "t|ja"}]
        await client.send("7001", {"text": "Vil du?", "quick_replies": quick})

    webhook.answer = reply
    await client.set_profile({"get_started": {"payload": "GET_STARTED"}})

    first = await anna.open_link("invite-42")
    with pytest.raises(AssertionError, match="no quick reply 'Nej'"):
        await anna.tap("Nej")
    webhook.answer = None
    tapped = await anna.tap("Ja tak")
    with pytest.raises(AssertionError, match="no quick replies"):
        await anna.tap("Ja tak")
    await anna.open_link("event-7")
    await anna.send_photo(b"\xff\xd8\xff jpeg")

    started, quick_reply, referral, photo = webhook.events
    assert ([m.text for m in first], tapped) == (["Vil du?"], [])
    assert started["sender"] == {"id": "7001"}
    assert started["recipient"] == {"id": "1000"}
    assert started["postback"]["payload"] == "GET_STARTED"
    assert started["postback"]["referral"] == {
        "ref": "invite-42",
        "source": "SHORTLINK",
        "type": "OPEN_THREAD",
    }
    assert quick_reply["message"]["quick_reply"] == {"payload": "t|ja"}
    assert quick_reply["message"]["text"] == "Ja tak"
    assert referral["referral"]["ref"] == "event-7"
    [image] = photo["message"]["attachments"]
    assert image["type"] == "image"
    assert await client.download(image["payload"]["url"]) == (b"\xff\xd8\xff jpeg", "image/jpeg")
    assert len({e.get("message", e.get("postback", {})).get("mid") for e in webhook.events}) == 4


async def test_buttons_stay_pressable_and_the_menu_posts_back(
    client: GraphClient, anna: SimulatedMessengerPerson, webhook: Webhook
) -> None:
    menu = [
        {
            "locale": "default",
            "call_to_actions": [{"type": "postback", "title": "Hjælp", "payload": "m|/help"}],
        }
    ]
    await client.set_profile({"get_started": {"payload": "GET_STARTED"}, "persistent_menu": menu})
    await anna.get_started()
    await client.send("7001", _template([_YES]))
    await client.send("7001", {"text": "Nyere"})

    await anna.press(anna.messages[0], "Ja")
    await anna.menu("Hjælp")

    presses = [event["postback"] for event in webhook.events]
    assert [(p["title"], p["payload"]) for p in presses] == [
        ("Kom i gang", "GET_STARTED"), ("Ja", "c|1|x"), ("Hjælp", "m|/help"),
    ]  # fmt: skip


async def test_a_refused_delivery_is_tried_again_and_repeats_and_forgeries_reach_the_bot(
    graph: GraphApiEmulator, anna: SimulatedMessengerPerson, webhook: Webhook
) -> None:
    webhook.statuses = [500, 502]

    await anna.send("Hej")
    assert [status for _, status in graph.webhook_posts] == [500, 502, 200]
    assert await anna.repeat() == 200
    assert [e["message"]["text"] for e in webhook.events] == ["Hej", "Hej"]
    assert webhook.events[0]["message"]["mid"] == webhook.events[1]["message"]["mid"]

    body = graph.body(anna.message_event("Falsk"))
    assert await graph.post_raw(body, None) == 403
    assert await graph.post_raw(body, "sha256=" + "0" * 64) == 403
    assert await graph.post_raw(body.replace(b"Falsk", b"Fupah"), graph.sign(body)) == 403
    assert await graph.post_raw(body, graph.sign(body)) == 200


async def test_a_batch_carries_several_peoples_events_in_one_post(
    graph: GraphApiEmulator, anna: SimulatedMessengerPerson, webhook: Webhook
) -> None:
    bo = graph.person("7002", "Bø")

    await graph.deliver(anna.message_event("Én"), bo.message_event("Tø/Tre"))

    assert len(graph.webhook_posts) == 1
    assert [(e["sender"]["id"], e["message"]["text"]) for e in webhook.events] == [
        ("7001", "Én"), ("7002", "Tø/Tre"),
    ]  # fmt: skip
    assert bo.wrote is not None, "each sender's window opened"


async def test_the_handshake_fails_with_a_wrong_verify_token(
    graph: GraphApiEmulator, webhook: Webhook
) -> None:
    assert not await graph.subscribe(webhook.url, "wrong")
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{graph.root}/files/none") as answer,
    ):
        assert answer.status == 404
