"""The text the encoder reads: platform noise removed, the words kept.

Handles and links carry no sentiment and make two copies of one complaint look different
("@KestrelHelp my order..." vs "@KestrelMobile my order..."), so both are replaced by
placeholders, as TweetEval's own preprocessing does. HTML entities and JSON-escaped
characters that some exports leave in the text are decoded.
"""

from __future__ import annotations

import html
import re

_ESCAPED = re.compile(r"\\u([0-9a-fA-F]{4})")
_HANDLE = re.compile(r"(?<![\w@])@\w{1,30}")
_URL = re.compile(r"https?://\S+|www\.\S+")
_SPACE = re.compile(r"\s+")


def normalize(text: str | None) -> str:
    text = html.unescape(text or "")
    text = _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text)
    text = _URL.sub("http", _HANDLE.sub("@user", text))
    return _SPACE.sub(" ", text).strip()


def duplicate_key(text: str | None) -> str:
    """Equal for exact duplicates up to case, punctuation, handles and links: reposts,
    copy-pasted complaints and bot spam fold on this before any model runs."""
    words = re.findall(r"\w+", normalize(text).lower())
    return " ".join(w for w in words if w not in ("user", "http"))
