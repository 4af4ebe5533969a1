"""YAML read with libyaml (PyYAML's C loader) where it is installed: a 2 KB map takes 0.3 ms
to compose and construct there, 5 ms in PyYAML's pure-Python loader, and every command reads
its configuration and maps. A document libyaml refuses is read again by the pure-Python loader,
so that the error (its message and line) is the one the messages were written for.

PyYAML is loaded by the first document read, not with this module: a command given no
configuration file and no map (``import-log``, ``build`` of a log) never loads it (9 ms)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import yaml


def _fast() -> type[yaml.SafeLoader]:
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def compose(text: str) -> yaml.Node | None:
    """The composed node of one YAML document (None: empty), before any value is built: so
    that its shape (aliases, depth) can be checked first (compare/maps.py)."""
    import yaml

    try:
        return yaml.compose(text, Loader=_fast())
    except yaml.YAMLError:
        return yaml.compose(text, Loader=yaml.SafeLoader)  # raises the pure-Python error


def construct(node: yaml.Node | None) -> Any:
    """The value of a composed document, as ``yaml.safe_load`` builds it."""
    import yaml

    return None if node is None else yaml.constructor.SafeConstructor().construct_document(node)


def safe_load(text: str) -> Any:
    """``yaml.safe_load``, by libyaml where it is installed."""
    import yaml

    try:
        return yaml.load(text, Loader=_fast())
    except yaml.YAMLError:
        return yaml.safe_load(text)  # raises the pure-Python error


def syntax_error(source: object, exc: Exception, fix: str) -> str:
    """One line for YAML that does not parse: the file, the line, PyYAML's problem and the fix;
    a tab where YAML expects indentation (a common paste from a word processor or an editor
    set to tabs) gets its own fix, since YAML indents with spaces only."""
    mark = getattr(exc, "problem_mark", None)
    where = f" line {mark.line + 1}" if mark is not None else ""
    what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if "'\\t'" in what:
        fix = "YAML indents with spaces only: replace the tab on that line with spaces"
    return f"{source}{where}: not valid YAML ({what}); {fix}"
