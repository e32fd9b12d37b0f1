"""The safetensors format: named arrays behind a JSON header, the format PyTorch and Hugging Face
share weights in (https://github.com/huggingface/safetensors).

A file is an 8-byte little-endian header length, the header — JSON naming each tensor's dtype,
shape and byte range, plus `__metadata__`, a map of strings to strings — and then the raw
little-endian bytes of the tensors. Reading it never runs code: the `safetensors` package checks
that the header is well-formed and that the byte ranges tile the file exactly, so a truncated file
or a damaged header is refused. Its bytes have no checksum, so deepstep adds one to the metadata
(`deepstep.crc32`, the CRC-32 that zip files use, over every name, dtype, shape, byte and metadata
entry): a flipped byte in a file deepstep wrote is refused too (the checksum must be there when
other deepstep entries are). Files from other writers carry no checksum, and only the structural
checks apply to them.

The `safetensors` package is an optional extra (`pip install deepstep[safetensors]`).
"""

from __future__ import annotations

import json
import os
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from .archive import Declared, atomic_write

__all__ = ["SUFFIX", "declared_tensors", "is_safetensors_name", "read_safetensors", "write_safetensors"]

SUFFIX = ".safetensors"
CHECKSUM_KEY = "deepstep.crc32"


def is_safetensors_name(path: str | os.PathLike) -> bool:
    return Path(path).suffix == SUFFIX


def _package() -> Any:
    try:
        import safetensors
        import safetensors.numpy
    except ImportError:
        raise ImportError(
            "reading and writing .safetensors files needs the safetensors package: "
            "pip install safetensors (or deepstep[safetensors])"
        ) from None
    return safetensors


def _checksum(arrays: dict[str, np.ndarray], metadata: dict[str, str]) -> str:
    """CRC-32 of the contents in a fixed order (names sorted, little-endian bytes), whatever order
    the file lays them out in."""
    crc = zlib.crc32(json.dumps(sorted(metadata.items())).encode("utf-8"))
    for name in sorted(arrays):
        array = arrays[name]
        little = array.astype(array.dtype.newbyteorder("<"), copy=False)
        crc = zlib.crc32(f"{name}\0{little.dtype.str}\0{little.shape}".encode(), crc)
        crc = zlib.crc32(np.ascontiguousarray(little).reshape(-1).view(np.uint8), crc)
    return f"{crc:08x}"


def write_safetensors(
    path: str | os.PathLike, arrays: dict[str, np.ndarray], metadata: dict[str, str]
) -> Path:
    """Write `arrays` and the string-valued `metadata` (plus its checksum) atomically."""
    package = _package()
    # The writer reads each array's memory as it lies: hand it C-ordered arrays without gaps
    # (copy(), not np.ascontiguousarray, which would make a 0-d array 1-d).
    arrays = {
        name: value if value.flags.c_contiguous else value.copy(order="C")
        for name, value in ((name, np.asarray(value)) for name, value in arrays.items())
    }
    for name, value in arrays.items():
        if value.dtype.kind not in "biufc" or value.dtype.itemsize > 8:  # complex128, longdouble
            raise TypeError(
                f"safetensors cannot hold {name!r} of dtype {value.dtype}; convert it, or save to .npz"
            )
    metadata = {**metadata, CHECKSUM_KEY: _checksum(arrays, metadata)}
    blob = package.numpy.save(arrays, metadata=metadata)
    return atomic_write(path, lambda file: file.write(blob))


# The header's bound, as the safetensors package sets it; and its dtypes in NumPy's terms (None: none).
MAX_HEADER_BYTES = 100_000_000
_DTYPES = {
    "F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1",
    "U64": "<u8", "U32": "<u4", "U16": "<u2", "U8": "u1", "BOOL": "?",
}  # fmt: skip


def declared_tensors(path: str | os.PathLike, what: str) -> tuple[dict[str, str], dict[str, Declared]]:
    """(metadata, shape and dtype of each tensor) from the header alone, reading none of the data; a
    header that is too long, not JSON, or whose byte ranges do not match the shapes is refused."""
    path = Path(path)
    size = path.stat().st_size
    with open(path, "rb") as file:
        prefix = file.read(8)
        length = int.from_bytes(prefix, "little") if len(prefix) == 8 else -1
        if not 0 < length <= min(MAX_HEADER_BYTES, size - 8):
            raise ValueError(f"{path} is not a readable {what} (truncated, corrupt, or not safetensors?)")
        try:
            header = json.loads(file.read(length))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ValueError(f"{path} is not a readable {what}: its header is not JSON ({error})") from None
    if not isinstance(header, dict):
        raise ValueError(f"{path} is not a readable {what}: its header is not a JSON object")
    metadata = header.pop("__metadata__", None) or {}
    declared = {}
    for name, entry in header.items():
        try:
            shape = tuple(int(n) for n in entry["shape"])
            begin, end = (int(n) for n in entry["data_offsets"])
            code = _DTYPES.get(entry["dtype"])
        except (KeyError, TypeError, ValueError):
            raise ValueError(f"{path} is not a readable {what}: the entry of {name!r} is damaged") from None
        if code is None:  # bfloat16, float8: types NumPy lacks
            raise ValueError(
                f"{path} holds a dtype NumPy cannot represent ({name!r} is {entry['dtype']}); convert it "
                "to float32 first"
            )
        array = Declared(shape, np.dtype(code))
        if (
            min(shape, default=0) < 0
            or end - begin != array.nbytes
            or not 0 <= begin <= end <= size - 8 - length
        ):
            raise ValueError(
                f"{path} is corrupt: {name!r} claims shape {shape} of {array.dtype} ({array.nbytes:,} bytes) "
                f"in the byte range {begin}–{end} of a file of {size:,} bytes"
            )
        declared[name] = array
    return metadata, declared


def read_safetensors(
    path: str | os.PathLike,
    what: str,
    names: Iterable[str] | None = None,
    check: Callable[[dict[str, str], dict[str, Declared]], Any] | None = None,
) -> tuple[dict[str, str], dict[str, np.ndarray]]:
    """(metadata, arrays) of a safetensors file: every array, or only `names` (none for ()). `what`
    names the kind of file in the errors; any damage is a ValueError. check(metadata, declared), when
    given, may refuse the file from its header (by raising a ValueError) before any tensor is read."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no {what} at {path}")
    if check is not None:
        check(*declared_tensors(path, what))
    package = _package()
    try:
        with package.safe_open(path, framework="np") as file:
            metadata = file.metadata() or {}
            keys = list(file.keys())
            arrays = {name: file.get_tensor(name) for name in (keys if names is None else names)}
    except (package.SafetensorError, OSError) as error:
        raise ValueError(
            f"{path} is not a readable {what} (truncated, corrupt, or not safetensors?): {error}"
        ) from None
    except TypeError as error:  # a dtype NumPy lacks, as bfloat16
        raise ValueError(
            f"{path} holds a dtype NumPy cannot represent ({error}); convert it to float32 first"
        ) from None
    except KeyError as error:
        raise ValueError(f"{path} holds no tensor {error} (a {what} was expected)") from None
    for name, array in arrays.items():  # (bfloat16 arrives as ml_dtypes' type once onnx has loaded it)
        if array.dtype.kind not in "biufc":
            raise ValueError(
                f"{path} holds a dtype NumPy cannot represent ({name!r} is {array.dtype}); convert it "
                "to float32 first"
            )
    expected = metadata.get(CHECKSUM_KEY)
    if expected is None and any(key.startswith("deepstep.") for key in metadata):
        raise ValueError(f"{path} is corrupt: deepstep wrote it with a checksum, which is gone")
    if expected is not None and names is None:
        found = _checksum(arrays, {k: v for k, v in metadata.items() if k != CHECKSUM_KEY})
        if found != expected:
            raise ValueError(
                f"{path} is corrupt: its contents do not match the checksum written with them "
                f"(crc32 {found}, expected {expected})"
            )
    return metadata, arrays


def read_json(path: Path, metadata: dict[str, str], key: str, what: str) -> Any:
    """One metadata entry, decoded from JSON (a ValueError if it is missing or damaged)."""
    if key not in metadata:
        raise ValueError(f"{path} is not a {what}: its safetensors metadata has no {key!r}")
    try:
        return json.loads(metadata[key])
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not a readable {what}: {key!r} is not JSON ({error})") from None
