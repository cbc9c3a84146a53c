"""The package version (also in pyproject.toml; a test keeps the two equal) and the code version
that results record (version, git commit and, with uncommitted changes, a hash of the source)."""

from __future__ import annotations

import functools
import hashlib
import subprocess
from pathlib import Path

__version__ = "0.1.0"


@functools.cache
def code_version() -> str:
    """Package version and git commit (``0.1.0+g1a2b3c4d5e6f``); with uncommitted changes in the
    package, also a hash of its source (``...dirty.<hash>``); without git, the source hash only."""
    pkg = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for f in sorted(pkg.rglob("*")):
        if f.is_file() and "__pycache__" not in f.parts and f.suffix in (".py", ".yaml", ".yml", ".csv", ".json"):
            digest.update(str(f.relative_to(pkg)).encode())
            digest.update(f.read_bytes())
    source = digest.hexdigest()
    commit, dirty = _git(pkg)
    version = __version__
    if commit is None:
        return f"{version}+src.{source[:12]}"
    return f"{version}+g{commit[:12]}" + (f".dirty.{source[:10]}" if dirty else "")


def _git(pkg: Path) -> tuple[str | None, bool]:
    try:
        run = functools.partial(subprocess.run, cwd=pkg, capture_output=True, text=True, timeout=10, check=True)
        commit = run(["git", "rev-parse", "HEAD"]).stdout.strip()
        dirty = bool(run(["git", "status", "--porcelain", "--", "."]).stdout.strip())
        return commit or None, dirty
    except (OSError, subprocess.SubprocessError):
        return None, False


__all__ = ["__version__", "code_version"]
