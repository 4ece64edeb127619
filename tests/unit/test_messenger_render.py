"""Screens as Messenger shows them: plain text, links, templates, quick replies and pages."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.channels.messenger import payloads
from bot.channels.messenger.render import buttons_of, change, page_of, render, title
from bot.channels.screen import Screen
from bot.i18n import Translator, load_catalogs

CATALOGS = load_catalogs()
DA = Translator("da", CATALOGS["da"])
EN = Translator("en", CATALOGS["en"])


def inline(*labels: str) -> dict[str, Any]:
    return {
        "inline_keyboard": [[{"text": label, "callback_data": f"f:{label}"}] for label in labels]
    }


def template(message: dict[str, Any]) -> dict[str, Any]:
    payload: dict[str, Any] = message["attachment"]["payload"]
    assert payload["template_type"] == "button"
    return payload


def test_html_becomes_plain_text_with_a_link_as_a_button() -> None:
    screen = Screen('<b>Hej</b> <i>du</i>. Læs <a href="https://x.dk/a">mere</a> &amp; svar.')
    [message] = render(screen, 7, DA)
    shown = template(message)
    assert shown["text"] == "Hej du. Læs mere & svar."
    assert shown["buttons"] == [{"type": "web_url", "url": "https://x.dk/a", "title": "mere"}]


def test_a_quote_stays_readable() -> None:
    [message] = render(Screen("Han skrev:\n<blockquote>Tak\nfor sidst</blockquote>"), 1, DA)
    assert message == {"text": "Han skrev:\n\n│ Tak\n│ for sidst"}


def test_up_to_three_short_actions_make_a_button_template_that_names_the_message() -> None:
    screen = Screen("Kommer du?", buttons_of(inline("Ja", "Nej", "Måske")))
    [message] = render(screen, 42, DA)
    buttons = template(message)["buttons"]
    assert [b["title"] for b in buttons] == ["Ja", "Nej", "Måske"]
    assert buttons[0] == {"type": "postback", "title": "Ja", "payload": payloads.action(42, "f:Ja")}


def test_an_action_and_a_link_in_the_text_share_the_template() -> None:
    screen = Screen('Se <a href="https://x.dk">siden</a>.', buttons_of(inline("OK")))
    buttons = template(render(screen, 3, DA)[0])["buttons"]
    assert [b["type"] for b in buttons] == ["postback", "web_url"]


def test_many_choices_become_quick_replies_and_links_are_written_out() -> None:
    screen = Screen('Vælg et tema. <a href="https://x.dk">Læs</a>', buttons_of(inline(*"ABCDE")))
    [message] = render(screen, 5, DA)
    assert message["text"] == "Vælg et tema. Læs (https://x.dk)"
    assert [q["title"] for q in message["quick_replies"]] == list("ABCDE")
    assert message["quick_replies"][0]["payload"] == payloads.action(5, "f:A")


def test_cut_titles_are_listed_in_full_without_numbers_and_the_payload_keeps_the_action() -> None:
    labels = ["▫️ Fokus på det hele menneske", "▫️ En by for alle", "▫️ Fra udsat til ansat"]
    [message] = render(Screen("Vælg temaer.", buttons_of(inline(*labels, "Næste ▶️"))), 2, DA)
    assert message["text"] == (
        "Vælg temaer.\n\n• ▫️ Fokus på det hele menneske\n• ▫️ Fra udsat til ansat"
    ), "every cut choice can be read whole"
    replies = message["quick_replies"]
    assert [r["title"] for r in replies] == [
        "▫️ Fokus på det…",
        "▫️ En by for alle",
        "▫️ Fra udsat til…",
        "Næste ▶️",
    ], "what fits stays as it is"
    assert all(len(r["title"]) <= 20 for r in replies)
    numbered = re.compile(r"\s*\d")
    lines = message["text"].splitlines()
    assert not any(numbered.match(line) for line in [*lines, *(r["title"] for r in replies)]), (
        "nothing invites a number to be typed: choices are tapped"
    )
    assert replies[0]["payload"] == payloads.action(2, f"f:{labels[0]}")
    assert replies[2]["payload"] == payloads.action(2, f"f:{labels[2]}")


def test_choices_that_fit_are_not_listed() -> None:
    [message] = render(Screen("Vælg", buttons_of(inline(*"ABCD"))), 2, DA)
    assert message["text"] == "Vælg"


def test_a_cut_link_title_in_a_template_is_listed_in_its_text() -> None:
    url = {
        "inline_keyboard": [[{"text": "Læs nyhedsbrevet på hjemmesiden", "url": "https://x.dk"}]]
    }
    shown = template(render(Screen("Nyt brev.", buttons_of(url)), 1, DA)[0])
    assert shown["text"] == "Nyt brev.\n\n• Læs nyhedsbrevet på hjemmesiden"
    assert shown["buttons"][0] == {
        "type": "web_url",
        "url": "https://x.dk",
        "title": "Læs nyhedsbrevet…",
    }


def test_a_template_made_too_long_by_its_list_falls_back_to_text_and_a_short_line() -> None:
    url = {
        "inline_keyboard": [[{"text": "Læs nyhedsbrevet på hjemmesiden", "url": "https://x.dk"}]]
    }
    messages = render(Screen("ord " * 155, buttons_of(url)), 1, DA)
    assert messages[0]["text"].endswith("ord\n\n• Læs nyhedsbrevet på hjemmesiden")
    assert len(("ord " * 155).strip()) <= 640, "the text alone would fit: its list made it too long"
    assert template(messages[-1])["text"] == "Vælg her:"
    assert template(messages[-1])["buttons"][0]["url"] == "https://x.dk"


def test_a_page_lists_only_its_own_cut_choices() -> None:
    labels = [f"Et meget langt valg nummer {n}" for n in range(14)]
    shown = {"text": "Vælg", "reply_markup": inline(*labels)}
    [first] = render(Screen("Vælg", buttons_of(shown["reply_markup"])), 9, DA)
    assert first["text"].splitlines()[1:] == ["", *(f"• {label}" for label in labels[:12])]
    assert first["quick_replies"][-1]["title"] == "Flere ›"
    [second] = render(page_of(shown, 1), 9, DA)
    assert second["text"] == (
        "Flere valg:\n\n• Et meget langt valg nummer 12\n• Et meget langt valg nummer 13"
    )
    assert [(r["title"], r["payload"]) for r in second["quick_replies"]] == [
        (title(labels[12]), payloads.action(9, f"f:{labels[12]}")),
        (title(labels[13]), payloads.action(9, f"f:{labels[13]}")),
    ]


@pytest.mark.parametrize(("count", "shown"), [(13, 13), (14, 12), (30, 12)])
def test_more_than_thirteen_choices_are_paged(count: int, shown: int) -> None:
    labels = [f"Valg {n}" for n in range(count)]
    [message] = render(Screen("Vælg", buttons_of(inline(*labels))), 9, EN)
    replies = message["quick_replies"]
    assert [q["title"] for q in replies[:shown]] == labels[:shown]
    if shown < count:
        assert replies[-1] == {"content_type": "text", "title": "More ›", "payload": "p|9|1"}
    else:
        assert len(replies) == count


def test_the_next_page_shows_the_following_choices_of_the_first_message() -> None:
    labels = [f"Valg {n}" for n in range(30)]
    shown = {"text": "Vælg", "reply_markup": inline(*labels)}
    [second] = render(page_of(shown, 1), 9, DA)
    assert second["text"] == "Flere valg:"
    replies = second["quick_replies"]
    assert replies[0]["payload"] == payloads.action(9, "f:Valg 12")
    assert replies[-1] == {"content_type": "text", "title": "Flere ›", "payload": "p|9|2"}
    [last] = render(page_of(shown, 2), 9, DA)
    assert [q["title"] for q in last["quick_replies"]] == labels[24:]


def test_a_reply_keyboard_types_its_label_and_a_location_button_is_left_out() -> None:
    markup = {"keyboard": [[{"text": "Send sted", "request_location": True}], ["Spring over"]]}
    [message] = render(Screen("Hvor?", buttons_of(markup)), 1, DA)
    assert message["quick_replies"] == [
        {"content_type": "text", "title": "Spring over", "payload": payloads.typed("Spring over")}
    ]


def test_a_long_text_is_split_at_paragraphs_and_the_buttons_go_on_the_last_piece() -> None:
    paragraphs = [f"Afsnit {n}. " + "ord " * 150 for n in range(6)]
    screen = Screen("\n\n".join(paragraphs), buttons_of(inline(*"ABCD")))
    messages = render(screen, 1, DA)
    assert len(messages) > 1
    assert all(len(m["text"]) <= 2000 for m in messages)
    assert all(m["text"].startswith("Afsnit") for m in messages)
    assert "quick_replies" in messages[-1]
    assert not any("quick_replies" in m for m in messages[:-1])
    assert " ".join(m["text"] for m in messages).split() == " ".join(paragraphs).split()


def test_a_long_text_with_only_links_is_followed_by_a_template_with_a_short_line() -> None:
    url = {"inline_keyboard": [[{"text": "Åbn", "url": "https://x.dk"}]]}
    messages = render(Screen("tekst " * 200, buttons_of(url)), 1, DA)
    assert messages[0]["text"].startswith("tekst")
    assert template(messages[-1]) == {
        "template_type": "button",
        "text": "Vælg her:",
        "buttons": [{"type": "web_url", "url": "https://x.dk", "title": "Åbn"}],
    }


def test_url_buttons_with_many_choices_are_written_under_the_text() -> None:
    markup = inline(*"ABCD")
    markup["inline_keyboard"].append([{"text": "Kort", "url": "https://kort.dk"}])
    [message] = render(Screen("Vælg", buttons_of(markup)), 1, DA)
    assert message["text"] == "Vælg\n\nKort: https://kort.dk"
    assert len(message["quick_replies"]) == 4


def test_buttons_without_text_get_a_short_line() -> None:
    [message] = render(Screen("", buttons_of(inline(*"ABCD"))), 1, EN)
    assert message["text"] == "Choose here:"


def test_a_long_title_ends_at_a_whole_word_when_that_loses_little() -> None:
    assert title("Forening eller organisation") == "Forening eller…"
    assert title("✅ Flere ind i fællesskaber") == "✅ Flere ind i fælle…", "a word kept in part"
    assert title("Kommunal medarbejder") == "Kommunal medarbejder", "20 characters fit"
    assert title("Abcdefghijklmnopqrstuvwxyz") == "Abcdefghijklmnopqrs…"


def shown(text: str, *labels: str) -> dict[str, Any]:
    return {"text": text, "reply_markup": inline(*labels) if labels else None}


def test_an_edit_of_only_the_buttons_shows_the_labels_that_changed_with_the_new_buttons() -> None:
    before = shown("🎉 Velkommen. Vælg dine temaer.", "▫️ En by for alle", "▫️ Natur", "Færdig")
    screen = Screen(
        "🎉 Velkommen. Vælg dine temaer.",
        buttons_of(inline("✅ En by for alle", "▫️ Natur", "Færdig")),
    )
    anew = change(before, screen)
    assert anew is not None
    assert anew.text == "✅ En by for alle"
    assert anew.buttons == screen.buttons


def test_an_edit_that_only_takes_the_buttons_away_shows_nothing() -> None:
    assert change(shown("Kommer du?", "Ja", "Nej"), Screen("Kommer du?")) is None


def test_an_edit_that_only_drops_a_button_shows_a_short_line_with_the_rest() -> None:
    anew = change(shown("Kommer du?", "Ja", "Nej"), Screen("Kommer du?", buttons_of(inline("Ja"))))
    assert anew is not None
    [message] = render(anew, 4, DA)
    assert template(message)["text"] == "Vælg her:"


def test_an_edit_that_adds_to_the_end_shows_only_what_was_added_with_its_link() -> None:
    before = shown("✅ Tak! Din bold er modtaget.\nReference: B-2026-0001", "🔔 Få nyhedsbreve")
    screen = Screen(
        '✅ Tak! Din bold er modtaget.\nReference: B-2026-0001\n\n🔔 Du får nu <a href="https://x.dk/n">nyhedsbreve</a>.'
    )
    anew = change(before, screen)
    assert anew is not None
    [message] = render(anew, 4, DA)
    assert template(message)["text"] == "🔔 Du får nu nyhedsbreve."
    assert template(message)["buttons"][0]["url"] == "https://x.dk/n"


def test_a_line_or_two_changed_in_place_are_shown_alone() -> None:
    before = shown("Sådan ser din bold ud:\n💡 Idé\n👤 Netværket ser dit navn.\n\nTryk Send.")
    screen = Screen("Sådan ser din bold ud:\n💡 Idé\n👤 Anonym\n\nTryk Send.")
    anew = change(before, screen)
    assert anew is not None
    assert anew.text == "👤 Anonym"


def test_an_edit_that_changes_most_lines_shows_it_all() -> None:
    screen = Screen("Temaer (side 2 af 3)\nVælg andre.\nTryk.", buttons_of(inline("Næste ▶️")))
    before = shown("Temaer (side 1 af 3)\nVælg.\nTryk igen.", "Næste ▶️")
    assert change(before, screen) == screen


def test_an_edit_that_keeps_the_first_paragraphs_shows_the_rest() -> None:
    before = shown("🎉 Velkommen.\n\nVælg temaer.\n\nTemaer (side 1 af 3)", "Næste ▶️")
    screen = Screen("🎉 Velkommen.\n\nVælg temaer.\n\nTemaer (side 2 af 3)")
    anew = change(before, screen)
    assert anew is not None
    assert anew.text == "Temaer (side 2 af 3)"


def test_nothing_to_show_sends_nothing() -> None:
    assert render(Screen(""), 1, DA) == []


def test_an_edit_of_only_labels_writes_them_in_full_and_lists_the_cut_choices_only_anew() -> None:
    long = "▫️ Fokus på det hele menneske"
    before = shown("Vælg temaer.", long, "▫️ En by for alle", "Færdig")
    toggled = Screen("Vælg temaer.", buttons_of(inline(long, "✅ En by for alle", "Færdig")))
    anew = change(before, toggled)
    assert anew is not None
    [message] = render(anew, 3, DA)
    assert message["text"] == "✅ En by for alle", "the list above still holds"
    assert message["quick_replies"][0]["title"] == "▫️ Fokus på det…"
    toggled = Screen("Vælg temaer.", buttons_of(inline("✅ Fokus på det hele menneske")))
    anew = change(shown("Vælg temaer.", long), toggled)
    assert anew is not None
    [message] = render(anew, 3, DA)
    assert message["text"] == "✅ Fokus på det hele menneske", "the changed label, whole, once"
    assert message["quick_replies"][0]["title"] == "✅ Fokus på det…"
    moved = Screen("Vælg temaer.", buttons_of(inline("✅ Fokus", "▫️ En by for alle", long)))
    anew = change(before, moved)
    assert anew is not None
    [message] = render(anew, 3, DA)
    assert message["text"] == "✅ Fokus\n\n• ▫️ Fokus på det hele menneske", (
        "another choice is cut now: the list is shown anew"
    )
