"""Settings from the environment: defaults, parsing, and one-line errors that name the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import DEFAULT_CONTENT, ConfigError, load_settings


def test_defaults_follow_the_design() -> None:
    settings = load_settings()

    assert settings.token is None
    assert settings.api_base_url == "https://api.telegram.org"
    assert settings.database == Path("bolden.sqlite3")
    assert settings.coordinators == frozenset()
    assert settings.timezone == "Europe/Copenhagen"
    assert settings.language == "da"
    assert settings.content == DEFAULT_CONTENT


def test_values_come_from_the_environment_and_a_dotenv_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text("BOLDEN_LANGUAGE=en\nBOLDEN_TIMEZONE=UTC\n")
    monkeypatch.setenv("BOLDEN_COORDINATORS", " 12, 34 ,")
    monkeypatch.setenv("BOLDEN_TOKEN", "123456:ABCdefGHIjklMNOpqrSTUvwxYZ0123456789")
    monkeypatch.setenv("BOLDEN_API_BASE_URL", "http://127.0.0.1:8081/")

    settings = load_settings()

    assert settings.language == "en"
    assert settings.timezone == "UTC"
    assert settings.coordinators == frozenset({12, 34})
    assert settings.api_base_url == "http://127.0.0.1:8081"
    assert settings.token is not None
    assert "ABCdef" not in repr(settings), "the token is a secret in every repr"


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("TOKEN", "12345", "BOLDEN_TOKEN is not a bot token"),
        ("TOKEN", "abc:ABCdefGHIjklMNOpqrSTUvwxYZ0123456789", "BOLDEN_TOKEN is not a bot token"),
        (
            "COORDINATORS",
            "1;2",
            "BOLDEN_COORDINATORS must be Telegram user ids separated by commas",
        ),
        ("TIMEZONE", "Europe/Fredericia", "BOLDEN_TIMEZONE 'Europe/Fredericia' is not a known"),
        ("LANGUAGE", "sv", "BOLDEN_LANGUAGE must be one of da, en"),
        ("CONTENT", "/nowhere/strategy.toml", "BOLDEN_CONTENT no strategy file at /nowhere"),
        ("API_BASE_URL", "api.telegram.org", "BOLDEN_API_BASE_URL must be an http(s) URL"),
        ("RECONFIRM_AFTER_DAYS", "soon", "BOLDEN_RECONFIRM_AFTER_DAYS Input should be a valid"),
        ("RECONFIRM_GRACE_DAYS", "0", "BOLDEN_RECONFIRM_GRACE_DAYS Input should be greater"),
        ("DATABASE", "mysql://db/bolden", "BOLDEN_DATABASE must be a file path, or a URL such"),
        ("DATABASE", "postgresql://bolden:pw@db", "BOLDEN_DATABASE must name a database"),
    ],
)
def test_bad_values_give_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    monkeypatch.setenv(f"BOLDEN_{variable}", value)

    with pytest.raises(ConfigError) as raised:
        load_settings()

    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    "value",
    ["https://fredericia.dk/bolden", "https://bolden.fredericia.dk/?a=1", "https://x.dk#top"],
)
def test_a_public_url_must_be_the_sites_root(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("BOLDEN_PUBLIC_URL", value)

    with pytest.raises(ConfigError) as raised:
        load_settings()

    assert str(raised.value).startswith(
        "BOLDEN_PUBLIC_URL must be the site's root address, such as https://bolden.fredericia.dk"
    )
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    ("public", "webhook", "origin"),
    [
        ("https://bolden.fredericia.dk/", None, "https://bolden.fredericia.dk"),
        (
            None,
            "https://bolden.fredericia.dk:8443/telegram/hook",
            "https://bolden.fredericia.dk:8443",
        ),
        ("https://bolden.dk", "https://hook.example/telegram", "https://bolden.dk"),
        (None, None, None),
    ],
)
def test_the_public_address_defaults_to_the_webhooks_origin(
    public: str | None, webhook: str | None, origin: str | None
) -> None:
    settings = load_settings(public_url=public, webhook_url=webhook)

    assert settings.public_origin == origin


def test_a_public_url_on_every_address_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOLDEN_PUBLIC_URL", "http://0.0.0.0:8080")

    with pytest.raises(ConfigError) as raised:
        load_settings()

    assert str(raised.value) == (
        "BOLDEN_PUBLIC_URL must be an address people can reach, not every address 0.0.0.0"
    )


def test_a_database_is_a_file_or_a_postgresql_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOLDEN_DATABASE", "data/bolden.sqlite3")
    assert load_settings().database == Path("data/bolden.sqlite3")
    monkeypatch.setenv("BOLDEN_DATABASE", " postgresql://bolden:secret@db:5432/bolden ")
    assert load_settings().database == "postgresql://bolden:secret@db:5432/bolden"
