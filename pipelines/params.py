"""The daily flow's parameters: validated by pydantic, turned into ``Settings`` at the flow edge.

A deployment passes plain values (a configuration file, a warehouse, durations such as ``45m``);
``journeys run`` passes the ``Settings`` it already built. Either way ``to_settings`` gives the one
frozen ``Settings`` the steps receive. Only this edge reads environment variables, and only when
``to_settings`` is handed them (``JOURNEYS_CONFIG``, ``JOURNEYS_WAREHOUSE``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    WithJsonSchema,
    field_serializer,
    field_validator,
)

from journeys.config import (
    Settings,
    SettingsError,
    load_settings,
    parse_duration,
    validate_settings,
)
from journeys.errors import ConfigError

ENV_CONFIG = "JOURNEYS_CONFIG"
ENV_WAREHOUSE = "JOURNEYS_WAREHOUSE"
REDACTED = "<redacted>"


def _as_settings(value: Any) -> Settings:
    """A flow's ``settings`` parameter: the ``Settings`` ``journeys run`` built, or their JSON
    values as Prefect stored them (checked again; never with the salt redacted)."""
    if isinstance(value, Settings):
        return value
    if isinstance(value, Mapping) and value.get("salt") == REDACTED:
        raise ValueError(
            "settings were stored with the salt redacted and cannot be run again; "
            "pass `config` (a journeys.yaml) instead"
        )
    try:
        return validate_settings(dict(value) if isinstance(value, Mapping) else value)
    except SettingsError as exc:
        raise ValueError(f"settings: {exc}") from None


SettingsParameter = Annotated[
    Settings,
    PlainValidator(_as_settings),
    WithJsonSchema(
        {"type": "object", "title": "Settings", "description": "journeys.yaml's fields"}
    ),
]
"""``Settings`` as a pydantic field: msgspec records are no pydantic models."""


class DailyParams(BaseModel):
    """What one run of ``journeys-daily`` works on. Unset fields keep the configuration's value."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    config: Path | None = Field(
        default=None,
        description="journeys.yaml (landing sources, touchpoints, maps); default $JOURNEYS_CONFIG.",
    )
    warehouse: Path | None = Field(
        default=None,
        description="Published DuckDB warehouse; default $JOURNEYS_WAREHOUSE, else the config's.",
    )
    maps: tuple[Path, ...] | None = Field(
        default=None, description="Assumptive map YAML files; default the config's maps."
    )
    reports: Path | None = Field(default=None, description="Folder for index.html.")
    session_gap: int | str | None = Field(
        default=None, description="Inactivity that starts a new session, e.g. 30m."
    )
    session_max: int | str | None = Field(
        default=None, description="Longest session before it is cut, e.g. 24h."
    )
    journey_horizon: int | str | None = Field(
        default=None, description="Gap that starts a new journey, e.g. 14d."
    )
    full: bool = Field(default=False, description="Rebuild every customer, not only changed ones.")
    partitions: int | None = Field(
        default=None, ge=1, description="Customer-hash partitions of the path build (1: none)."
    )
    dask_address: str | None = Field(
        default=None,
        description="Dask scheduler for the partitions (tcp://host:8786, or local); "
        "default: threads.",
    )
    settings: SettingsParameter | None = Field(
        default=None,
        description="A complete configuration (what `journeys run` passes); replaces `config`.",
    )

    @field_validator("session_gap", "session_max", "journey_horizon", mode="before")
    @classmethod
    def _duration(cls, value: Any, info: Any) -> int | None:
        return None if value is None else parse_duration(value, field=info.field_name)

    @field_validator("config")
    @classmethod
    def _config_exists(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"{value}: file not found; pass an existing journeys.yaml")
        return value

    @field_serializer("settings", when_used="json")
    def _hide_salt(self, value: Settings | None) -> dict[str, Any] | None:
        """Prefect stores flow parameters; the identifier-hashing salt must not be among them."""
        return None if value is None else {**value.as_json(), "salt": REDACTED}

    def to_settings(self, *, environ: Mapping[str, str] | None = None) -> Settings:
        """The run's ``Settings``: ``settings`` or the configuration file, then these overrides."""
        env = environ or {}
        if self.settings is not None:
            if self.config is not None:
                raise ConfigError("pass either `settings` or `config`, not both")
            base = self.settings
        else:
            config = self.config or _env_path(env, ENV_CONFIG)
            if config is None:
                raise ConfigError(
                    f"no configuration: set the flow parameter `config` or {ENV_CONFIG} "
                    "to a journeys.yaml that lists the landing sources"
                )
            base = load_settings(config)
        data = base.as_json()
        warehouse = self.warehouse or (None if self.settings else _env_path(env, ENV_WAREHOUSE))
        if warehouse is not None:
            data["warehouse"] = warehouse.resolve()
        if self.maps is not None:
            data["maps"] = tuple(p.resolve() for p in self.maps)
        if self.reports is not None:
            data["reports"] = self.reports.resolve()
        for key, value in (("gap_seconds", self.session_gap), ("max_seconds", self.session_max)):
            if value is not None:
                data["sessions"] = {**data["sessions"], key: value}
        if self.partitions is not None:
            data["partitions"] = self.partitions
        if self.dask_address is not None:
            data["dask_address"] = self.dask_address
        if self.journey_horizon is not None:
            data["journeys"] = {**data["journeys"], "horizon_seconds": self.journey_horizon}
        try:
            return validate_settings(data)
        except SettingsError as exc:
            raise ConfigError(f"flow parameters: {exc}") from None


class MicroParams(DailyParams):
    """What one run of ``journeys-micro`` works on: the daily parameters, but never a full
    rebuild (a micro-batch rebuilds the changed customers and journeys only)."""

    full: bool = Field(
        default=False, description="Ignored: a micro-batch is incremental.", exclude=True
    )

    @field_validator("full")
    @classmethod
    def _incremental(cls, value: bool) -> bool:
        if value:
            raise ValueError("journeys-micro is incremental; run journeys-daily with full: true")
        return value


def _env_path(env: Mapping[str, str], name: str) -> Path | None:
    value = env.get(name, "").strip()
    return Path(value) if value else None
