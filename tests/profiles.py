"""Editable copies of the packaged territory profiles, for tests that break one on purpose."""

import shutil
from pathlib import Path

from territoria.core import territory


def copy_profile(folder: Path, name: str = "brussels") -> Path:
    """A copy of the packaged profile `name` in `folder`; returns its territory.toml."""
    shutil.copytree(territory.PACKAGED / name, folder)
    return folder / "territory.toml"


def edit(path: Path, old: str, new: str) -> None:
    """Replace the first `old` in the file by `new` (which must be there)."""
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
