"""The strategy file: the shipped one carries the seeds' facts; another one loads as well."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.config import DEFAULT_CONTENT, ConfigError
from bot.i18n import load_catalogs
from bot.strategy import load_strategy
from tests.conftest import DATA


def test_the_shipped_strategy_has_the_facts_of_the_seeds() -> None:
    strategy = load_strategy(DEFAULT_CONTENT)

    assert strategy.strategy.name.get("da") == "Strategi for Udsathed"
    assert len(strategy.themes) == 12
    assert [area.code for area in strategy.core_areas] == [
        "bolig",
        "beskaeftigelse",
        "lighed_i_sundhed",
    ]
    assert [kind.code for kind in strategy.ambassador_kinds] == [
        "citizen", "volunteer", "association", "business", "municipal_staff", "politician", "other",
    ]  # fmt: skip
    assert [kind.code for kind in strategy.ambassador_kinds if kind.organisation] == [
        "association",
        "business",
    ]
    [period] = strategy.targets
    assert (period.from_year, period.to_year) == (2019, 2020), "the 2019-2020 goals"
    assert [(g.year, g.count) for g in period.ambassadors] == [(2019, 50), (2020, 70)]
    assert (period.citizen_share, period.activities) == (0.20, 30)
    assert strategy.target_period(2026) is None, "the seeds set no goals after 2020"
    for theme in strategy.themes:
        assert all((theme.title.da, theme.title.en, theme.description.da, theme.description.en))
    assert [c.code for c in strategy.categories if c.urgent] == ["sleeping_rough"]
    assert strategy.event_kinds[0].title.en == "Large open meeting"
    english = re.findall(r'\ben = "([^"]*)"', DEFAULT_CONTENT.read_text())
    assert [title for title in english if re.search("[æøåÆØÅ]", title)] == [], "no Danish"
    assert strategy.contact.phone, "a way in without Telegram"
    assert [line.phone for line in strategy.emergency] == [
        "+45 70 11 07 07",
        "+45 70 201 201",
        "114",
    ]


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_shipped_emergency_lines_say_each_number_once(language: str) -> None:
    """The bot's own line says 112; each line of the file says its number after its title."""
    strategy = load_strategy(DEFAULT_CONTENT)
    header = load_catalogs()[language].texts["bold.emergency"]
    lines = [f"{line.title.get(language)}: {line.phone}" for line in strategy.emergency]
    block = "\n".join([header, *lines])

    for number in ["112", *(line.phone for line in strategy.emergency)]:
        assert block.count(number) == 1, number


def test_another_strategy_file_loads_without_code_changes() -> None:
    strategy = load_strategy(DATA / "other_strategy.toml")

    assert strategy.strategy.municipality == "Eksempelby Kommune"
    assert [theme.code for theme in strategy.themes] == ["neighbours", "jobs", "youth"]
    assert strategy.core_areas == []
    assert [(p.from_year, p.to_year) for p in strategy.targets] == [(2026, 2027), (2028, 2028)]
    assert strategy.target_period(2027) is strategy.targets[0]
    assert strategy.targets[1].activities is None
    assert strategy.contact.email == "faellesskab@eksempelby.example"
    assert (strategy.categories, strategy.emergency) == ([], []), "both are optional"
    assert strategy.controller.name == "Eksempelby Kommune"
    assert strategy.controller.dpo is None, "a data protection officer is optional"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('code = "sport"', 'code = "whole_person"'), "codes must be unique, 'whole_person'"),
        (('code = "sport"', 'code = "Sport Now"'), "themes.2.code: String should match pattern"),
        (("citizen_share = 0.20", "citizen_share = 2"), "targets.0.citizen_share"),
        (("to_year = 2020", "to_year = 2018"), "to_year comes before from_year"),
        (("year = 2020, count", "year = 2021, count"), "inside the period"),
        (("year = 2020, count", "year = 2019, count"), "different years, in order"),
        (
            ("citizen_share = 0.20\nactivities = 30\nambassadors = [", "ambassadors = []\n#"),
            "a period needs at least one goal",
        ),
        (
            (
                "[[targets]]\n",
                "[[targets]]\nfrom_year = 2020\nto_year = 2021\nactivities = 1\n\n[[targets]]\n",
            ),
            "target periods must be in order and must not overlap",
        ),
        (("[contact]", "[contacts]"), "contact: Field required"),
        (("[controller]", "[controllers]"), "controller: Field required"),
        (('address = "Gothersgade 20, 7000 Fredericia"', ""), "controller.address: Field"),
        (('website = "https://www.fredericia.dk"', 'website = "fredericia"'), "contact.website"),
        (('code = "debt"', 'code = "loneliness"'), "codes must be unique, 'loneliness'"),
        (('phone = "114"', 'phone = "call the police"'), "emergency.2.phone"),
        (
            ('"Politiet, når det ikke haster"', '"Politiet, når det ikke haster: ring 114"'),
            "emergency.2: the title repeats the phone number",
        ),
    ],
)
def test_a_wrong_file_is_refused_with_the_place_and_problem(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    text = DEFAULT_CONTENT.read_text(encoding="utf-8")
    assert change[0] in text
    broken = tmp_path / "strategy.toml"
    broken.write_text(text.replace(change[0], change[1], 1), encoding="utf-8")

    with pytest.raises(ConfigError) as raised:
        load_strategy(broken)

    assert str(raised.value).startswith("BOLDEN_CONTENT strategy.toml: ")
    assert message in str(raised.value)


def test_a_file_that_is_not_toml_is_refused(tmp_path: Path) -> None:
    broken = tmp_path / "strategy.toml"
    broken.write_text("[strategy\n", encoding="utf-8")

    with pytest.raises(ConfigError, match="BOLDEN_CONTENT is not valid TOML"):
        load_strategy(broken)
