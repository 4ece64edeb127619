"""The rules of Bolden. Plain data in and out; nothing here imports `telegram`."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass

from bot.channels import Channel
from bot.clock import Clock
from bot.config import Settings
from bot.i18n import Catalog, Translator
from bot.instances import Instance
from bot.services.ambassadors import AmbassadorService
from bot.services.bolde import BoldService
from bot.services.conversations import Conversations
from bot.services.coordinators import CoordinatorService
from bot.services.delivery import DeliveryService
from bot.services.events import EventService
from bot.services.exports import ExportFile, ExportFilter
from bot.services.networks import NetworkService
from bot.services.newsletters import NewsletterService
from bot.services.people import PeopleService
from bot.services.privacy import PrivacyService
from bot.services.targets import TargetService
from bot.strategy import Strategy
from storage.database import Database

# An export: who asks, in which language, filtered how; its files exist while it is open.
Exporter = Callable[[int, Translator, ExportFilter], AbstractAsyncContextManager[list[ExportFile]]]


@dataclass(frozen=True)
class Services:
    """Everything a handler may use, built once at start-up."""

    settings: Settings
    strategy: Strategy
    db: Database
    translators: dict[str, Translator]
    clock: Clock
    people: PeopleService
    ambassadors: AmbassadorService
    coordinators: CoordinatorService
    privacy: PrivacyService
    conversations: Conversations
    networks: NetworkService
    bolde: BoldService
    delivery: DeliveryService
    newsletters: NewsletterService
    events: EventService
    targets: TargetService
    instance: Instance  # this process among those sharing the database

    @classmethod
    def build(
        cls,
        settings: Settings,
        strategy: Strategy,
        db: Database,
        catalogs: dict[str, Catalog],
        clock: Clock,
    ) -> Services:
        conversations = Conversations(db, clock)
        delivery = DeliveryService(db, clock, strategy)
        coordinators = CoordinatorService(db, clock, strategy, settings.coordinators, delivery)
        networks = NetworkService(db, clock, strategy, delivery)
        return cls(
            settings=settings,
            strategy=strategy,
            db=db,
            translators={
                language: Translator(language, catalog, settings.tz)
                for language, catalog in catalogs.items()
            },
            clock=clock,
            people=PeopleService(db, clock, settings.language),
            ambassadors=AmbassadorService(
                db,
                clock,
                strategy,
                settings.reconfirm_after_days,
                settings.reconfirm_grace_days,
                conversations,
                delivery,
            ),
            coordinators=coordinators,
            privacy=PrivacyService(db, clock),
            conversations=conversations,
            networks=networks,
            bolde=BoldService(
                db,
                clock,
                strategy,
                conversations,
                networks,
                coordinators,
                delivery,
                settings.bolde_per_hour,
                settings.tz,
            ),
            delivery=delivery,
            newsletters=NewsletterService(
                db, clock, settings.tz, conversations, delivery, strategy
            ),
            events=EventService(db, clock, strategy, conversations, delivery),
            targets=TargetService(db, clock, settings.tz, strategy, coordinators),
            instance=Instance(db),
        )

    def translator(self, language: str, channel: Channel = Channel.TELEGRAM) -> Translator:
        """The texts in `language` as a person on `channel` reads them."""
        return self.translators[language].on(channel)

    def exporter(self, what: str) -> Exporter | None:
        """What makes the export named `what` (ambassadors, bolde, audit), for /export and the
        dashboard's downloads alike; None for a name that is none of them."""
        return {
            "ambassadors": self.coordinators.export_csv,
            "bolde": self.bolde.export_csv,
            "audit": self.coordinators.audit_csv,
        }.get(what)
