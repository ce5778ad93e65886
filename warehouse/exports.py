"""Parquet exports of the analyst-facing layers, for tools that do not speak DuckDB.

Written from the snapshot (never the writer's file) after each publish: one file per
table or view the registry marks `exported` (warehouse/tables.py: the `core__` tables and
`out__` views), all into a new folder that `exports` is then switched to in one rename,
so a reader sees the old set or the new one, never half of each. Raw layers are not exported: they hold
whole HTTP bodies and are for replay, not analysis. Nor are the embeddings: 384 floats a
mention are for the pipeline (dedupe, expert routing), and an analyst who needs them
queries the snapshot.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from carewire.core.files import PRIVATE_DIR, dir_mode, file_mode, private_dir
from carewire.warehouse.db import connect
from carewire.warehouse.tables import exported


def export_parquet(snapshot: Path, directory: Path, *,
                   share_with_group: bool = False) -> list[Path]:
    """Write every exported table and view into a new folder beside `directory`, then
    point `directory` (a symbolic link) at it in one rename: a reader sees the whole old
    set or the whole new one, never half of each. Folders of earlier or killed publishes
    are removed; a real folder left by carewire 0.1 is replaced by the link.

    The exports hold what the snapshot holds (authors, posts, decisions), so they get its
    modes: the folder 0700 and each file 0600, or 0750 and 0640 with `share_with_group`
    (docs/privacy.md, file modes). The folder is made with its mode before anything is
    written into it."""
    parent = directory.parent
    private_dir(parent, dir_mode(share_with_group))
    token = uuid.uuid4().hex[:12]
    fresh = parent / f".{directory.name}.{token}"
    fresh.mkdir(mode=PRIVATE_DIR)
    os.chmod(fresh, dir_mode(share_with_group))
    written = []
    with connect(snapshot, read_only=True) as con:
        for name in exported():
            file = fresh / f"{name}.parquet"
            target = str(file).replace("'", "''")  # COPY binds nothing
            con.execute(f"COPY (SELECT * FROM {name}) TO '{target}' (FORMAT parquet)")
            os.chmod(file, file_mode(share_with_group))
            written.append(directory / f"{name}.parquet")
    link = parent / f".{directory.name}.link-{token}"
    link.symlink_to(fresh.name)
    if directory.is_dir() and not directory.is_symlink():  # 0.1's folder: moved aside once
        directory.rename(parent / f".{directory.name}.old-{token}")
    os.replace(link, directory)
    for old in parent.glob(f".{directory.name}.*"):
        if old == fresh:
            continue
        if old.is_dir() and not old.is_symlink():
            shutil.rmtree(old)
        else:
            old.unlink()
    return written
