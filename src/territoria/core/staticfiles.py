"""Static files as browsers should get them: under hashed names, gzip and brotli beside each,
cached a year.

WhiteNoise's CompressedManifestStaticFilesStorage does the work when the files are
collected into STATIC_ROOT (in the data folder). `territoria demo` and `serve` collect them
before the site starts, so `pip install` then `territoria demo` needs no extra step; a
start with nothing changed skips the collection (see `collect_static`).
"""

import fcntl
import hashlib
import os
import tempfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, cast

# WhiteNoise has type hints but no py.typed marker.
from whitenoise.compress import Compressor  # type: ignore[import-untyped]
from whitenoise.storage import CompressedManifestStaticFilesStorage  # type: ignore[import-untyped]

ONE_YEAR = 365 * 24 * 60 * 60


def cache_a_year(headers: Any, path: str, url: str) -> None:
    """WHITENOISE_ADD_HEADERS_FUNCTION: a hashed name changes with its content, so WhiteNoise
    marks it immutable, for ten years; a year is the longest HTTP/1.1 advised (RFC 2616)."""
    if "immutable" in headers.get("Cache-Control", ""):
        headers["Cache-Control"] = f"max-age={ONE_YEAR}, public, immutable"


class CompressedStaticStorage(CompressedManifestStaticFilesStorage):  # type: ignore[misc]
    """WhiteNoise's storage, compressing each file once rather than at every collection
    (brotli at its best ratio takes about 2 s a megabyte: 15 s for all the apps' files)."""

    def create_compressor(self, **kwargs: Any) -> Compressor:
        # Nor source maps (a third of the apps' bytes): only developers' tools load them.
        skipped = kwargs.get("extensions") or Compressor.SKIP_COMPRESS_EXTENSIONS
        return _CompressOnce(
            # Only hashed names are compressed then, and a hashed name is one content.
            reuse=self.keep_only_hashed_files,
            **{**kwargs, "extensions": (*skipped, "map")},
        )


class _CompressOnce(Compressor):  # type: ignore[misc]
    def __init__(self, reuse: bool, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.reuse = reuse

    def compress(self, path: str) -> list[str]:
        copies = [path + ".gz", *([path + ".br"] if self.use_brotli else [])]
        if self.reuse and all(os.path.exists(copy) for copy in copies):
            return copies
        return list(super().compress(path))

    def write_data(self, path: str, data: bytes, suffix: str, stat_result: Any) -> str:
        """As WhiteNoise, through a temporary file: a collection cut short leaves no
        truncated copy that would then be kept."""
        filename = path + suffix
        handle, temporary = tempfile.mkstemp(dir=os.path.dirname(filename), prefix=".compress-")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
            os.chmod(temporary, 0o644)
            os.utime(temporary, ns=(stat_result.st_atime_ns, stat_result.st_mtime_ns))
            os.replace(temporary, filename)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return filename


def collect_static() -> bool:
    """Collect the static files into STATIC_ROOT unless those there come from the same
    sources; True if it collected. Processes starting together on one data folder take
    turns: the first collects, the others find the work done."""
    from django.conf import settings
    from django.core.management import call_command

    root = Path(settings.STATIC_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    # Beside STATIC_ROOT, not in it: everything in it is served.
    with (root.parent / f"{root.name}.collected").open("a+") as stamp:
        fcntl.flock(stamp, fcntl.LOCK_EX)
        stamp.seek(0)
        sources = sources_fingerprint()
        if stamp.read() == sources and (root / "staticfiles.json").exists():
            return False
        call_command("collectstatic", interactive=False, verbosity=0)
        stamp.seek(0)
        stamp.truncate()
        stamp.write(sources)
        return True


def sources_fingerprint() -> str:
    """What the collected files depend on: every source file's name and content (read in a
    few milliseconds), the URL and storage, and the versions of the code that writes them."""
    from django.conf import settings
    from django.contrib.staticfiles.apps import StaticFilesConfig
    from django.contrib.staticfiles.finders import get_finders

    digest = hashlib.sha256()
    for part in (
        settings.STATIC_URL,
        str(cast(dict[str, Any], settings.STORAGES)["staticfiles"]),
        str(getattr(settings, "WHITENOISE_KEEP_ONLY_HASHED_FILES", False)),
        *(f"{name} {_version(name)}" for name in ("django", "whitenoise", "brotli")),
    ):
        digest.update(f"{part}\n".encode())
    found: dict[str, str] = {}
    for finder in get_finders():
        for path, storage in finder.list(StaticFilesConfig.ignore_patterns):
            prefix = getattr(storage, "prefix", None) or ""
            # As collectstatic: the first finder to list a name wins.
            found.setdefault(os.path.join(prefix, path), storage.path(path))
    for name, path in sorted(found.items()):
        digest.update(f"{name}\n".encode())
        digest.update(hashlib.sha256(Path(path).read_bytes()).digest())
    return digest.hexdigest()


def _version(distribution: str) -> str:
    try:
        return version(distribution)
    except PackageNotFoundError:  # brotli: then no .br files
        return "-"
