"""One run per folder, and no work lost to a bad destination.

Before a command computes anything it claims what it will write:

- an output folder (`deepstep train|autoencoder|gan|lm`): it must be a folder or not exist yet. A
  folder the user named is created as `mkdir` would (its parent must exist: a typo such as
  `--output /nonexistent/run` is an error, not a new tree of folders); a default one (runs/…) is
  created with its parents, as `mkdir -p`. The lock file `deepstep.lock` inside it is the test that
  the folder can be written.
- an output file (`deepstep word2vec -o`, `--save-model`): its folder must exist and be writable;
  the lock `NAME.lock` lies beside it. Nothing is created but the lock.

The lock is a file created with O_CREAT | O_EXCL, holding the owner's process id and command line.
The owner also holds an flock on it, which the kernel drops when the process ends however it ends
(SIGKILL included), so a lock left behind is told from a live one exactly, even when its process
id has since been given to another process. A live lock refuses a second job at once; the owner
removes it when it ends (normally, on Ctrl-C, or on an error); a job killed outright (SIGKILL,
SIGTERM) leaves the file behind, and the next job takes that stale lock over with a note.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from types import TracebackType

try:
    import fcntl
except ImportError:  # Windows: the process id alone tells a stale lock
    fcntl = None  # type: ignore[assignment]

__all__ = ["FOLDER_LOCK", "FolderInUseError", "OutputError", "RunLock", "claim_file", "claim_folder"]

FOLDER_LOCK = "deepstep.lock"


class OutputError(OSError):
    """A destination that cannot be written: says which, why, and what to do instead."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class FolderInUseError(OutputError):
    """Another live job holds the lock on this folder (or file)."""


def _alive(pid: int) -> bool:
    """Whether a process with this id exists (one we may not signal exists too)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class RunLock:
    """The lock file at `path` for `what` (a folder or a file, named in messages): acquired on
    entering a `with`, released on leaving it, however it is left."""

    def __init__(self, path: str | os.PathLike, what: str, command: str) -> None:
        self.path, self.what, self.command = Path(path), what, command
        self.fd: int | None = None
        self.created: list[Path] = []  # folders made for the run, deepest first: removed on release if empty

    def __enter__(self) -> RunLock:
        if self.fd is None:  # claim_file and claim_folder hand it over acquired
            self.acquire()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.release()

    def acquire(self) -> None:
        for _ in range(10):  # the file may vanish or be replaced while we look: look again
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_RDWR | os.O_CLOEXEC, 0o666)
                fresh = True
            except FileExistsError:
                try:
                    fd = os.open(self.path, os.O_RDWR | os.O_CLOEXEC)
                except FileNotFoundError:
                    continue  # released meanwhile
                fresh = False
            except OSError as error:
                raise OutputError(
                    f"cannot write to {self.what} ({error.strerror}); give one you can write to"
                ) from None
            self._lock(fd)
            if not _same_file(fd, self.path):  # released and removed while we locked it
                os.close(fd)
                continue
            owner = _read(fd)
            if not fresh and owner is not None and owner[0] != os.getpid():
                ended = "has ended" if not _alive(owner[0]) else "no longer holds it"
                print(
                    f"note: {self.what} was locked by process {owner[0]}, which {ended}; taking it over",
                    file=sys.stderr,
                )
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n{self.command}\n".encode(), 0)
            self.fd = fd
            return
        raise FolderInUseError(f"{self.what} is in use by another deepstep job ({self.path} keeps changing)")

    def _lock(self, fd: int) -> None:
        """flock fd, or a FolderInUseError naming the owner when a live job holds it."""
        owner = _read(fd)
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                pass
        elif owner is None or owner[0] == os.getpid() or not _alive(owner[0]):
            return
        os.close(fd)
        who = f"process {owner[0]} (`{owner[1]}`)" if owner else "another process"
        raise FolderInUseError(f"{self.what} is in use by {who}; wait for it to end, or write elsewhere")

    def release(self) -> None:
        if self.fd is None:
            return
        try:
            if _same_file(self.fd, self.path):
                self.path.unlink()
        finally:
            os.close(self.fd)  # drops the flock
            self.fd = None
        for folder in self.created:  # left empty only when the run failed before writing anything
            with contextlib.suppress(OSError):
                folder.rmdir()


def _read(fd: int) -> tuple[int, str] | None:
    """(pid, command) written in a lock file, None if it holds none (yet)."""
    lines = os.pread(fd, 4096, 0).decode("utf-8", "replace").splitlines()
    try:
        return int(lines[0]), (lines[1] if len(lines) > 1 else "deepstep")
    except (IndexError, ValueError):
        return None


def _same_file(fd: int, path: Path) -> bool:
    """Whether path still names the file open as fd (not removed, not replaced by a newer lock)."""
    try:
        here, there = os.fstat(fd), os.stat(path)
    except FileNotFoundError:
        return False
    return (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)


def claim_folder(folder: str | os.PathLike, option: str, command: str, named: bool = True) -> RunLock:
    """Check that `folder` can be the output folder (created if missing: alone when `named` by the
    user, with its parents when it is a default) and lock it: the RunLock, acquired."""
    folder = Path(folder)
    what = f"{option} {folder}"
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{what} is a file, not a folder; give a folder (new or a run's) as {option}")
    if not folder.exists():
        if named and not folder.parent.is_dir():
            kind = "is not a folder" if folder.parent.exists() else "does not exist"
            raise OutputError(
                f"{what}: its parent {folder.parent} {kind}; create that folder first "
                f"(mkdir -p {folder.parent}) or give another {option}"
            )
        created = [folder, *(p for p in folder.parents if not p.exists())][: 1 if named else None]
        try:
            folder.mkdir(parents=not named)
        except FileExistsError:  # made meanwhile by another job
            created = []
        except OSError as error:
            raise OutputError(f"cannot create {what} ({error.strerror}); give another {option}") from None
    else:
        created = []
    lock = RunLock(folder / FOLDER_LOCK, what, command)
    lock.acquire()
    lock.created = created
    return lock


def claim_file(path: str | os.PathLike, option: str, command: str) -> RunLock:
    """Check that the file `path` can be written (its folder exists and is writable; it is not a
    folder) and lock it: the RunLock (`NAME.lock` beside it), acquired."""
    path = Path(path)
    what = f"{option} {path}"
    if path.is_dir():
        raise OutputError(f"{what} is a folder; give a file name, e.g. {path / 'vectors.bin'}")
    if not path.parent.is_dir():
        kind = "is not a folder" if path.parent.exists() else "does not exist"
        raise OutputError(
            f"{what}: its folder {path.parent} {kind}; create it first or give another {option}"
        )
    lock = RunLock(path.with_name(path.name + ".lock"), what, command)
    lock.acquire()
    return lock
