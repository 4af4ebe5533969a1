"""The text of the SQL files: where they live, reading them, their ``$name`` parameters and
comments, and quoting identifiers. No statement runs here (``connection.py`` runs them)."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from journeys.errors import WarehouseError

SQL_DIR = Path(__file__).resolve().parents[3] / "sql"
SCHEMAS = ("raw", "staging", "intermediate", "marts")
_PARAM = re.compile(r"(?<![:$\w])\$([A-Za-z_]\w*)")


def quote_ident(name: str) -> str:
    """Quote one identifier, or a dotted ``schema.table``, for DuckDB."""
    if not name:
        raise WarehouseError("empty identifier; name the table or column")
    parts = name.split(".") if "." in name and '"' not in name else [name]
    return ".".join(quote_part(part) for part in parts)


def quote_part(name: str) -> str:
    """Quote one identifier as it is, dots and all (a column named ``context.device.type``)."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    """A string literal for DuckDB (where a statement takes no parameter: a path to ATTACH)."""
    return "'" + text.replace("'", "''") + "'"


def sql_path(model: str) -> Path:
    path = SQL_DIR / f"{model}.sql"
    if not path.is_file():
        raise WarehouseError(f"sql/{model}.sql: model not found; check the model name")
    return path


def read_sql(model: str) -> str:
    return sql_path(model).read_text(encoding="utf-8")


def _strip_trailing(sql: str) -> str:
    return sql.strip().rstrip(";").strip()


def _bind(sql: str, params: Mapping[str, Any], model: str) -> dict[str, Any]:
    wanted = set(_PARAM.findall(_without_comments(sql)))
    missing = wanted - set(params)
    if missing:
        raise WarehouseError(
            f"{_label(model)}: parameter ${sorted(missing)[0]} was not given; pass it to the call"
        )
    return {k: params[k] for k in wanted}


_DELETE = re.compile(
    r"delete\s+from\s+(?P<table>[a-z_]\w*\.[a-z_]\w*)\s+where\s+(?P<condition>.+)",
    re.IGNORECASE | re.DOTALL,
)
"""A model file that deletes the rows of one table where a condition holds."""


def _without_line_comments(sql: str) -> str:
    """The SQL without its ``--`` comment lines (a DELETE file's header)."""
    return "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))


_TOKENS = re.compile(r"""'(?:''|[^'])*'?|"(?:""|[^"])*"?|--[^\n]*|/\*.*?(?:\*/|\Z)""", re.DOTALL)
"""A string literal or quoted identifier (doubled quotes inside; unterminated: to the end), a
``--`` comment (to the line's end) or a ``/* */`` comment (unterminated: to the end)."""


def _without_comments(sql: str) -> str:
    """The SQL with string literals and quoted identifiers emptied and comments removed (one
    regular-expression pass; a character loop took 0.15 ms per model, 20 ms a build): a
    delivered column named ``"$salt"`` is a name, not a parameter."""
    return _TOKENS.sub(lambda m: m.group()[0] * 2 if m.group()[0] in "'\"" else "", sql)


def _model_target(model: str) -> tuple[str, str]:
    """(layer, name) of the table or view that model ``<layer>/<name>`` defines."""
    layer, _, name = model.partition("/")
    if layer not in SCHEMAS or not name:
        raise WarehouseError(f"sql/{model}.sql: models live in sql/<{'|'.join(SCHEMAS)}>/")
    return layer, name


def _label(where: str) -> str:
    """``sql/<model>.sql`` for a model name, else ``where`` as given (``delete from x``)."""
    return f"sql/{where}.sql" if (SQL_DIR / f"{where}.sql").is_file() else where


ENUM_VALUES = 4096
"""The most values a text column is read or written as an ENUM of (more: it stays text)."""


def enum_texts(texts: Mapping[str, Iterable[str]]) -> dict[str, list[str]]:
    """The columns of ``texts`` an ENUM can hold, each with its values sorted as DuckDB sorts
    text (by code point): at least one value and at most ``ENUM_VALUES``, none holding a NUL
    character (which a SQL literal cannot carry)."""
    found = {column: sorted(set(values)) for column, values in texts.items()}
    return {
        column: values
        for column, values in found.items()
        if 0 < len(values) <= ENUM_VALUES and not any("\0" in v for v in values)
    }


def enum_replace(texts: Mapping[str, Sequence[str]], lists: Collection[str] = ()) -> str:
    """``* REPLACE (...)``: each text column of ``texts`` cast to an ENUM of the values listed
    for it, in their order (every value the column holds; two columns given the same list
    have the same type, so a coalesce of them stays an ENUM); a column named in ``lists`` is
    a list of such texts, cast to a list of the ENUM."""
    casts = [
        f"CAST({quote_ident(column)} AS ENUM({', '.join(map(quote_literal, values))})"
        f"{'[]' if column in lists else ''}) AS {quote_ident(column)}"
        for column, values in texts.items()
    ]
    return f"* REPLACE ({', '.join(casts)})" if casts else "*"
