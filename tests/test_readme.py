"""The README's promises: its example routine validates and its commands exist."""

from __future__ import annotations

import re
from pathlib import Path

from skill.catalogue import load_catalogue
from skill.cli import COMMANDS
from skill.config import DEFAULT_SESSIONS_DIR, PROJECT_ROOT

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")


def test_the_readme_example_routine_is_valid_against_the_pose_library(tmp_path: Path) -> None:
    block = re.search(r"```yaml\n(.*?)```", README, re.S)
    assert block is not None, "the README has no YAML example"
    routine_id = re.search(r"^id: (\S+)", block.group(1), re.M)
    assert routine_id is not None
    path = tmp_path / f"{routine_id.group(1)}.yaml"
    path.write_text(block.group(1), encoding="utf-8")
    catalogue = load_catalogue(
        DEFAULT_SESSIONS_DIR, routine_files=[path], pose_dir=DEFAULT_SESSIONS_DIR / "poses"
    )
    assert routine_id.group(1) in catalogue.routines


def test_every_gentle_back_command_the_readme_mentions_exists() -> None:
    mentioned = set(re.findall(r"gentle-back ([a-z][a-z-]+)", README))
    assert mentioned, "the README shows no commands"
    assert mentioned <= set(COMMANDS), mentioned - set(COMMANDS)


def test_the_readme_set_up_commands_are_make_targets() -> None:
    makefile = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    for target in re.findall(r"^    make (\w+)", README, re.M):
        assert re.search(rf"^{target}:", makefile, re.M), target
