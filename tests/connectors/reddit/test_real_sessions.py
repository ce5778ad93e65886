"""Real recorded Reddit sessions (praw's own test cassettes in ../shared/data/replay).

Every listing body in them goes through `parse`: each child becomes a mention or a reject
with a reason, and nothing raises. The data is read in place, never copied into the repo.
"""

from __future__ import annotations

import json

import pytest

from carewire.connectors.base import Page, Stream
from carewire.connectors.reddit import RedditConnector
from carewire.connectors.reddit.mapping import children

CASSETTES = ("TestSubmission.test_comments.json", "TestSubreddit.test_search.json",
             "TestSubredditListings.test_comments.json")


@pytest.mark.parametrize("name", CASSETTES)
def test_real_listings_parse_into_mentions_or_reasoned_rejects(name, shared_data):
    path = shared_data / "replay" / "praw_cassettes" / name
    if not path.is_file():
        pytest.skip(f"{path} not found; set CAREWIRE_SHARED_DATA to the shared data folder")
    cassette = json.loads(path.read_text(encoding="utf-8"))
    stream = Stream("reddit", "real")
    mentions = rejects = 0
    for interaction in cassette["interactions"]:
        request, response = interaction["request"], interaction["response"]
        if "access_token" in request["uri"]:
            continue
        body = response["body"]["string"].encode("utf-8")
        page = Page(request["uri"], response["status"]["code"], {}, body)
        parsed = RedditConnector.parse(stream, page)
        content = [kind for kind, _, _ in children(json.loads(body)) if kind != "more"]
        assert len(parsed.mentions) + len(parsed.rejects) == len(content)
        assert all(r.reason for r in parsed.rejects)
        for mention in parsed.mentions:
            assert mention.source_id.startswith(("t1_", "t3_"))
            assert mention.url.startswith("https://www.reddit.com/r/")
            assert mention.created_at.year >= 2005
            assert mention.is_deleted or mention.author is not None
        mentions += len(parsed.mentions)
        rejects += len(parsed.rejects)
    assert mentions > 0
