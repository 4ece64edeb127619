"""Telegram's HTML made safe for a page: only the allowed tags survive, links only to the web or
an e-mail address, no attribute but a link's address, every tag closed, lines as paragraphs."""

from __future__ import annotations

import pytest

from bot.sanitise import plain_text, sanitised


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("<script>alert(1)</script>Hej", "<p>alert(1)Hej</p>"),
        ("<img src=x onerror=alert(1)>", ""),
        ('<b onclick="steal()" style="color:red">fed</b>', "<p><b>fed</b></p>"),
        ('<a href="javascript:alert(1)">klik</a>', "<p>klik</p>"),
        ('<a href=" JaVa\tScRiPt:alert(1)">klik</a>', "<p>klik</p>"),
        ('<a href="&#106;avascript:alert(1)">klik</a>', "<p>klik</p>"),
        ('<a href="data:text/html,<script>x</script>">klik</a>', "<p>klik</p>"),
        ('<a href="tg://user?id=42">Anna</a>', "<p>Anna</p>"),
        ("<a>uden adresse</a>", "<p>uden adresse</p>"),
        ('<a href="/relative">her</a>', "<p>her</p>"),
        ("<i>åben <b>og åben", "<p><i>åben <b>og åben</b></i></p>"),
        ("</b>uden start<b>", "<p>uden start</p>"),
        ("<b><i>kryds</b> efter</i>", "<p><b><i>kryds</i></b> efter</p>"),
        ('&lt;script&gt; &amp; "citat"', '<p>&lt;script&gt; &amp; "citat"</p>'),
        ("<b", "<p>&lt;b</p>"),
        ('<div class="x"><iframe src="https://evil.example"></iframe>tekst</div>', "<p>tekst</p>"),
        (
            '<span class="tg-spoiler">skjult</span> <tg-emoji emoji-id="1">🙂</tg-emoji>',
            "<p>skjult 🙂</p>",
        ),
        ("", ""),
        ("\n \n", ""),
    ],
)
def test_hostile_or_unknown_markup_becomes_harmless_text(written: str, shown: str) -> None:
    assert sanitised(written) == shown


def test_links_to_the_web_and_to_e_mail_keep_their_address_and_say_no_follow() -> None:
    html = sanitised(
        '<a href="https://fredericia.dk/?a=1&amp;b=&quot;2&quot;">side</a> '
        '<a href="mailto:bolden@fredericia.dk">skriv</a>'
    )
    assert html == (
        '<p><a href="https://fredericia.dk/?a=1&amp;b=&quot;2&quot;" rel="nofollow noopener">'
        "side</a>"
        ' <a href="mailto:bolden@fredericia.dk" rel="nofollow noopener">skriv</a></p>'
    )


def test_telegrams_formatting_is_kept_in_its_plain_web_form() -> None:
    written = "<strong>a</strong><em>b</em><u>c</u><ins>d</ins><s>e</s><del>f</del><code>g</code>"
    assert sanitised(written) == (
        "<p><strong>a</strong><em>b</em><u>cd</u><s>ef</s><code>g</code></p>"
    )


def test_a_blank_line_starts_a_paragraph_and_one_line_end_is_a_break() -> None:
    written = "Kære alle\n\nVi ses <b>fredag\nkl. 18</b>.\n\n\n<b>Mvh\n\nKarim</b>\n"
    assert sanitised(written) == (
        "<p>Kære alle</p>\n"
        "<p>Vi ses <b>fredag<br>\nkl. 18</b>.</p>\n"
        "<p><b>Mvh</b></p>\n"
        "<p><b>Karim</b></p>"
    )


def test_quotes_and_code_blocks_stay_blocks_and_code_keeps_its_lines() -> None:
    written = (
        "Før<blockquote expandable>citat\n\nanden del</blockquote>"
        '<pre><code class="language-python">x = 1\n\n<b>y</b> = 2</code></pre>efter'
    )
    assert sanitised(written) == (
        "<p>Før</p>\n"
        "<blockquote><p>citat</p>\n<p>anden del</p></blockquote>\n"
        "<pre><code>x = 1\n\n<b>y</b> = 2</code></pre>\n"
        "<p>efter</p>"
    )


def test_the_plain_text_of_any_markup_keeps_its_words_and_paragraphs() -> None:
    written = "<b>Kære alle</b>\n\n\n<script>x</script>Vi ses<img src=x>\n"
    written += "<blockquote>citat</blockquote><i"
    assert plain_text(written) == "Kære alle\n\nxVi ses\n\ncitat\n\n<i"


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        (
            "Læs mere på https://www.fredericia.dk/udsat.",
            '<p>Læs mere på <a href="https://www.fredericia.dk/udsat" rel="nofollow noopener">'
            "https://www.fredericia.dk/udsat</a>.</p>",
        ),
        (
            "(se http://a.example/x_(y)) og <b>https://b.example/?a=1&b=2</b>, tak",
            '<p>(se <a href="http://a.example/x_(y)" rel="nofollow noopener">'
            "http://a.example/x_(y)</a>) og <b>"
            '<a href="https://b.example/?a=1&amp;b=2" rel="nofollow noopener">'
            "https://b.example/?a=1&amp;b=2</a></b>, tak</p>",
        ),
        (
            '<a href="https://a.example">https://a.example</a>',
            '<p><a href="https://a.example" rel="nofollow noopener">https://a.example</a></p>',
        ),
        ("<code>https://a.example</code>", "<p><code>https://a.example</code></p>"),
        ("<pre>https://a.example</pre>", "<pre>https://a.example</pre>"),
        (
            'https://a.example/"onmouseover=x',
            '<p><a href="https://a.example/" rel="nofollow noopener">https://a.example/</a>'
            '"onmouseover=x</p>',
        ),
        (
            "javascript:alert(1) ftp://a.example www.a.example",
            "<p>javascript:alert(1) ftp://a.example www.a.example</p>",
        ),
    ],
)
def test_a_plain_web_address_becomes_a_link_as_in_telegram_but_never_inside_one(
    written: str, shown: str
) -> None:
    assert sanitised(written) == shown
