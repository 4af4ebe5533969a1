"""The configuration read into ``Settings``: each wrong field named with its dotted path and the
fix, values in the forms a person writes them converted, nothing unknown accepted."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest

from journeys.config import ConfigError, Settings, SettingsError, load_settings, validate_settings


def _load(tmp_path: Path, text: str) -> Settings:
    config = tmp_path / "journeys.yaml"
    config.write_text(text, encoding="utf-8")
    return load_settings(config)


@pytest.mark.parametrize(
    ("text", "field", "expected"),
    [
        ("sessions: {gap_seconds: 5x}\n", "sessions.gap_seconds", "is not a duration"),
        ("sessions: {gap_secs: 30m}\n", "sessions.gap_secs", "no such setting"),
        ("sources: {web: {timezone: Mars/Base}}\n", "sources.web.timezone", "IANA name"),
        ("sources: {support: {timezone: Europe/Berln}}\n", "sources.support.timezone",
         "(did you mean Europe/Berlin?)"),
        ("sources: {web: {format: xlsx}}\n", "sources.web.format", "'xlsx'"),
        ("sources: {web: {column_map: {occurred_at: 5}}}\n", "sources.web.column_map", "`str`"),
        ("sources: {web: {phone_region: XX}}\n", "sources.web.phone_region", "phone region"),
        ("touchpoints: [{source: web, touchpoint: A}, {source: web}]\n", "touchpoints.1",
         "give the touchpoint its events become"),
        ("touchpoints: [{source: web, touchpoint: [A]}]\n", "touchpoints.0.touchpoint",
         "`str | null`"),
        ("drift: {baseline_periods: 0}\n", "drift.baseline_periods", ">= 1"),
        ("drift: {fdr: 1.5}\n", "drift.fdr", "< 1"),
        ("partitions: lots\n", "partitions", "`int`"),
        ("min_support: 2.5\n", "min_support", "`int`"),
        ("journeys: {cutoff: next tuesday}\n", "journeys.cutoff", "ISO-8601"),
        ("customer_value: {default: .inf}\n", "customer_value.default", "positive number"),
        ("customer_value: {default: '0'}\n", "customer_value.default", "positive number"),
        ("exchange_rates: {CHF: 0}\n", "exchange_rates", "positive number"),
        ("currency: euro\n", "currency", "three letters"),
        ("warehouse: [a, b]\n", "warehouse", "path"),
        ("salt: 12345\n", "salt", "`str`"),
        ("colour: blue\n", "colour", "no such setting"),
    ],
)  # fmt: skip
def test_a_wrong_field_is_named_with_its_path_and_the_fix(
    tmp_path: Path, text: str, field: str, expected: str
):
    config = tmp_path / "journeys.yaml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    message = str(caught.value)
    named = f"[config] {config}: field '{field}': "
    assert message.startswith(named) and expected in message, message
    assert message.endswith("; see docs/configuration.md")


def test_values_are_read_in_the_forms_people_write_them(tmp_path: Path):
    settings = _load(
        tmp_path,
        "warehouse: out/wh.duckdb\n"
        "maps: [maps/a.yaml]\n"
        "sessions: {gap_seconds: 45m, max_seconds: '2h', split_by_channel: 'true'}\n"
        "journeys: {horizon_seconds: 14d, start_touchpoints: [Visit], cutoff: '2026-03-31 23:59'}\n"
        "effort: {handoff_sla_seconds: 90s, repeat_window_seconds: 3600}\n"
        "sources: {web: {timezone: Europe/Berlin, phone_region: ' de '}}\n"
        "currency: ' eur '\n"
        "exchange_rates: {chf: 1}\n"
        "partitions: '4'\n",
    )
    assert settings.warehouse == (tmp_path / "out" / "wh.duckdb").resolve()
    assert settings.maps == ((tmp_path / "maps" / "a.yaml").resolve(),)
    assert (settings.sessions.gap_seconds, settings.sessions.max_seconds) == (2700, 7200)
    assert settings.sessions.split_by_channel is True
    assert settings.journeys.horizon_seconds == 14 * 86400
    assert settings.journeys.start_touchpoints == ("Visit",)
    assert settings.journeys.cutoff == datetime(2026, 3, 31, 23, 59)
    assert (settings.effort.handoff_sla_seconds, settings.effort.repeat_window_seconds) == (
        90,
        3600,
    )
    assert settings.source("web").phone_region == "DE" and settings.source("web").timezone == (
        "Europe/Berlin"
    )
    assert settings.source("support") == Settings().source("support")  # not configured: defaults
    assert (settings.currency, settings.exchange_rates, settings.partitions) == (
        "EUR",
        {"CHF": 1.0},
        4,
    )


def test_settings_travel_as_json_and_come_back_equal(tmp_path: Path):
    """What the flows store as parameters, and what a subprocess is handed."""
    settings = _load(
        tmp_path,
        "journeys: {cutoff: 2026-03-31T23:59:00Z}\n"
        "touchpoints: [{source: web, match: {url: '/cart*'}, touchpoint: Cart}]\n"
        "sources: {web: {column_map: {occurred_at: ts}}}\n",
    )
    data = settings.as_json()
    assert isinstance(data["warehouse"], str) and isinstance(data["touchpoints"], list)
    assert validate_settings(data) == settings
    assert (
        settings.replace(salt="other") != settings
        and settings.replace(salt="other").salt == "other"
    )


def test_fields_that_depend_on_each_other():
    with pytest.raises(SettingsError, match="^field 'ranking': value_weighted needs"):
        validate_settings({"ranking": "value_weighted"})
    with pytest.raises(SettingsError, match="^field 'customer_value.segments': give "):
        validate_settings({"customer_value": {"column": "ltv", "segments": {"vip": 2}}})
    weighted = validate_settings({"ranking": "value_weighted", "customer_value": {"column": "ltv"}})
    assert weighted.customer_value.configured


@pytest.mark.parametrize(
    ("rule", "says"),
    [
        ({"source": "web", "event_type": "scroll"}, "or skip: true"),
        ({"source": "web", "touchpoint": "Scroll", "skip": True}, "remove skip: true"),
        ({"source": "web", "channel": "web", "skip": True}, "no touchpoint, channel"),
    ],
)
def test_a_touchpoint_rule_names_its_touchpoint_or_skips_its_events(rule: dict, says: str):
    with pytest.raises(SettingsError, match=rf"touchpoints\.0.*{re.escape(says)}"):
        validate_settings({"touchpoints": [rule]})
