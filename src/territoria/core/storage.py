"""Where uploaded files live: the data folder (the default) or an S3-compatible object store.

`settings.STORAGES` holds two upload storages, both built from `STORAGE_URL` by
`core.env.storage_settings`: "default" and "private" (applicants' documents). Model fields
name a `ConfiguredStorage`, which looks its backend up at each use: the field is built
once when the models load, the backend follows the settings (and the tests' overrides).
"""

import os
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, storages

if TYPE_CHECKING:
    from _typeshed import StrPath


class DataFolderStorage(FileSystemStorage):
    """A folder of the data folder (`TERRITORIA_DATA_DIR`), or of `root` when given.

    The data folder is read from the settings at each use, not frozen when the storage is
    built: `territoria demo` and the tests choose it after the models have loaded.
    """

    def __init__(self, folder: str, root: str | None = None, **options: Any) -> None:
        self.folder = folder
        self.root = root
        super().__init__(**options)

    @property
    def base_location(self) -> str:
        return str(Path(self.root or settings.DATA_DIR) / self.folder)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)


class ConfiguredStorage(Storage):
    """Every operation goes to `storages[alias]` (settings.STORAGES), looked up each time."""

    alias = "default"

    @property
    def backend(self) -> Storage:
        return storages[self.alias]

    def open(self, name: str, mode: str = "rb") -> File:
        return self.backend.open(name, mode)

    def save(self, name: str | None, content: IO[Any], max_length: int | None = None) -> str:
        return self.backend.save(name, content, max_length=max_length)

    def get_valid_name(self, name: str) -> str:
        return self.backend.get_valid_name(name)

    def get_alternative_name(self, file_root: str, file_ext: str) -> str:
        return self.backend.get_alternative_name(file_root, file_ext)

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        return self.backend.get_available_name(name, max_length=max_length)

    def generate_filename(self, filename: "StrPath") -> str:
        return self.backend.generate_filename(filename)

    def path(self, name: str) -> str:
        return self.backend.path(name)

    def delete(self, name: str) -> None:
        self.backend.delete(name)

    def exists(self, name: str) -> bool:
        return self.backend.exists(name)

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        return self.backend.listdir(path)

    def size(self, name: str) -> int:
        return self.backend.size(name)

    def url(self, name: str | None) -> str:
        return self.backend.url(name)

    def get_accessed_time(self, name: str) -> datetime:
        return self.backend.get_accessed_time(name)

    def get_created_time(self, name: str) -> datetime:
        return self.backend.get_created_time(name)

    def get_modified_time(self, name: str) -> datetime:
        return self.backend.get_modified_time(name)
