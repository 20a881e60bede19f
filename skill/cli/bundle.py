"""`gentle-back bundle [-o build/lambda.zip]`: build the AWS Lambda deployment package.

The zip holds `skill/` and `sessions/` at its root (the code reads the routines from
`<root>/sessions`, so they must travel with it) plus the runtime dependencies, installed with
`pip install --target` as Linux wheels for the Lambda Python version. Caches, tests and compiled
files are left out; entries are sorted and stamped 1980-01-01 with fixed permissions, so the same
inputs give a byte-identical zip. The unzipped tree is kept beside it (`build/lambda/`), which is
what `ask deploy` uploads (see ask-resources.json). Audio is not bundled: Lambda cannot serve it,
so it is hosted elsewhere and named by GENTLE_BACK_AUDIO_BASE_URL.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Final

from skill.config import PROJECT_ROOT

#: The Lambda runtime the package targets; template.yaml and ask-resources.json must agree.
LAMBDA_PYTHON: Final = "3.11"
LAMBDA_PLATFORMS: Final = {
    "x86_64": ("manylinux2014_x86_64", "manylinux_2_17_x86_64"),
    "arm64": ("manylinux2014_aarch64", "manylinux_2_17_aarch64"),
}
#: What the skill imports at run time (pyproject.toml pins the versions); the audio, TTS, web and
#: developer tools stay out of the Lambda.
LAMBDA_REQUIREMENTS: Final = (
    "ask-sdk-core",
    "ask-sdk-model",
    "ask-sdk-dynamodb-persistence-adapter",
    "pydantic",
    "PyYAML",
)
CONTENT_DIRS: Final = ("skill", "sessions")
EXCLUDED_DIRS: Final = frozenset({"__pycache__", "tests", ".pytest_cache", ".mypy_cache"})
EXCLUDED_SUFFIXES: Final = frozenset({".pyc", ".pyo"})
ZIP_EPOCH: Final = (1980, 1, 1, 0, 0, 0)
#: Written into the staging folder so a later run knows it may wipe it.
STAGE_MARKER: Final = ".gentle-back-bundle"
#: Lambda refuses a directly uploaded zip over 50 MB.
MAX_DIRECT_UPLOAD_BYTES: Final = 50 * 1024 * 1024


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        default=PROJECT_ROOT / "build" / "lambda.zip",
        help="the zip to write (default: build/lambda.zip); the tree is staged beside it",
    )
    deps = parser.add_mutually_exclusive_group()
    deps.add_argument(
        "--no-deps-install",
        action="store_true",
        help="bundle only the code and content (for tests, or dependencies from a layer)",
    )
    deps.add_argument(
        "--site-dir",
        type=Path,
        help="copy dependencies from this prebuilt site-packages folder instead of pip",
    )
    parser.add_argument(
        "--arch",
        choices=sorted(LAMBDA_PLATFORMS),
        default="x86_64",
        help="Lambda architecture to fetch wheels for (default: %(default)s)",
    )


def requirements(pyproject: Path = PROJECT_ROOT / "pyproject.toml") -> list[str]:
    """The Lambda's requirement specifiers, read from pyproject.toml so versions live there."""
    declared = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["dependencies"]
    by_name = {
        _canonical(re.split(r"[\s<>=!~;\[]", spec, maxsplit=1)[0]): spec for spec in declared
    }
    missing = [name for name in LAMBDA_REQUIREMENTS if _canonical(name) not in by_name]
    if missing:
        raise ValueError(f"pyproject.toml does not declare {', '.join(missing)}")
    return [by_name[_canonical(name)] for name in LAMBDA_REQUIREMENTS]


def stage(stage_dir: Path, *, site_dir: Path | None, install: bool, arch: str) -> None:
    """Fill `stage_dir` with the code, the content and (unless told not to) the dependencies."""
    _reset(stage_dir)
    for name in CONTENT_DIRS:
        _copy_tree(PROJECT_ROOT / name, stage_dir / name)
    if site_dir is not None:
        _copy_tree(site_dir, stage_dir)
    elif install:
        _pip_install(stage_dir, arch)


def bundle_files(stage_dir: Path) -> list[tuple[str, Path]]:
    """(zip name, file) for everything to pack, sorted by name, caches and tests left out."""
    files = [(path.relative_to(stage_dir).as_posix(), path) for path in _walk(stage_dir)]
    return sorted((name, path) for name, path in files if name != STAGE_MARKER)


def write_zip(stage_dir: Path, output: Path) -> int:
    """Pack `stage_dir` into `output` reproducibly; return the number of files."""
    output.parent.mkdir(parents=True, exist_ok=True)
    files = bundle_files(stage_dir)
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, path in files:
            info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o100644 << 16
            info.create_system = 3  # Unix, so the permissions above mean what they say
            archive.writestr(info, path.read_bytes(), compresslevel=9)
    return len(files)


def run(args: argparse.Namespace) -> int:
    output: Path = args.output.resolve()
    stage_dir = output.with_suffix("")
    try:
        stage(stage_dir, site_dir=args.site_dir, install=not args.no_deps_install, arch=args.arch)
    except (ValueError, subprocess.CalledProcessError) as exc:
        print(f"gentle-back bundle: {exc}", file=sys.stderr)
        return 1
    count = write_zip(stage_dir, output)
    size = output.stat().st_size
    print(f"wrote {output} ({count} files, {size / 1e6:.1f} MB); staged in {stage_dir}")
    if size > MAX_DIRECT_UPLOAD_BYTES:
        print("note: over 50 MB, so upload it through S3 (sam deploy does)", file=sys.stderr)
    return 0


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _reset(stage_dir: Path) -> None:
    if stage_dir.exists():
        if any(stage_dir.iterdir()) and not (stage_dir / STAGE_MARKER).exists():
            raise ValueError(f"{stage_dir} exists and was not made by bundle; not deleting it")
        shutil.rmtree(stage_dir)
    stage_dir.mkdir(parents=True)
    (stage_dir / STAGE_MARKER).write_text("made by gentle-back bundle; safe to delete\n")


def _walk(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.iterdir()):
        if path.is_dir():
            if path.name not in EXCLUDED_DIRS:
                yield from _walk(path)
        elif path.is_file() and path.suffix not in EXCLUDED_SUFFIXES:
            yield path


def _copy_tree(source: Path, target: Path) -> None:
    for path in _walk(source):
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination)


def _pip_install(target: Path, arch: str) -> None:
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--target", str(target)]
    for platform in LAMBDA_PLATFORMS[arch]:
        command += ["--platform", platform]
    command += ["--implementation", "cp", "--python-version", LAMBDA_PYTHON]
    command += ["--only-binary=:all:", "--no-compile", *requirements()]
    subprocess.run(command, check=True)
    # Console scripts point at this machine's interpreter: useless in Lambda, and not reproducible.
    shutil.rmtree(target / "bin", ignore_errors=True)
