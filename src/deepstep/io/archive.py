"""Files written whole or not at all, and the one container every deepstep file uses: a JSON
header and named arrays in one .npz, read without pickle."""

from __future__ import annotations

import json
import math
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any, NamedTuple

import numpy as np
from numpy.lib import format as npy_format

__all__ = ["Declared", "atomic_write", "declared_arrays", "read_archive", "write_archive"]


def _umask() -> int:
    """The process's umask, read without changing it where Linux tells it (os.umask can only set it,
    and setting it to read it would leave a moment in which another thread creates files with 0)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write(path: str | os.PathLike, write: Callable[[IO[bytes]], Any]) -> Path:
    """Call write(file) on a temporary file beside `path`, then rename it over `path`. The file gets
    the permissions open() would give it (0o666 less the umask), not the temporary file's 0o600."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        if hasattr(os, "fchmod"):  # POSIX; Windows has no modes to give
            os.fchmod(handle, 0o666 & ~_umask())
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


# A file may inflate to this many times its size (zip members can be deflated), and never refuses less
# than MIN_BOUND: savez stores arrays uncompressed (ratio 1), and real weights barely compress, while a
# zip bomb inflates a thousandfold. A reader that knows what to expect (a model's architecture) checks
# the declared shapes against it too, before reading.
INFLATION_BOUND = 16
MIN_BOUND = 64 << 20


class Declared(NamedTuple):
    """An array as its .npy header declares it, before any of its data is read."""

    shape: tuple[int, ...]
    dtype: np.dtype

    @property
    def nbytes(self) -> int:
        return math.prod(self.shape) * self.dtype.itemsize  # Python ints: no overflow


def declared_arrays(path: str | os.PathLike) -> dict[str, Declared]:
    """Shape and dtype of each array of an .npz, from the zip directory and the first bytes of each
    member (the .npy header), decompressing no data. A member that is not an array, needs pickle, or
    whose zip entry declares another size than its header's shape is refused (a ValueError that
    does not name the file: read_archive does)."""
    declared = {}
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if not info.filename.endswith(".npy"):
                raise ValueError(f"it holds {info.filename!r}, which is not an array (.npy)")
            with archive.open(info) as member:
                version = npy_format.read_magic(member)
                if version not in _HEADER_READERS:
                    raise ValueError(f"{info.filename!r} has .npy format version {version}")
                shape, _fortran, dtype = _HEADER_READERS[version](member)
                header_bytes = member.tell()
            name = info.filename[: -len(".npy")]
            if dtype.hasobject:
                raise ValueError(f"{name!r} holds Python objects, which only pickle could read")
            array = Declared(tuple(shape), dtype)
            if info.file_size != header_bytes + array.nbytes:
                raise ValueError(
                    f"{name!r} claims shape {array.shape} of {dtype} ({array.nbytes:,} "
                    f"bytes) but its zip entry holds {info.file_size - header_bytes:,} bytes"
                )
            declared[name] = array
    return declared


_HEADER_READERS = {(1, 0): npy_format.read_array_header_1_0, (2, 0): npy_format.read_array_header_2_0}


def read_archive(
    path: str | os.PathLike,
    header_key: str | None,
    what: str,
    names: Iterable[str] | None = None,
    check: Callable[[Any, dict[str, Declared]], Any] | None = None,
    max_bytes: int | None = None,
) -> tuple[Any, dict[str, np.ndarray]]:
    """(header, arrays) of a file written by write_archive: every array, or only `names` (none for
    ()). `what` names the kind of file in the errors: missing, foreign, truncated or corrupt. With
    header_key None, any .npz: no header, every array (a header among them, as it is stored).

    Before any array is read, the declared sizes must stay within `max_bytes` (by default
    INFLATION_BOUND × the file's size, at least MIN_BOUND), and check(header, declared) (when given)
    may refuse the file by raising a ValueError: nothing of a zip bomb is decompressed."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no {what} at {path}")
    try:
        declared = declared_arrays(path)
        bound = max(MIN_BOUND, INFLATION_BOUND * path.stat().st_size) if max_bytes is None else max_bytes
        total = sum(array.nbytes for array in declared.values())
        if total > bound:
            name = max(declared, key=lambda name: declared[name].nbytes)
            raise ValueError(
                f"{path} would inflate to {total:,} bytes ({name!r} claims shape {declared[name].shape} "
                f"of {declared[name].dtype}), more than the bound of {bound:,} for a file of "
                f"{path.stat().st_size:,} bytes: a zip bomb? If you trust it, pass max_bytes={total}"
            )
        with np.load(path, allow_pickle=False) as archive:
            if header_key is None:
                header = None
            elif header_key not in archive.files:
                raise ValueError(f"{path} is not a {what} (no {header_key.strip('_')} inside)")
            else:
                header = json.loads(archive[header_key].tobytes().decode("utf-8"))
            if check is not None:
                check(header, {name: array for name, array in declared.items() if name != header_key})
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
            message if str(path) in message else f"{path} is not a readable {what}: {message}"
        ) from None
    return header, arrays
