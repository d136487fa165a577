"""YAML as configs and mappings are read: safe types only, and a key given twice is an error.

PyYAML keeps the last of two equal keys without a word; in a client config or an export mapping
that is almost always a paste error, so the reader is told where both are.
"""

from __future__ import annotations

from typing import Any

import yaml


class _StrictLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses a mapping with the same key twice."""


def _mapping_without_repeats(loader: _StrictLoader, node: yaml.MappingNode,
                             deep: bool = False) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue  # "<<: *defaults" merges on purpose
        key = loader.construct_object(key_node, deep=deep)
        line = key_node.start_mark.line + 1
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} is given twice (lines {seen[key]} and {line})",
                key_node.start_mark)
        seen[key] = line
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                              _mapping_without_repeats)


def load(text: str) -> Any:
    """Parse YAML text with safe types; ``yaml.YAMLError`` for bad YAML or a repeated key."""
    return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
