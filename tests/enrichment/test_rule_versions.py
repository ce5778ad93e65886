"""A rule module's version follows its code, not its imports, docstrings or comments: a
refactor that moves a module does not make every mention look enriched by a new model."""

from __future__ import annotations

import types

from carewire.enrichment.enricher import _source_version

RULES = '''"""Cues."""
import re
from carewire.core.labels import INTENTS  # where the words live

QUESTION = re.compile(r"\\?$")


def classify(text: str) -> str:
    """The first cue that matches."""
    return "question" if QUESTION.search(text) else "other"
'''


def version(tmp_path, source: str) -> str:
    path = tmp_path / "rules.py"
    path.write_text(source)
    return _source_version(types.SimpleNamespace(__file__=str(path)))


def test_imports_docstrings_and_comments_do_not_change_the_version(tmp_path):
    base = version(tmp_path, RULES)
    moved = RULES.replace("from carewire.core.labels import INTENTS  # where the words live",
                          "from elsewhere import INTENTS")
    redocumented = RULES.replace('"""The first cue that matches."""', '"""Cue order."""')
    assert version(tmp_path, moved) == base
    assert version(tmp_path, redocumented) == base


def test_a_changed_rule_is_a_new_version(tmp_path):
    assert version(tmp_path, RULES.replace('"\\?$"', '"\\?"')) != version(tmp_path, RULES)
