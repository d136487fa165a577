"""YAML as configs and mappings are read: safe types only, a key given twice is an error, and
nesting and size are bounded.

PyYAML keeps the last of two equal keys without a word; in a client config or an export mapping
that is almost always a paste error, so the reader is told where both are. PyYAML's composer
also recurses once per nesting level, so 100,000 ``[`` overflow Python's stack with a
``RecursionError`` traceback: the loader counts the depth as it composes and stops at
``MAX_DEPTH`` with one line naming the line and column, long before the stack is at risk.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

MAX_DEPTH = 32
"""Deepest nesting of mappings and lists a config or mapping may have (the real ones use 5)."""

MAX_BYTES = 1024 * 1024
"""Largest YAML file read (the real configs and mappings are a few kB)."""


class YamlLimitError(yaml.YAMLError):
    """The YAML is nested too deeply, too large, has a non-scalar key or an impossible date:
    a one-line, position-named message."""


class _StrictLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses a repeated key, nesting deeper than ``MAX_DEPTH`` and
    any alias."""

    _depth = 0
    _merging = False

    def compose_node(self, parent: Any, index: Any) -> Any:
        # Counted before PyYAML recurses into the node, so the stack never grows past the limit.
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise YamlLimitError(
                    f"line {mark.line + 1}, column {mark.column + 1}: nested more than "
                    f"{MAX_DEPTH} levels deep [max_depth]: the limit for a config or mapping "
                    f"is {MAX_DEPTH} levels of mappings and lists")
            merge = isinstance(index, yaml.ScalarNode) and index.tag == "tag:yaml.org,2002:merge"
            if self.check_event(yaml.AliasEvent) and not (self._merging or merge):
                # An alias repeats a node without copying it, so nine levels of nine aliases
                # stay small on disk and under the depth limit yet expand to 9**9 values and
                # hang every reader (P7-M14, P7-C01). Only a merge (``<<: *base``) may use
                # one: merging folds keys together, so it cannot multiply values.
                mark = self.peek_event().start_mark
                raise YamlLimitError(
                    f"line {mark.line + 1}, column {mark.column + 1}: a YAML alias (*name) "
                    "outside a merge (<<: *name) [no_aliases]: write the value out instead; "
                    "aliases can multiply a small file into billions of values")
            outer, self._merging = self._merging, self._merging or merge
            try:
                return super().compose_node(parent, index)
            finally:
                self._merging = outer
        finally:
            self._depth -= 1


def _mapping_without_repeats(loader: _StrictLoader, node: yaml.MappingNode,
                             deep: bool = False) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue  # "<<: *defaults" merges on purpose
        if not isinstance(key_node, yaml.ScalarNode):
            # "? [a, b]" makes a list key: unhashable, so PyYAML would crash with a TypeError.
            mark = key_node.start_mark
            raise YamlLimitError(
                f"line {mark.line + 1}, column {mark.column + 1}: a key must be a plain name, "
                f"not a {'list' if isinstance(key_node, yaml.SequenceNode) else 'mapping'} "
                "[scalar_key]")
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


def _checked_timestamp(loader: _StrictLoader, node: yaml.ScalarNode) -> Any:
    # PyYAML resolves "2026-02-30" as a date by its shape, then datetime raises a bare
    # ValueError (a traceback); say where the impossible date is instead.
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError as error:
        mark = node.start_mark
        raise YamlLimitError(
            f"line {mark.line + 1}, column {mark.column + 1}: {node.value!r} is not a real "
            f"date ({error}) [valid_date]") from None


_StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _checked_timestamp)


def _too_large(size: int) -> YamlLimitError:
    return YamlLimitError(f"{size:,} bytes [max_size]: the limit for a config or mapping is "
                          f"{MAX_BYTES:,} bytes")


def load(text: str) -> Any:
    """Parse YAML text with safe types; ``yaml.YAMLError`` for bad YAML, a repeated key, nesting
    deeper than ``MAX_DEPTH`` or text over ``MAX_BYTES`` (``YamlLimitError`` for the last two)."""
    if len(text) > MAX_BYTES:
        raise _too_large(len(text.encode("utf-8", "surrogatepass")))
    return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass


def load_file(path: Path) -> Any:
    """Read a UTF-8 YAML file and ``load`` it; its size is judged before it is read.

    Raises ``OSError``, ``UnicodeDecodeError`` or ``yaml.YAMLError`` for the caller to name."""
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise _too_large(size)
    return load(path.read_text(encoding="utf-8"))


def said(error: yaml.YAMLError | UnicodeDecodeError, what: str) -> str:
    """A YAML file's read error as one line, for a config and a mapping alike: the encoding
    said like a person would, a YAML error as its line, column and problem without PyYAML's
    quoted snippet and caret (P7-M24 carried them into the one line, P7-M16 a codec's words).
    ``what`` names the file's role ("config", "mapping")."""
    if isinstance(error, UnicodeDecodeError):
        return f"not UTF-8 text (byte {error.start}): a {what} is a YAML text file"
    if isinstance(error, yaml.MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        words = " ".join(part for part in (error.context, error.problem) if part)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        if "'\\t'" in (error.problem or ""):
            # PyYAML's scanner words it as a token it cannot start (P9-M17, P9-C07).
            before = (mark.buffer or "")[:mark.pointer].rpartition("\n")[2] if mark else ""
            words = ("a tab cannot indent YAML; use spaces" if not before.strip() else
                     "a tab cannot separate YAML values here; use spaces")
        if words.startswith("line "):  # the rule already names its place
            where = ""
        return f"not valid YAML: {where}{' '.join(words.split())}"
    return f"not valid YAML: {' '.join(str(error).split())}"
