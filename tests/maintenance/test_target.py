"""The scrubbing rule and the forum redaction on small hand-made inputs: a handle goes
where the text marks it as one, never as a common word in someone else's text; a forum
page loses the author's bare Discourse user id and display name wherever it names them."""

from __future__ import annotations

import json

from carewire.connectors.base import Page
from carewire.maintenance.redact import redact_page
from carewire.maintenance.target import MARKER, Target

HOST = "community.example"
TARGET = Target("forums", frozenset({"help"}), frozenset({f"{HOST}:2362"}),
                frozenset({f"{HOST}:post:31590"}), names=frozenset({"jo hughes"}))


def test_a_handle_that_is_a_common_word_is_scrubbed_only_where_it_names_the_user():
    keep = ["I need help with my bill", "help/support is closed", "helpful staff"]
    assert [TARGET.scrub_text(text) for text in keep] == keep
    assert TARGET.scrub_text("@help thanks") == f"@{MARKER} thanks"
    assert TARGET.scrub_text(f"see https://{HOST}/u/help/summary") == (
        f"see https://{HOST}/u/{MARKER}/summary")
    assert TARGET.scrub_text("u/help said so") == f"u/{MARKER} said so"
    assert TARGET.scrub_text('<aside data-username="help">') == (
        f'<aside data-username="{MARKER}">')
    assert TARGET.scrub_json({"username": "help", "name": "Jo Hughes", "text": "help me"}) == {
        "username": None, "name": None, "text": "help me"}
    assert TARGET.scrub_words("ticket 9 for help") == f"ticket 9 for {MARKER}"


def test_an_erased_text_is_scrubbed_where_a_page_holds_it_html_escaped():
    """Discourse sends a topic's title again as `fancy_title`, HTML-escaped ("what is
    &#39;out of bundle&#39;?"), and search blurbs escaped too: a copy of an erased title."""
    title = "Bill is £11 more than usual - what is 'out of bundle'?"
    target = Target("forums", texts=(title,))
    escaped = "Bill is £11 more than usual - what is &#39;out of bundle&#39;?"
    assert target.holds(escaped)
    assert target.scrub_json({"title": title, "fancy_title": escaped, "other": "R&amp;D"}) == {
        "title": MARKER, "fancy_title": MARKER, "other": "R&amp;D"}


def test_a_forum_page_loses_the_bare_user_id_and_display_name_everywhere_it_names_them():
    other = {"id": 7, "username": "someone", "name": "Someone Else"}
    them = {"id": 2362, "username": "help", "name": "Jo Hughes"}
    topic = {"id": 4828, "title": "Roaming", "user_id": 2362,
             "details": {"created_by": them, "last_poster": other,
                         "participants": [them, other]},
             "post_stream": {"posts": [
                 {"id": 31590, "user_id": 2362, "username": "help", "name": "Jo Hughes",
                  "cooked": "<p>my bill</p>"},
                 {"id": 31591, "user_id": 7, "username": "someone", "cooked": "<p>same</p>",
                  "reply_to_user": them}],
                 "stream": [31590, 31591]}}
    listing = {"users": [them, other], "topic_list": {"topics": [
        {"id": 4828, "title": "Roaming", "posters": [
            {"user_id": 2362, "description": "Original Poster"},
            {"user_id": 7, "description": "Most Recent Poster"}]}]}}
    search = {"posts": [{"id": 31590, "user_id": 2362, "username": "help"}],
              "topics": [{"id": 4828, "title": "Roaming", "user_id": 2362}],
              "grouped_search_result": {"user_ids": [2362, 7], "post_ids": [31590, 31591]}}
    for doc in (topic, listing, search):
        page = Page(f"https://{HOST}/t/4828.json", 200, {}, json.dumps(doc).encode())
        redacted, _ = redact_page("forums", "support", page, TARGET)
        values = []

        def walk(node):
            if isinstance(node, dict):
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)
            else:
                values.append(str(node).lower())

        walk(json.loads(redacted.body))
        for trace in ("2362", "31590", "help", "jo hughes"):
            assert trace not in values, (trace, json.loads(redacted.body))
        assert "7" in values  # nobody else's entry went
