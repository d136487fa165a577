"""Notebook parameters: what a notebook declares, the check that refuses anything else, and
``KEY=VALUE`` parsing for parameters given on the command line or by ``make``.

papermill alone only logs a warning for an undeclared parameter and injects it anyway, so every
caller (configs, ``-p``, the executor) goes through ``check_parameters``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from analysis.errors import ConfigError
from analysis.paths import build_dir
from analysis.pipeline.fingerprint import canonical_json, file_digest

_KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def parse_parameter(item: str) -> tuple[str, Any]:
    """``KEY=VALUE`` with VALUE read as YAML (``2025`` -> int, ``true`` -> bool, ``[a, b]`` ->
    list, ``{India: 0.6, Philippines: 0.4}`` -> dict; ``None``, like YAML's ``null``, -> None).

    Read by ``strict_yaml`` like every other YAML (a repeated key or deep nesting is refused);
    text that is not YAML stays text, unless it opens a list or mapping."""
    import yaml

    from analysis.data import strict_yaml

    key, sep, raw = item.partition("=")
    key = key.strip()
    if not sep or not _KEY_RE.match(key):
        raise ConfigError(f"parameter {item!r} must look like KEY=VALUE with KEY a Python name")
    try:
        value = strict_yaml.load(raw) if raw.strip() else ""
    except yaml.YAMLError as error:
        if isinstance(error, strict_yaml.YamlLimitError) or raw.lstrip()[:1] in ("[", "{"):
            problem = " ".join(str(error).split())
            raise ConfigError(f"command line -p.{key}: not valid YAML: {problem[:200]}") from None
        value = raw
    if raw.strip() == "None":
        value = None  # papermill's own ``-p definition None`` means None too, not the text
    if isinstance(value, dt.date | dt.datetime):
        value = value.isoformat()  # a notebook parameter cell cannot hold a date object literal
    return key, value


def _shown(value: Any, limit: int = 60) -> str:
    """A value for an error message, cut short: a hostile value is never echoed in bulk."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def parse_parameters(items: Iterable[str]) -> dict[str, Any]:
    """``KEY=VALUE`` items (``-p`` and ``--params`` together) as one mapping.

    A key given twice is refused rather than letting the last value win silently
    (``-p geography=India -p geography=Global`` would build a Global report).
    """
    given: dict[str, Any] = {}
    for item in items:
        key, value = parse_parameter(item)
        if key in given:
            raise ConfigError(
                f"parameter {key!r} is given twice ({_shown(given[key])} and {_shown(value)}); "
                "give it once"
            )
        given[key] = value
    return given


def inspect_parameters(notebook: Path) -> dict[str, dict[str, Any]]:
    """The parameters a notebook declares in its ``parameters``-tagged cell, asked of papermill
    (no cache: ``declared_parameters`` is the one to call)."""
    import papermill

    if not notebook.is_file():
        raise ConfigError(f"notebook not found: {notebook}")
    return papermill.inspect_notebook(str(notebook))


def declared_parameters(notebook: Path) -> dict[str, dict[str, Any]]:
    """The parameters a notebook declares (name -> papermill's info), cached on its bytes.

    Asking papermill means importing it (seconds); a no-op refresh only needs the answer it
    gave last time for the same notebook.
    """
    notebook = Path(notebook)
    if not notebook.is_file():
        return inspect_parameters(notebook)  # raises the usual ConfigError
    cache = build_dir() / "cache" / "parameters" / f"{file_digest(notebook)}.json"
    try:
        return json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        pass
    declared = inspect_parameters(notebook)
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(f".{id(declared)}.tmp")
    tmp.write_text(canonical_json(declared), encoding="utf-8")
    tmp.replace(cache)
    return declared


def check_parameters(
    notebook: Path, parameters: Mapping[str, Any], where: str | None = None
) -> dict[str, dict[str, Any]]:
    """Raise ``ConfigError`` for any parameter the notebook does not declare.

    ``where`` (e.g. the config file and key the parameters came from) leads the message.
    Returns the declared parameters.
    """
    declared = declared_parameters(notebook)
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        allowed = ", ".join(sorted(declared)) or "none (no cell tagged 'parameters')"
        origin = f"{where}: " if where else ""
        raise ConfigError(
            f"{origin}{notebook.name}: unknown parameter "
            f"{', '.join(repr(k) for k in unknown)}; allowed: {allowed}"
        )
    return declared
