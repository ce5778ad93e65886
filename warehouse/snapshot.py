"""The analyst snapshot: a copy of the warehouse, published by atomic rename.

Analysts open `analytics.duckdb` (read-only, as long as they like). Publishing writes a
new file beside it and renames it over the old one: an open connection keeps reading the
old file, a new one sees the new file, and the pipeline never waits for anyone. A publish
killed mid-copy leaves its temporary file behind: the next one removes it first (it holds
the writer's lock, so no other publish is running).

The snapshot holds what the warehouse holds (authors, posts), so it is owner-only (0600)
in a folder created owner-only; `share_with_group` makes it 0640 for an analysts' group
(docs/privacy.md, file modes). Its mode is set on the temporary file, before the rename,
so no reader ever sees it looser.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from carewire.core.files import dir_mode, file_mode, private_dir
from carewire.warehouse.db import connect


def publish(warehouse: Path, snapshot: Path, *, share_with_group: bool = False) -> Path:
    with connect(warehouse) as con:
        con.execute("CHECKPOINT")  # everything in the main file, nothing left in the WAL
        private_dir(snapshot.parent, dir_mode(share_with_group))
        for leftover in snapshot.parent.glob(f".{snapshot.name}.*"):
            leftover.unlink(missing_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{snapshot.name}.", dir=snapshot.parent)
        os.close(fd)
        try:
            shutil.copyfile(warehouse, tmp)  # copied while we hold the writer's lock
            os.chmod(tmp, file_mode(share_with_group))
            os.replace(tmp, snapshot)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return snapshot
