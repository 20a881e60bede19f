"""Load and validate the content: the pose library and every routine, all or nothing.

Layout: `<sessions>/poses/<pose-id>.yaml` (one pose a file) and `<sessions>/<routine-id>.yaml`.
`load_catalogue` returns a `Catalogue` only when every file passes every rule; otherwise it raises
`CatalogueError` carrying every problem in every file, each `file:line: field: message`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from skill.choices import PROFILES
from skill.schema import Modify, Pose, Routine
from skill.yamlsource import Loc, Problem, SourceDoc, format_loc, read_yaml

#: A routine must last this long at normal pace, for every profile (clinical-safety doc, 6).
MIN_ROUTINE_SECONDS = 3 * 60
MAX_ROUTINE_SECONDS = 30 * 60
#: Rough speaking rate for the validator's duration estimate (calm voice, about 140 wpm).
ESTIMATE_WORDS_PER_SECOND = 2.3
#: Time the validator allows per step for the get-ready lead-in and the release.
ESTIMATE_TRANSITION_SECONDS = 8.0

M = TypeVar("M", bound=BaseModel)


class CatalogueError(Exception):
    """The content has problems; `problems` lists every one, sorted by file and line."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def normalise_phrase(text: str) -> str:
    """Lower-case words only, as speech arrives: `Legs-Up-the-Wall` -> `legs up the wall`."""
    text = text.lower().replace("&", " and ").replace("\u2019", "'")
    return " ".join(re.findall(r"[a-z0-9']+", text))


@dataclass(frozen=True)
class Catalogue:
    """Every pose and routine, validated together."""

    poses: dict[str, Pose]
    routines: dict[str, Routine]

    def routine(self, routine_id: str) -> Routine:
        return self.routines[routine_id]

    def find_routine(self, spoken: str) -> Routine | None:
        """The routine whose id, title or alias matches what the user said, if any."""
        wanted = normalise_phrase(spoken)
        for routine in self.routines.values():
            names = [routine.id, routine.title, *routine.aliases]
            if wanted in {normalise_phrase(n) for n in names}:
                return routine
        return None

    def ordered(self) -> list[Routine]:
        return sorted(self.routines.values(), key=lambda r: r.title.lower())


def _friendly(error: ErrorDetails) -> str:
    kind = error["type"]
    message: str = error["msg"]
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "string_pattern_mismatch":
        return "use lower-case letters and digits joined by hyphens, such as knee-to-chest"
    if kind == "model_type":
        return "must be a mapping of keys, such as `pose: sphinx`, not a single value"
    if kind == "value_error":
        return message.removeprefix("Value error, ")
    return message[0].lower() + message[1:] if message else kind


def _clean_loc(loc: Iterable[str | int], data: Any) -> tuple[str | int, ...]:
    """Drop pydantic's union and key tags so the path names fields as written in the file."""
    out: list[str | int] = []
    node = data
    for part in loc:
        in_map = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if in_map or in_list:
            out.append(part)
            node = node[part]
        elif isinstance(part, str) and ("[" in part or part[:1].isupper()):
            continue  # a union member tag such as `function-after[...]` or `Modify`
        else:
            out.append(part)
            node = None
    return tuple(out)


def validate_model(doc: SourceDoc, model: type[M]) -> M | list[Problem]:
    """Validate a document against a schema model, mapping errors to file lines."""
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        problems: dict[tuple[int, str], Problem] = {}
        for error in exc.errors():
            loc = _clean_loc(error["loc"], doc.data)
            field = format_loc(loc)
            line = doc.line_of(loc)
            problems.setdefault((line, field), Problem(doc.path, line, field, _friendly(error)))
        return list(problems.values())


def _display(path: Path, base: Path | None) -> str:
    if base is not None:
        try:
            return str(path.resolve().relative_to(base.resolve()))
        except ValueError:
            pass
    return str(path)


@dataclass
class _Loaded:
    doc: SourceDoc
    model: Any
    stem: str


def _load_all(
    files: Iterable[Path], model: type[M], base: Path | None
) -> tuple[list[_Loaded], list[Problem]]:
    loaded: list[_Loaded] = []
    problems: list[Problem] = []
    for path in files:
        doc = read_yaml(path, _display(path, base))
        if isinstance(doc, list):
            problems.extend(doc)
            continue
        result = validate_model(doc, model)
        if isinstance(result, list):
            problems.extend(result)
        else:
            loaded.append(_Loaded(doc, result, path.stem))
    return loaded, problems


def _yaml_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.y*ml") if p.is_file()) if folder.is_dir() else []


def load_catalogue(
    sessions_dir: Path,
    routine_files: Iterable[Path] | None = None,
    pose_dir: Path | None = None,
    base: Path | None = None,
) -> Catalogue:
    """Load the pose library and routines, checking every single-file and cross-file rule.

    By default the routines are `sessions_dir/*.yaml` and the poses `sessions_dir/poses/*.yaml`;
    `routine_files` and `pose_dir` let the validator check other files against the library.
    """
    pose_dir = pose_dir if pose_dir is not None else sessions_dir / "poses"
    files = list(routine_files) if routine_files is not None else _yaml_files(sessions_dir)
    base = base if base is not None else Path.cwd()
    pose_files = _yaml_files(pose_dir)
    poses, problems = _load_all(pose_files, Pose, base)
    routines, routine_problems = _load_all(files, Routine, base)
    problems += routine_problems
    if not pose_files:
        problems.append(Problem(_display(pose_dir, base), 1, "(folder)", "no pose files found"))
    problems += list(_cross_file_problems(poses, routines))
    if problems:
        raise CatalogueError(problems)
    return Catalogue(
        poses={p.model.id: p.model for p in poses},
        routines={r.model.id: r.model for r in routines},
    )


def _cross_file_problems(poses: list[_Loaded], routines: list[_Loaded]) -> Iterator[Problem]:
    yield from _ids_and_stems(poses, "pose")
    yield from _ids_and_stems(routines, "routine")
    library: dict[str, Pose] = {p.model.id: p.model for p in poses}
    pose_lines = {p.model.id: p for p in poses}
    yield from _unique_names(poses, "pose")
    yield from _unique_names(routines, "routine")
    for pose_id, loaded in pose_lines.items():
        pose = library[pose_id]
        if pose.variant_of is not None and pose.variant_of not in library:
            line = loaded.doc.line_of(("variant_of",))
            message = f"unknown pose {pose.variant_of!r}"
            yield Problem(loaded.doc.path, line, "variant_of", message)
        for profile, verdict in pose.verdicts.items():
            if isinstance(verdict, Modify):
                loc = ("verdicts", profile, "modify")
                line = loaded.doc.line_of(loc)
                variant = library.get(verdict.modify)
                if variant is None:
                    yield Problem(
                        loaded.doc.path, line, format_loc(loc), f"unknown pose {verdict.modify!r}"
                    )
                elif variant.verdicts.get(profile) != "allow":
                    yield Problem(
                        loaded.doc.path,
                        line,
                        format_loc(loc),
                        f"variant {verdict.modify!r} must itself be allow for {profile}",
                    )
    for loaded in routines:
        yield from _routine_rules(loaded, library)


def _ids_and_stems(items: list[_Loaded], kind: str) -> Iterator[Problem]:
    first: dict[str, str] = {}
    for item in items:
        ident = item.model.id
        line = item.doc.line_of(("id",))
        if ident != item.stem:
            yield Problem(
                item.doc.path,
                line,
                "id",
                f"{kind} id {ident!r} must equal the file name {item.stem!r}",
            )
        if ident in first:
            yield Problem(
                item.doc.path, line, "id", f"duplicate {kind} id {ident!r} (also in {first[ident]})"
            )
        else:
            first[ident] = item.doc.path


def _unique_names(items: list[_Loaded], kind: str) -> Iterator[Problem]:
    owner: dict[str, str] = {}
    for item in items:
        model = item.model
        title_field = "title" if kind == "routine" else "name"
        spoken: list[tuple[Loc, str]] = [
            ((title_field,), getattr(model, title_field)),
            (("id",), model.id),
        ]
        spoken += [(("aliases", i), alias) for i, alias in enumerate(model.aliases)]
        mine: set[str] = set()
        for loc, phrase in spoken:
            key = normalise_phrase(phrase)
            if key in mine:
                continue
            mine.add(key)
            other = owner.get(key)
            if other is not None and other != model.id:
                yield Problem(
                    item.doc.path,
                    item.doc.line_of(loc),
                    format_loc(loc),
                    f"{phrase!r} is already used by {kind} {other!r}",
                )
            else:
                owner[key] = model.id


def _routine_rules(loaded: _Loaded, library: dict[str, Pose]) -> Iterator[Problem]:
    from skill.plan import plan_steps

    routine: Routine = loaded.model
    doc = loaded.doc
    broken = False
    for index, step in enumerate(routine.steps):
        loc = ("steps", index, "pose")
        pose = library.get(step.pose)
        if pose is None:
            broken = True
            yield Problem(
                doc.path, doc.line_of(loc), format_loc(loc), f"unknown pose {step.pose!r}"
            )
            continue
        if all(v == "avoid" for v in pose.verdicts.values()):
            broken = True
            yield Problem(
                doc.path,
                doc.line_of(loc),
                format_loc(loc),
                f"{step.pose!r} is avoided by every profile",
            )
        for kind in ("hold", "per_rep"):
            if getattr(step, kind) is not None and (kind == "hold") != pose.dose.is_hold:
                wanted = "hold" if pose.dose.is_hold else "per_rep"
                what = "a hold" if pose.dose.is_hold else "a movement"
                broken = True
                yield Problem(
                    doc.path,
                    doc.line_of(("steps", index, kind)),
                    format_loc(("steps", index, kind)),
                    f"{step.pose!r} is {what}; use {wanted}",
                )
    if routine.screening is not None:
        used = {s.pose for s in routine.steps}
        used |= {
            v.modify
            for s in routine.steps
            if s.pose in library
            for v in library[s.pose].verdicts.values()
            if isinstance(v, Modify)
        }
        for source, target in routine.screening.replace.items():
            where: Loc = ("screening", "replace", source)
            if source not in used:
                yield Problem(
                    doc.path,
                    doc.line_of(where),
                    format_loc(where),
                    f"{source!r} is not a pose of this routine",
                )
            if target not in library:
                broken = True
                yield Problem(
                    doc.path, doc.line_of(where), format_loc(where), f"unknown pose {target!r}"
                )
    if broken:
        return
    for profile in PROFILES:
        plan = plan_steps(routine, library, profile)
        if not plan:
            yield Problem(
                doc.path,
                doc.line_of(("steps",)),
                "steps",
                f"no pose is left for the {profile} profile",
            )
            continue
        seconds = estimate_seconds(routine, plan)
        if not MIN_ROUTINE_SECONDS <= seconds <= MAX_ROUTINE_SECONDS:
            yield Problem(
                doc.path,
                doc.line_of(("steps",)),
                "steps",
                f"lasts about {seconds / 60:.1f} minutes for the {profile} profile at normal pace; "
                f"keep it between {MIN_ROUTINE_SECONDS // 60} and {MAX_ROUTINE_SECONDS // 60}",
            )


def estimate_seconds(routine: Routine, plan: list[Any]) -> float:
    """A quick estimate of a routine's length at normal pace: exercise, rests and speech."""
    words = sum(len(t.split()) for t in [*routine.intro, *routine.closing])
    total = 0.0
    for item in plan:
        total += item.exercise_seconds + item.rest + ESTIMATE_TRANSITION_SECONDS
        words += sum(
            len(t.split()) for t in [*item.pose.setup, item.pose.safety_cue, item.pose.release]
        )
    return total + words / ESTIMATE_WORDS_PER_SECOND
