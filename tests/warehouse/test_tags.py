"""Brand and topic tags from the config, and the volume and share-of-voice views that count
by them, on mentions loaded through the real landing and load steps."""

from __future__ import annotations

import pytest

from carewire.app import pipeline
from carewire.core.errors import ConfigError
from carewire.core.settings import Brand, Settings, load_settings
from carewire.connectors.base import Page
from carewire.connectors.landing import LandingZone
from tests.warehouse.test_load import STREAM, hour, query
from carewire.warehouse.db import connect
from carewire.warehouse.tags import OTHER, UNBRANDED, tag_mentions

KESTREL = Brand(name="Kestrel Mobile", keywords=["kestrel mobile", "kestrelmobile"],
                handles=["@KestrelHelp"])
HARBOUR = Brand(name="Harbour Mobile", keywords=["harbour"], competitor=True)
TOPICS = {"billing": ["bill", "refund*", "direct debit"], "app": ["app"],
          "network": ["signal"]}

MENTIONS = [  # id, posted (week of 2026-11-16 or of 2026-11-23), text
    ("bill", "2026-11-17", "My Kestrel Mobile bill doubled"),
    ("both", "2026-11-17", "Harbour has better signal than Kestrel Mobile"),
    ("rival", "2026-11-18", "Harbour was worse last year."),
    ("plain", "2026-11-24", "Great weather for it today"),
    ("refund", "2026-11-24", "Refunded at last by @kestrelhelp, and the Direct\nDebit fixed"),
    ("apple", "2026-11-24", "Bought an apple, mapped my route #KestrelMobile"),
    ("appish", "2026-11-25", "The app keeps crashing, no signal either"),
]


def feed(*entries: tuple[str, str, str]) -> bytes:
    body = "".join(
        f"<entry><id>{eid}</id><title></title><link href='https://f.test/{eid}'/>"
        f"<author><name>Sam</name></author><updated>{day}T09:00:00Z</updated>"
        f"<content type='text'>{text}</content></entry>" for eid, day, text in entries)
    return (f"<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'><title>F</title>"
            f"<id>urn:f</id><updated>2026-11-25T09:00:00Z</updated>{body}</feed>").encode()


@pytest.fixture
def settings(tmp_path):
    settings = Settings(data_dir=tmp_path, brands=[KESTREL, HARBOUR], topics=TOPICS)
    pipeline.migrate(settings)
    page = Page("https://f.test/feed.atom", 200, {"Content-Type": "application/atom+xml"},
                feed(*MENTIONS))
    LandingZone(settings.landing).write_batch(STREAM, hour(0), [page])
    pipeline.load_landed(settings)
    return settings


def tag(settings) -> dict[str, int]:
    with connect(settings.warehouse) as con:
        return tag_mentions(con, settings)


def tags(settings) -> dict[str, set[tuple[str, str]]]:
    found: dict[str, set[tuple[str, str]]] = {}
    for source_id, brand, topic in query(settings, "SELECT source_id, brand, topic FROM "
                                                   "core__mention_tags"):
        found.setdefault(source_id.split(":", 1)[1].rsplit("/", 1)[-1], set()).add((brand, topic))
    return found


def test_each_mention_gets_the_brands_it_names_and_the_topics_whose_words_it_uses(settings):
    tag(settings)
    found = tags(settings)
    assert found["bill"] == {("Kestrel Mobile", "billing")}
    assert found["both"] == {("Kestrel Mobile", "network"), ("Harbour Mobile", "network")}
    # names only the competitor, but carewire fetched it for the own brand: both count
    assert found["rival"] == {("Kestrel Mobile", OTHER), ("Harbour Mobile", OTHER)}
    assert found["plain"] == {("Kestrel Mobile", OTHER)}
    # a handle, a word's ending (refund*), a phrase across a line break
    assert found["refund"] == {("Kestrel Mobile", "billing")}
    # whole words only: "apple" and "mapped" are not the app
    assert found["apple"] == {("Kestrel Mobile", OTHER)}
    assert found["appish"] == {("Kestrel Mobile", "app"), ("Kestrel Mobile", "network")}
    assert query(settings, "SELECT DISTINCT is_competitor FROM core__mention_tags "
                           "WHERE brand = 'Harbour Mobile'") == [(True,)]


def test_a_rerun_writes_identical_rows_and_a_changed_config_retags_history(settings):
    first = tag(settings)
    rows = query(settings, "SELECT * FROM core__mention_tags ORDER BY ALL")
    assert tag(settings) == first
    assert query(settings, "SELECT * FROM core__mention_tags ORDER BY ALL") == rows

    settings.topics = {**TOPICS, "weather": ["weather"]}
    settings.brands = [KESTREL]
    tag(settings)
    found = tags(settings)
    assert found["plain"] == {("Kestrel Mobile", "weather")}
    assert found["rival"] == {("Kestrel Mobile", OTHER)}


def test_without_an_own_brand_mentions_are_unbranded(settings):
    settings.brands = [HARBOUR]
    tag(settings)
    found = tags(settings)
    assert found["plain"] == {(UNBRANDED, OTHER)}
    assert found["rival"] == {(UNBRANDED, OTHER), ("Harbour Mobile", OTHER)}


def test_share_of_voice_and_topic_volume_count_from_the_tags(settings):
    tag(settings)
    voice = {(str(week), brand): (mentions, share) for week, brand, mentions, share in query(
        settings, "SELECT week, brand, mentions, share_of_voice FROM out__share_of_voice")}
    # week of the 16th: Kestrel in all 3 (two by name, one fetched for it), Harbour in 2
    assert voice[("2026-11-16", "Kestrel Mobile")] == (3, pytest.approx(3 / 5))
    assert voice[("2026-11-16", "Harbour Mobile")] == (2, pytest.approx(2 / 5))
    assert voice[("2026-11-23", "Kestrel Mobile")] == (4, pytest.approx(1.0))
    assert ("2026-11-23", "Harbour Mobile") not in voice

    volume = dict(query(settings, """SELECT topic, sum(mentions) FROM out__volume_sentiment_daily
                                     WHERE grain = 'topic' GROUP BY topic"""))
    assert volume == {"billing": 2, "network": 2, "app": 1, OTHER: 3}
    by_source = query(settings, """SELECT sum(mentions) FROM out__volume_sentiment_daily
                                   WHERE grain = 'source'""")
    assert by_source == [(len(MENTIONS),)]  # each mention once, whatever its topics


def test_topics_and_brands_in_the_config_are_checked(tmp_path):
    config = tmp_path / "carewire.yaml"
    config.write_text("topics:\n  billing: []\n")
    with pytest.raises(ConfigError, match="every topic needs a name and at least one keyword"):
        load_settings(config)
    config.write_text("brands:\n  - name: Kestrel\n  - name: kestrel\n")
    with pytest.raises(ConfigError, match="brand names must be unique"):
        load_settings(config)
    config.write_text("brands:\n  - name: Kestrel\n    keywords: [kestrel]\n"
                      "  - name: Harbour\n    competitor: true\n    keywords: [harbour]\n")
    assert load_settings(config).keywords == ["kestrel"]  # competitors are not searched
