"""Read one YAML file into plain data plus a map from field path to line number.

Everything that can go wrong reading a file (encoding, tabs, syntax, duplicate keys, an empty
file, several documents) comes back as a `Problem` naming the file and line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

Loc = tuple[str | int, ...]


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a content file, printed as `file:line: field: message`."""

    path: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.field}: {self.message}"


@dataclass
class SourceDoc:
    """A parsed YAML document and where each of its fields stands in the file."""

    path: str
    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)

    def line_of(self, loc: Loc) -> int:
        """The line of the deepest part of `loc` that exists in the file (1 for the root)."""
        for end in range(len(loc), 0, -1):
            line = self.lines.get(loc[:end])
            if line is not None:
                return line
        return 1


def format_loc(loc: Loc) -> str:
    """`('steps', 2, 'hold')` -> `steps[2].hold`."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(file)"


def _line_at_byte(raw: bytes, offset: int) -> int:
    return raw[:offset].count(b"\n") + 1


#: Mapping keys YAML reads as something other than text (`yes:`, `1:`, `~:`), by tag.
_NON_TEXT_KEYS = {
    "tag:yaml.org,2002:bool": "true/false",
    "tag:yaml.org,2002:int": "a number",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:null": "nothing (null)",
}


def _map_lines(
    node: yaml.Node,
    loc: Loc,
    lines: dict[Loc, int],
    problems: list[tuple[int, Loc, str]],
    mapped: set[int] | None = None,
) -> None:
    # An alias (*name) is the very node its anchor made. Map each node once, so a file whose
    # alias refers to itself cannot recurse for ever, nor nested aliases multiply the work.
    mapped = set() if mapped is None else mapped
    if id(node) in mapped:
        return
    mapped.add(id(node))
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            kind = _NON_TEXT_KEYS.get(key_node.tag)
            if kind is not None:
                message = f"YAML reads the key {key!r} as {kind}, not text; put it in quotes"
                problems.append((line, (*loc, key), message))
                continue
            if key in seen:
                problems.append((line, (*loc, key), f"duplicate key (first at line {seen[key]})"))
                continue
            seen[key] = line
            lines[(*loc, key)] = line
            _map_lines(value_node, (*loc, key), lines, problems, mapped)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[(*loc, index)] = item.start_mark.line + 1
            _map_lines(item, (*loc, index), lines, problems, mapped)


def read_yaml(path: Path, display: str | None = None) -> SourceDoc | list[Problem]:
    """Parse `path`; return the document, or every problem found reading it."""
    name = display or str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return [Problem(name, 1, "(file)", f"cannot read: {exc.strerror or exc}")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = _line_at_byte(raw, exc.start)
        return [Problem(name, line, "(file)", f"not UTF-8 text (byte {raw[exc.start]:#04x})")]
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip() or all(
        not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()
    ):
        return [Problem(name, 1, "(file)", "file is empty")]
    found = _parse(name, text, FAST_LOADER)
    syntax_error = isinstance(found, list) and any(p.field == "yaml" for p in found)
    if syntax_error and FAST_LOADER is not yaml.SafeLoader:
        found = _parse(name, text, yaml.SafeLoader)  # same error, pure-Python wording
    return found


#: libyaml's loader when PyYAML was built with it: about 4x faster on a large catalogue.
FAST_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _parse(name: str, text: str, loader_class: type[yaml.SafeLoader]) -> SourceDoc | list[Problem]:
    """Compose, map lines and construct one document with `loader_class`."""
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return [Problem(name, 1, "(file)", "file is empty")]
        lines: dict[Loc, int] = {(): node.start_mark.line + 1}
        duplicates: list[tuple[int, Loc, str]] = []
        _map_lines(node, (), lines, duplicates)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        reason = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem and exc.problem.startswith("but "):
            reason = f"{exc.context} {exc.problem}"  # e.g. two documents in one file
        source_lines = text.splitlines()
        if line <= len(source_lines) and "\t" in source_lines[line - 1]:
            reason = f"{reason} (a tab character: indent with spaces)"
        return [Problem(name, line, "yaml", reason)]
    except yaml.YAMLError as exc:
        return [Problem(name, 1, "yaml", str(exc))]
    finally:
        loader.dispose()
    if duplicates:
        return [Problem(name, line, format_loc(loc), msg) for line, loc, msg in duplicates]
    if data is None:
        return [Problem(name, 1, "(file)", "file is empty")]
    if not isinstance(data, dict):
        kinds = {list: "a list", str: "a piece of text", bool: "true/false"}
        kind = kinds.get(type(data), "a number" if isinstance(data, int | float) else "one value")
        return [Problem(name, 1, "(file)", f"the top level must be a mapping of keys, not {kind}")]
    return SourceDoc(name, data, lines)
