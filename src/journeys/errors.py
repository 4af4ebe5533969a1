"""The one error hierarchy. Every message names the step, the place (file, row, field) and the fix.

Format: ``[step] place: what is wrong; fix``, e.g.
``[ingest] web_events.jsonl line 812: occurred_at 'yesterday' is not a timestamp``.
The CLI prints ``str(error)`` on one line and exits 1.
"""

from __future__ import annotations


class JourneysError(Exception):
    """A user-facing error: the CLI prints it on one line, without a traceback."""

    step = "journeys"

    def __init__(self, message: str, *, step: str | None = None) -> None:
        self.step = step or self.step
        super().__init__(message)

    def __str__(self) -> str:
        return f"[{self.step}] {self.args[0]}"


class ConfigError(JourneysError):
    step = "config"


class IngestError(JourneysError):
    step = "ingest"


class BuildError(JourneysError):
    step = "build"


class MapError(JourneysError):
    step = "map"


class CompareError(JourneysError):
    step = "compare"


class ReportError(JourneysError):
    step = "report"


class WarehouseError(JourneysError):
    step = "warehouse"
