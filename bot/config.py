"""Settings from the environment (and `.env`), validated once at start-up and passed down."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

TOKEN_PATTERN = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{30,}$")
LANGUAGES = ("da", "en")
DEFAULT_CONTENT = Path(__file__).parent / "content" / "fredericia.toml"


class ConfigError(Exception):
    """A setting is wrong; the message is one line that names the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="BOLDEN_", env_file=".env", extra="ignore", frozen=True
    )

    token: SecretStr | None = None
    api_base_url: str = "https://api.telegram.org"
    # A SQLite file (the default), or a postgresql:// URL for several processes on one server.
    database: Path | str = Path("bolden.sqlite3")
    coordinators: Annotated[frozenset[int], NoDecode] = Field(default_factory=frozenset)
    timezone: str = "Europe/Copenhagen"
    language: str = "da"
    content: Path = DEFAULT_CONTENT
    # Seconds a write waits for another process's lock on the database (a backup, a script).
    database_busy_timeout: float = Field(default=5.0, gt=0, le=600)
    # Ambassadors are asked once a year whether they want to stay; no answer makes them passive.
    reconfirm_after_days: int = Field(default=365, ge=1, le=3650)
    reconfirm_grace_days: int = Field(default=30, ge=1, le=365)
    # At most this many bolde per person per hour; an open bold unchanged this long is reported.
    bolde_per_hour: int = Field(default=5, ge=1, le=100)
    bold_stale_days: int = Field(default=7, ge=1, le=365)
    # The outbox sends at most this many messages a second (Telegram allows about 30), and at
    # most one a second to one chat; a broadcast's progress message is edited this often.
    delivery_rate: float = Field(default=30, gt=0, le=1000)
    delivery_chat_interval: float = Field(default=1.0, ge=0, le=60)
    progress_every: float = Field(default=3.0, ge=0.1, le=600)
    # Seconds the outbox waits for Telegram's (and Meta's) answer; a send that times out may
    # have arrived.
    delivery_timeout: float = Field(default=5.0, gt=0, le=120)
    # Newsletters by e-mail: off while no SMTP host is set.
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_tls: Literal["starttls", "ssl", "none"] = "starttls"
    smtp_sender: str | None = None
    # The web server in the bot's process: public pages, the coordinators' dashboard, the
    # webhook and health. Port 0 takes a free port (the sandbox and the tests).
    web_host: str = "127.0.0.1"
    web_port: int = Field(default=8080, ge=0, le=65535)
    # The site's root address, where people reach the web server (behind a proxy, https);
    # links in e-mails, QR codes, the calendar feed and the dashboard button use it. Unset: the
    # origin of BOLDEN_WEBHOOK_URL if set, else the server's own address on this machine.
    public_url: str | None = None
    # Set: Telegram sends updates to this https address (on this web server) instead of polling.
    webhook_url: str | None = None
    # Facebook Messenger as a second channel: all three secrets, or none (Messenger off).
    messenger_page_token: SecretStr | None = None
    messenger_app_secret: SecretStr | None = None
    messenger_verify_token: SecretStr | None = None
    messenger_api_base_url: str = "https://graph.facebook.com/v25.0"
    # Messages per second to Messenger (Meta's pace is its own, not Telegram's).
    messenger_rate: float = Field(default=20, gt=0, le=1000)
    # Days a broadcast, newsletter or call waits for a Messenger person to write again.
    messenger_hold_days: int = Field(default=7, ge=1, le=60)

    @model_validator(mode="after")
    def _smtp_sender(self) -> Settings:
        if self.smtp_host and not (self.smtp_sender and "@" in self.smtp_sender):
            raise ValueError(
                "BOLDEN_SMTP_SENDER must be an e-mail address when BOLDEN_SMTP_HOST is set"
            )
        return self

    @model_validator(mode="after")
    def _messenger(self) -> Settings:
        given = [
            self.messenger_page_token,
            self.messenger_app_secret,
            self.messenger_verify_token,
        ]
        if any(given) and not all(given):
            raise ValueError(
                "BOLDEN_MESSENGER_PAGE_TOKEN, BOLDEN_MESSENGER_APP_SECRET and "
                "BOLDEN_MESSENGER_VERIFY_TOKEN are set together, or none of them"
            )
        return self

    @property
    def messenger(self) -> bool:
        return self.messenger_page_token is not None

    @field_validator(
        "messenger_page_token", "messenger_app_secret", "messenger_verify_token", mode="before"
    )
    @classmethod
    def _secret(cls, value: object) -> object:
        return None if value in (None, "") else value

    @field_validator("database", mode="before")
    @classmethod
    def _database(cls, value: object) -> object:
        """A postgresql:// URL stays a string (with a database named); anything else is a file
        path."""
        if isinstance(value, str) and re.match(r"^[a-z][a-z0-9+.-]*://", value.strip()):
            url = value.strip()
            parts = urlsplit(url)
            if parts.scheme not in ("postgresql", "postgres"):
                raise ValueError(
                    "must be a file path, or a URL such as postgresql://bolden@db/bolden"
                )
            if parts.path in ("", "/"):
                raise ValueError("must name a database: postgresql://user@host/name")
            try:
                parts.port  # noqa: B018 - reading it checks it
            except ValueError:
                raise ValueError("has a port that is not a number") from None
            return url
        return Path(value) if isinstance(value, str) else value

    @field_validator("token", mode="before")
    @classmethod
    def _token(cls, value: object) -> object:
        if value in (None, ""):
            return None
        if not isinstance(value, str) or not TOKEN_PATTERN.match(value.strip()):
            raise ValueError("is not a bot token of the form 123456789:ABC... from @BotFather")
        return value.strip()

    @field_validator("api_base_url", "messenger_api_base_url")
    @classmethod
    def _api_base_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("must be an http(s) URL such as https://api.telegram.org")
        return value.rstrip("/")

    @field_validator("public_url", "webhook_url", mode="before")
    @classmethod
    def _web_url(cls, value: object) -> object:
        if value in (None, ""):
            return None
        if not isinstance(value, str) or not re.match(r"^https?://[^\s/]+", value.strip()):
            raise ValueError("must be an http(s) URL such as https://bolden.fredericia.dk")
        return value.strip().rstrip("/")

    @field_validator("public_url")
    @classmethod
    def _site_root(cls, value: str | None) -> str | None:
        # Pages link from the root (/events, /static/...): under a path they would break.
        parts = urlsplit(value or "")
        if parts.path or parts.query or parts.fragment:
            raise ValueError(
                "must be the site's root address, such as https://bolden.fredericia.dk, "
                "without a path, query or fragment"
            )
        if parts.hostname in ("0.0.0.0", "::"):
            raise ValueError("must be an address people can reach, not every address 0.0.0.0")
        return value

    @field_validator("coordinators", mode="before")
    @classmethod
    def _coordinators(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        parts = [part.strip() for part in value.split(",") if part.strip()]
        bad = [part for part in parts if not re.fullmatch(r"-?\d+", part)]
        if bad:
            raise ValueError(f"must be Telegram user ids separated by commas, not {bad[0]!r}")
        return frozenset(int(part) for part in parts)

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"{value!r} is not a known time zone such as Europe/Copenhagen"
            ) from None
        return value

    @field_validator("language")
    @classmethod
    def _language(cls, value: str) -> str:
        if value not in LANGUAGES:
            raise ValueError(f"must be one of {', '.join(LANGUAGES)}")
        return value

    @field_validator("content")
    @classmethod
    def _content(cls, value: Path) -> Path:
        if not value.is_file():
            raise ValueError(f"no strategy file at {value}")
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def public_origin(self) -> str | None:
        """Where people reach the web pages: BOLDEN_PUBLIC_URL, else the origin of
        BOLDEN_WEBHOOK_URL (Telegram reaches this server there, so people can too); None
        leaves it to the server's own address."""
        if self.public_url or not self.webhook_url:
            return self.public_url
        parts = urlsplit(self.webhook_url)
        return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning pydantic's report into one line that names the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        message = str(first["msg"]).removeprefix("Value error, ")
        if not first["loc"]:  # a rule across variables names them itself
            raise ConfigError(message) from None
        raise ConfigError(f"BOLDEN_{str(first['loc'][0]).upper()} {message}") from None
