"""Static files that ship inside installed packages rather than in an app.

Plotly's JavaScript comes inside the `plotly` Python package; this finder serves it
as `vendor/plotly.min.js`, so pages draw charts with no CDN and no build step.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import plotly
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

PACKAGED = {"vendor/plotly.min.js": Path(plotly.__file__).parent / "package_data" / "plotly.min.js"}


class PackagedFileFinder(BaseFinder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.storages = {
            name: FileSystemStorage(location=str(path.parent)) for name, path in PACKAGED.items()
        }

    def check(self, **kwargs: Any) -> list[Any]:
        return []

    def find(self, path: str, find_all: bool = False, **kwargs: Any) -> Any:
        found = PACKAGED.get(path)
        if found is None or not found.exists():
            return [] if find_all else None
        return [str(found)] if find_all else str(found)

    def list(self, ignore_patterns: Any) -> Iterator[tuple[str, Any]]:
        for name, path in PACKAGED.items():
            if path.exists():
                yield name, _Renamed(self.storages[name], path.name, name)


class _Renamed(FileSystemStorage):
    """The package's file, listed under its public name."""

    def __init__(self, storage: FileSystemStorage, real: str, public: str) -> None:
        super().__init__(location=storage.location)
        self.real, self.public = real, public

    def path(self, name: str) -> str:
        return super().path(self.real if name == self.public else name)

    def open(self, name: str, mode: str = "rb") -> Any:
        return super().open(self.real if name == self.public else name, mode)
