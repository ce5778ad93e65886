"""Where replies go while carewire replays recorded traffic (`http.replay_dir`, as the demo
does): into a local file, never to a platform.

A replay has recordings of what the platforms said, not a platform that takes a post, and a
demo must never reach a real account. So with replay on, every platform's reply channel is
this recorder: each reply becomes one JSON line of `<data_dir>/replies_recorded.jsonl`
(what would have been posted, on which platform, under which post, with its idempotency
key), and `find` looks for the key there, so the sender's exactly-once path runs as it does
against a platform. The posted time is the recorder's clock, as a platform's would be.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from carewire.core.files import PRIVATE_FILE, private_dir
from carewire.core.replies import Posted, Reply

RECORDED = "replies_recorded.jsonl"


def _now() -> datetime:
    return datetime.now(timezone.utc)


class ReplyRecorder:
    """A ReplyChannel for `source` that writes to `folder / RECORDED`."""

    def __init__(self, source: str, folder: Path, clock: Callable[[], datetime] = _now):
        self.source = source
        self.path = Path(folder) / RECORDED
        self._clock = clock

    def find(self, reply: Reply) -> Posted | None:
        if not self.path.exists():
            return None
        for line in self.path.read_text(encoding="utf-8").splitlines():
            kept = json.loads(line)
            if kept["key"] == reply.key:
                return Posted(kept["id"], None, datetime.fromisoformat(kept["posted_at"]),
                              found=True)
        return None

    def post(self, reply: Reply) -> Posted:
        posted = Posted(f"recorded-{reply.key}", None, self._clock())
        line = json.dumps({"key": reply.key, "id": posted.external_id, "source": reply.source,
                           "stream": reply.stream, "in_reply_to": reply.source_id,
                           "thread_id": reply.thread_id, "url": reply.url, "text": reply.text,
                           "posted_at": posted.posted_at.isoformat()}, ensure_ascii=False)
        private_dir(self.path.parent)
        descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, PRIVATE_FILE)
        with os.fdopen(descriptor, "a", encoding="utf-8") as file:
            file.write(line + "\n")  # one write of one line: appends never interleave
        return posted
