"""Replaying betamax cassettes through a requests session."""

from __future__ import annotations

import json

import pytest
import requests

from carewire.connectors.replay import ReplayAdapter


def cassette(tmp_path, *responses):
    interactions = [{"request": {"method": "GET", "uri": "https://x.test/feed", "body": None,
                                 "headers": {}},
                     "response": {"status": {"code": code, "message": ""},
                                  "headers": {"ETag": ['"e1"'], "Retry-After": ["0"]},
                                  "body": {"encoding": "utf-8", "string": body}}}
                    for code, body in responses]
    (tmp_path / "c.json").write_text(json.dumps({"interactions": interactions}))
    session = requests.Session()
    session.mount("https://", ReplayAdapter(tmp_path))
    return session


def test_recorded_responses_are_served_in_order_and_the_last_repeats(tmp_path):
    session = cassette(tmp_path, (429, "wait"), (200, "<rss/>"))
    assert [session.get("https://x.test/feed").status_code for _ in range(3)] == [429, 200, 200]
    assert session.get("https://x.test/feed").text == "<rss/>"


def test_matching_etag_gets_not_modified(tmp_path):
    session = cassette(tmp_path, (200, "<rss/>"))
    response = session.get("https://x.test/feed", headers={"If-None-Match": '"e1"'})
    assert (response.status_code, response.content) == (304, b"")


def test_unrecorded_request_fails_like_an_unreachable_host(tmp_path):
    session = cassette(tmp_path, (200, "<rss/>"))
    with pytest.raises(requests.ConnectionError, match="no recorded response for GET https://x.test/other"):
        session.get("https://x.test/other")


def test_parameters_the_cassette_marks_volatile_are_not_matched(tmp_path):
    recorded = {"method": "GET", "uri": "https://api.test/2/search?query=kestrel&start_time="
                "2026-11-24T07%3A00%3A00Z&max_results=100", "body": None, "headers": {}}
    (tmp_path / "c.json").write_text(json.dumps({
        "match_ignore_params": ["start_time"],
        "interactions": [{"request": recorded, "response": {
            "status": {"code": 200, "message": "OK"}, "headers": {},
            "body": {"encoding": "utf-8", "string": "{}"}}}]}))
    session = requests.Session()
    session.mount("https://", ReplayAdapter(tmp_path))
    # other time, other parameter order: still the recording
    assert session.get("https://api.test/2/search", params={
        "max_results": 100, "start_time": "2026-11-25T16:00:00Z", "query": "kestrel"}).text == "{}"
    with pytest.raises(requests.ConnectionError, match="no recorded response"):
        session.get("https://api.test/2/search", params={"query": "other", "max_results": 100})
