"""File modes for what holds personal data: the desk store, the warehouse, the analyst
snapshot and its exports, the landing zone. One table of them is in docs/privacy.md.

- Files are owner-only (0600) and the folders carewire creates for them owner-only (0700):
  set where each file is created, never left to the umask.
- A file that exists already with a looser mode (made by an older carewire, or copied in)
  is tightened when carewire opens it, with a warning in the log.
- A folder that exists already is left as it is: it may be shared on purpose (an analysts'
  group), and the files in it are owner-only anyway.
- `Settings.share_with_group` lets the folder's group read the snapshot and the exports
  (0640, folders 0750), for analysts who sign in as themselves; the desk store and the
  warehouse stay owner-only.
"""

from __future__ import annotations

import logging
import os
import stat
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700
GROUP_FILE = 0o640
GROUP_DIR = 0o750

_log = logging.getLogger(__name__)


def file_mode(share_with_group: bool = False) -> int:
    return GROUP_FILE if share_with_group else PRIVATE_FILE


def dir_mode(share_with_group: bool = False) -> int:
    return GROUP_DIR if share_with_group else PRIVATE_DIR


def mode_of(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def private_dir(path: Path, mode: int = PRIVATE_DIR) -> Path:
    """`path` and any missing folders above it, each created with `mode` (Path.mkdir's
    `parents=True` would give the parents the umask's mode); existing ones are left as
    they are."""
    path = Path(path)
    missing, above = [], path
    while not above.exists() and above != above.parent:
        missing.append(above)
        above = above.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=mode)
        except FileExistsError:  # made meanwhile by another process: theirs is as good
            continue
        os.chmod(folder, mode)  # what the umask took away (0750 under umask 077)
    return path


def tighten(path: Path, mode: int = PRIVATE_FILE, what: str = "it") -> bool:
    """Take from `path` (if it exists) every permission `mode` does not give, with a log
    line saying so. Returns whether it changed anything."""
    try:
        before = mode_of(path)
    except FileNotFoundError:
        return False
    if not before & ~mode:
        return False
    os.chmod(path, before & mode)
    _log.warning("tightened %s from %04o to %04o: %s holds personal data (docs/privacy.md, "
                 "file modes)", path, before, before & mode, what)
    return True


def create_private(path: Path, mode: int = PRIVATE_FILE) -> bool:
    """Create `path` empty with `mode` if it does not exist (for a store that accepts an
    empty file as a new one: SQLite). Returns whether it created it."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        return False
    os.close(fd)
    os.chmod(path, mode)  # whatever the umask took away
    return True


_UMASK = threading.Lock()
_holders = 0
_saved_umask = 0


@contextmanager
def private_umask() -> Iterator[None]:
    """The process's umask at least 077 inside the block: for files that a library creates
    itself and again later (DuckDB's .wal, made anew after every checkpoint), whose mode
    only the umask decides. The umask is the process's: files other threads create
    meanwhile are owner-only too (stricter, never looser). Nested and parallel blocks
    share one change; the last to leave restores the umask."""
    global _holders, _saved_umask
    with _UMASK:
        if not _holders:
            _saved_umask = os.umask(0o077)
            os.umask(_saved_umask | 0o077)
        _holders += 1
    try:
        yield
    finally:
        with _UMASK:
            _holders -= 1
            if not _holders:
                os.umask(_saved_umask)
