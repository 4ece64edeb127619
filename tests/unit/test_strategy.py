"""The strategy file: the shipped one carries the seeds' facts; another one loads as well."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import DEFAULT_CONTENT, ConfigError
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
    targets = strategy.targets
    assert [(t.year, t.count) for t in targets.ambassadors] == [(2019, 50), (2020, 70)]
    assert targets.citizen_ambassador_share == 0.20
    assert targets.activities is not None
    assert (targets.activities.from_year, targets.activities.to_year) == (2019, 2020)
    assert targets.activities.count == 30
    for theme in strategy.themes:
        assert all((theme.title.da, theme.title.en, theme.description.da, theme.description.en))
    assert [c.code for c in strategy.categories if c.urgent] == ["sleeping_rough"]
    assert strategy.emergency[0].phone == "112"


def test_another_strategy_file_loads_without_code_changes() -> None:
    strategy = load_strategy(DATA / "other_strategy.toml")

    assert strategy.strategy.municipality == "Eksempelby Kommune"
    assert [theme.code for theme in strategy.themes] == ["neighbours", "jobs", "youth"]
    assert strategy.core_areas == []
    assert strategy.targets.activities is None
    assert strategy.contact.email == "faellesskab@eksempelby.example"
    assert (strategy.categories, strategy.emergency) == ([], []), "both are optional"
    assert strategy.controller.name == "Eksempelby Kommune"
    assert strategy.controller.dpo is None, "a data protection officer is optional"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('code = "sport"', 'code = "whole_person"'), "codes must be unique, 'whole_person'"),
        (('code = "sport"', 'code = "Sport Now"'), "themes.2.code: String should match pattern"),
        (
            ("citizen_ambassador_share = 0.20", "citizen_ambassador_share = 2"),
            "less than or equal to 1",
        ),
        (("[contact]", "[contacts]"), "contact: Field required"),
        (("[controller]", "[controllers]"), "controller: Field required"),
        (('address = "Gothersgade 20, 7000 Fredericia"', ""), "controller.address: Field"),
        (('website = "https://www.fredericia.dk"', 'website = "fredericia"'), "contact.website"),
        (('code = "debt"', 'code = "loneliness"'), "codes must be unique, 'loneliness'"),
        (('phone = "114"', 'phone = "call the police"'), "emergency.3.phone"),
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
