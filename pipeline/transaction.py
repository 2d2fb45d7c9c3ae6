"""One output transaction per run: a lock, a staging folder, and one commit that moves every file into place.

Why: a run writes several files (a CSV and a Parquet copy per table, a workbook). Readers must never
see files of two runs side by side, two runs into one folder must not interleave their rows, and a
killed run must not leave debris that later runs ignore. So every file of a run is written into
``OUT/.medmine-staging-<pid>/`` and renamed into ``OUT`` only once all of them are complete; the
lock ``OUT/.medmine.lock`` lets one run at a time write there (a second run fails at once), and the
run that holds it removes staging folders that killed runs left behind.
"""
from __future__ import annotations

import json
import os
import shutil
import threading
import time
from pathlib import Path

from .errors import MedmineError

LOCK_NAME = ".medmine.lock"
STAGING_PREFIX = ".medmine-staging-"
MANIFEST_NAME = ".medmine-files.json"
# Hidden temporary files of medmine versions before the staging folder.
LEGACY_DEBRIS = (".*.csv.tmp", ".*.tmp.parquet", ".*.tmp.xlsx")

_HELD: set[str] = set()  # output folders locked by this process (POSIX locks do not exclude threads)
_HELD_GUARD = threading.Lock()


class OutputBusy(MedmineError):
    """Another run is writing into the same output folder."""

    code = "E300"
    hint = "wait for it to finish, or choose another output folder with -o"


def _try_lock(fd: int) -> bool:
    """A non-blocking exclusive lock that dies with this process.

    POSIX record locks (``lockf``) are not inherited by forked workers, so a killed
    run's orphaned workers never keep the folder locked.
    """
    try:
        if os.name == "nt":  # pragma: no cover - Windows
            import msvcrt

            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False


class OutputLock:
    """``OUT/.medmine.lock``, held for the whole run; the file names its holder for the error message."""

    def __init__(self, out_dir: Path):
        self.path = out_dir / LOCK_NAME
        self.key = str(self.path.resolve())
        self.fd: int | None = None

    def acquire(self) -> None:
        with _HELD_GUARD:
            if self.key in _HELD:
                raise OutputBusy(f"{self.path.parent}: another medmine run in this process is writing there")
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
            if not _try_lock(fd):
                holder = os.read(fd, 200).decode("utf-8", "replace").strip() or "unknown process"
                os.close(fd)
                raise OutputBusy(f"{self.path.parent}: another medmine run is writing there ({holder})")
            os.ftruncate(fd, 0)
            os.write(fd, f"pid {os.getpid()}, started {time.strftime('%Y-%m-%d %H:%M:%S')}".encode())
            self.fd = fd
            _HELD.add(self.key)

    def release(self) -> None:
        with _HELD_GUARD:
            if self.fd is not None:
                os.close(self.fd)  # closing the descriptor releases the lock
                self.fd = None
                _HELD.discard(self.key)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists() or path.is_symlink():
        path.unlink()


def remove_stale(out_dir: Path) -> list[str]:
    """Staging folders and temporary files of runs that were killed; only called with the lock held,
    so nothing else can be using them."""
    stale = sorted(out_dir.glob(f"{STAGING_PREFIX}*"))
    for pattern in LEGACY_DEBRIS:
        stale.extend(sorted(out_dir.glob(pattern)))
    for path in stale:
        _remove(path)
    return [p.name for p in stale]


def _replace(source: Path, target: Path, trash: Path) -> None:
    """Rename ``source`` over ``target``; a folder (a Parquet dataset) or a change between file and
    folder first moves the old one aside, since ``os.replace`` cannot overwrite those."""
    if target.is_dir() or (source.is_dir() and target.exists()):
        os.replace(target, trash)
    os.replace(source, target)


class OutputTransaction:
    """``with OutputTransaction(out) as tx:`` write into ``tx.staging``, then ``tx.commit()``.

    Leaving the block without a commit (an error, Ctrl-C) deletes the staging folder and
    leaves the previous run's files untouched.
    """

    def __init__(self, out_dir: Path):
        self.out_dir = Path(out_dir)
        self.staging = self.out_dir / f"{STAGING_PREFIX}{os.getpid()}"
        self.lock = OutputLock(self.out_dir)
        self.removed: list[str] = []  # stale debris found at the start
        self.committed: list[Path] = []

    def __enter__(self) -> "OutputTransaction":
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.lock.acquire()
        try:
            self.removed = remove_stale(self.out_dir)
            self.staging.mkdir()
        except BaseException:
            self.lock.release()
            raise
        return self

    def commit(self) -> list[Path]:
        """Move every staged file into place, then drop files of the previous run that this run did
        not write (another ``--formats``), so the folder holds one run's tables only."""
        names = sorted(p.name for p in self.staging.iterdir())
        trash = self.staging / ".replaced"
        trash.mkdir()
        for i, name in enumerate(names):
            _replace(self.staging / name, self.out_dir / name, trash / str(i))
        manifest = self.out_dir / MANIFEST_NAME
        for name in set(self._previous(manifest)) - set(names):
            if name and "/" not in name and not name.startswith("."):
                _remove(self.out_dir / name)
        (self.staging / MANIFEST_NAME).write_text(json.dumps(names, ensure_ascii=False), encoding="utf-8")
        os.replace(self.staging / MANIFEST_NAME, manifest)
        self.committed = [self.out_dir / n for n in names]
        return self.committed

    @staticmethod
    def _previous(manifest: Path) -> list[str]:
        try:
            names = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        return [n for n in names if isinstance(n, str)] if isinstance(names, list) else []

    def __exit__(self, *exc) -> None:
        try:
            shutil.rmtree(self.staging, ignore_errors=True)
        finally:
            self.lock.release()
