"""Files written whole or not at all, and the one container every deepstep file uses: a JSON
header and named arrays in one .npz, read without pickle."""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any

import numpy as np

__all__ = ["atomic_write", "read_archive", "write_archive"]


def atomic_write(path: str | os.PathLike, write: Callable[[IO[bytes]], Any]) -> Path:
    """Call write(file) on a temporary file beside `path`, then rename it over `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def write_archive(
    path: str | os.PathLike, header_key: str, header: Any, arrays: dict[str, np.ndarray]
) -> Path:
    """`header` as JSON under `header_key`, and the arrays, in one .npz written atomically."""
    blob = np.frombuffer(json.dumps(header).encode("utf-8"), dtype=np.uint8)
    return atomic_write(path, lambda file: np.savez(file, **{header_key: blob}, **arrays))


def read_archive(
    path: str | os.PathLike, header_key: str | None, what: str, names: Iterable[str] | None = None
) -> tuple[Any, dict[str, np.ndarray]]:
    """(header, arrays) of a file written by write_archive: every array, or only `names` (none for
    ()). `what` names the kind of file in the errors: missing, foreign, truncated or corrupt. With
    header_key None, any .npz: no header, every array (a header among them, as it is stored)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no {what} at {path}")
    try:
        with np.load(path, allow_pickle=False) as archive:
            if header_key is None:
                header = None
            elif header_key not in archive.files:
                raise ValueError(f"{path} is not a {what} (no {header_key.strip('_')} inside)")
            else:
                header = json.loads(archive[header_key].tobytes().decode("utf-8"))
            wanted = [n for n in archive.files if n != header_key] if names is None else list(names)
            arrays = {name: archive[name] for name in wanted}
    except (
        KeyError,
        zipfile.BadZipFile,
        OSError,
        EOFError,
        UnicodeDecodeError,
        json.JSONDecodeError,
    ) as error:
        raise ValueError(f"{path} is not a readable {what} (truncated or corrupt?): {error}") from None
    except ValueError as error:  # e.g. an array that would need pickle
        message = str(error)
        raise ValueError(
            message if message.startswith(str(path)) else f"{path} is not a readable {what}: {message}"
        ) from None
    return header, arrays
