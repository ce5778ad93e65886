"""What one request erases, and the one scrubbing rule every store applies.

A `Target` names the content to remove (mentions by source id) and the traces that point
at it from content that stays: the author's handles and ids, the erased mentions' ids, and
fingerprints of their texts. Whole records are removed by key where a store has keys (a
tweet in a landed page, a mention row, a desk item). Whatever else still holds a trace is
scrubbed with `scrub_text` / `scrub_json`, one rule for every store:

- a string that holds a fingerprint of an erased text (a quote, a desk title, an alert's
  example), HTML-escaped or not, becomes `MARKER` whole: a quote cut at another length must
  not leave half;
- an id inside a string (`x.com/i/status/123`, `t1_abc`) becomes `MARKER`; a handle only
  where the text marks it as one (`@name`, `u/name`, `/u/name`, a URL's path `/name`, an
  attribute `="name"`), or a string that is the handle and nothing else: erasing a user
  called `help` must not blank the word in everyone's text; a display name ("Jo Hughes")
  only as a whole string;
- in JSON, a key that names a token is dropped with its value (the Reddit author cache,
  X's cursor of recent ids), a list element equal to a token is dropped, and a value equal
  to a token becomes null: state files stay loadable by the connectors.

Markers are one constant: a keyed pseudonym per token would still be personal data
wherever the key is kept, and the erased rows are gone anyway.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

MARKER = "[erased]"
FINGERPRINT_CHARS = 40
"""Characters of an erased text (whitespace normalised) that identify a copy of it."""
MIN_TEXT = 20
"""Shorter texts ("thanks!") are too common to scrub elsewhere; their rows go by key."""


def normalised(text: str) -> str:
    return " ".join(text.split())


@dataclass(frozen=True)
class Target:
    """The content of one request on one platform."""

    source: str
    handles: frozenset[str] = frozenset()        # lower case, no leading @
    author_ids: frozenset[str] = frozenset()
    source_ids: frozenset[str] = frozenset()
    texts: tuple[str, ...] = field(default=(), compare=False)
    names: frozenset[str] = frozenset()          # display names: whole values only
    published_ids: frozenset[str] = frozenset()
    """The erased mentions' ids as their platform publishes them, where carewire's key is
    another (a feed entry `blog:post-42` is `post-42` in the feed): scrubbed like ids,
    never matched as keys, since another feed's `post-42` is someone else's."""
    former_ids: frozenset[str] = frozenset()
    """The ids the erased mentions had before their key changed form
    (core__mention_former_ids): a desk item delivered before still names them, so they
    are matched as keys there."""

    @property
    def tokens(self) -> frozenset[str]:
        return (self.handles | self.author_ids | self.source_ids | self.published_ids
                | self.former_ids)

    @cached_property
    def fingerprints(self) -> frozenset[str]:
        return frozenset(normalised(t)[:FINGERPRINT_CHARS] for t in self.texts
                         if len(normalised(t)) >= MIN_TEXT)

    @cached_property
    def _pattern(self) -> re.Pattern | None:
        """Ids anywhere as a word; handles only after a marker of a handle (group `pre`,
        kept)."""
        branches = []
        ids = self.author_ids | self.source_ids | self.published_ids | self.former_ids
        if self.handles:
            branches.append(rf"(?P<pre>{HANDLE_CONTEXT})(?:{_alternatives(self.handles)})"
                            rf"(?![A-Za-z0-9_])")
        if ids:
            branches.append(rf"(?<![A-Za-z0-9_])(?:{_alternatives(ids)})(?![A-Za-z0-9_])")
        return re.compile("|".join(branches), re.I) if branches else None

    @cached_property
    def _lower_tokens(self) -> frozenset[str]:
        return frozenset(t.lower() for t in self.tokens | self.names)

    def _is_token(self, value: str) -> bool:
        return value.lower().lstrip("@") in self._lower_tokens

    def _quotes(self, text: str) -> bool:
        flat = normalised(text)
        if "&" in flat:  # an HTML-escaped copy (a Discourse `fancy_title`, a search blurb)
            flat = normalised(html.unescape(flat))
        return any(fp in flat for fp in self.fingerprints)

    def holds(self, text: str) -> bool:
        """Does `text` hold any trace of the target?"""
        if self._quotes(text) or self._is_token(text.strip()):
            return True
        return bool(self._pattern and self._pattern.search(text))

    def scrub_text(self, text: str) -> str:
        if self._quotes(text) or self._is_token(text.strip()):
            return MARKER
        return self.scrub_tokens(text)

    def scrub_tokens(self, text: str) -> str:
        """Handles and ids replaced; a quote of an erased text left (inside markup)."""
        if not self._pattern:
            return text
        return self._pattern.sub(lambda m: (m.groupdict().get("pre") or "") + MARKER, text)

    def scrub_words(self, text: str) -> str:
        """Every handle, id and display name as a word, with or without a marker: for a text
        written about this request (the audit's reason), where no one else's word is at
        stake."""
        words = self.tokens | self.names
        if not words:
            return text
        return re.sub(rf"(?<![A-Za-z0-9_])(?:{_alternatives(words)})(?![A-Za-z0-9_])",
                      MARKER, self.scrub_text(text), flags=re.I)

    def scrub_json(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.scrub_text(value)
        if isinstance(value, list):
            return [self.scrub_json(v) for v in value
                    if not (isinstance(v, str) and self._is_token(v))]
        if isinstance(value, dict):
            return {key: (None if isinstance(v, str) and self._is_token(v)
                          else self.scrub_json(v))
                    for key, v in value.items()
                    if not (self._is_token(str(key)) or self.holds(str(key)))}
        return value

    def like_patterns(self) -> list[str]:
        """SQL LIKE patterns (escape character `\\`) that every row holding a trace matches,
        for lower-cased text: the desk's cheap filter (SQLite or PostgreSQL) before `holds`
        decides row by row."""
        patterns = [f"%{_like_escape(t.lower())}%" for t in self.tokens | self.names]
        for fp in self.fingerprints:
            words = [_like_escape(w.lower()) for w in fp.split()]
            patterns.append("%" + "%".join(words) + "%")
        return patterns

    def search_pattern(self) -> str | None:
        """The same filter as one RE2 pattern, for the warehouse (None: nothing to find).
        DuckDB 1.5 backtracks on LIKE patterns of many `%` segments (a fingerprint of 40
        words over a feed's body took minutes); its regular expressions run in linear
        time."""
        alternatives = [re.escape(t.lower()) for t in self.tokens | self.names]
        alternatives += [".*".join(re.escape(w.lower()) for w in fp.split())
                         for fp in self.fingerprints]
        return "(?s)" + "|".join(sorted(alternatives)) if alternatives else None


HANDLE_CONTEXT = (r"(?<![A-Za-z0-9_])@"                       # @name
                  r"|(?<![A-Za-z0-9_])/?u(?:ser)?/"            # u/name, /u/name, /user/name
                  r"|(?:://|(?<![\w.-])[\w-]+(?:\.[\w-]+)+)[^\s\"'<>]*?/"  # URL path
                  r"|(?<![A-Za-z0-9_])[\w-]+=[\"']?")            # attribute, query value
"""What marks a word in free text as a handle (the marker itself stays)."""


def _alternatives(tokens: frozenset[str]) -> str:
    return "|".join(re.escape(t) for t in sorted(tokens, key=len, reverse=True))


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
