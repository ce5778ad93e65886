"""The Discourse destination through its real HTTP client, against a loopback Discourse."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from carewire.core.settings import DestinationSettings, HttpSettings
from carewire.core.types import Credentials
from carewire.routing.destinations.base import FatalDestinationError, RetriableDestinationError
from carewire.core.delivery import Delivery, MentionRef
from carewire.routing.destinations.discourse import (DiscourseDestination, search_terms,
                                            topic_external_id, topic_title)

HTTP = HttpSettings(backoff_s=0, max_retries=4, max_backoff_s=0)
KEY = "3f1c9a0d2b7e4f6a8c1d0e9b7a6f5c4d"
QUESTION = ("My Acme printer keeps dropping the wifi connection every hour since the last "
            "firmware update. Anyone else seeing this?")


def delivery(key: str = KEY, title: str = "Printer drops wifi after firmware update",
             body: str = QUESTION, experts: tuple[str, ...] = ()) -> Delivery:
    at = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)
    mention = MentionRef("reddit", "t3_abc", "https://reddit.com/r/acme/abc", "pat", QUESTION, at)
    return Delivery(key=key, destination="community", route="community", unit="mention",
                    cluster_id=None, mentions=(mention,), title=title, body=body,
                    team="community", priority="normal", sla_due_at=at + timedelta(hours=24),
                    rule_id="R7", reason="question a superfan can answer", experts=experts)


def destination(server, *, matcher=None, credentials: Credentials | None = None,
                conn_id: str | None = "carewire_community", http: HttpSettings = HTTP):
    settings = DestinationSettings(name="community", kind="discourse", url=server.url + "/",
                                   conn_id=conn_id, category_id=7)
    if credentials is None:
        credentials = Credentials(login=server.api_username, password=server.api_key)
    return DiscourseDestination(settings, credentials, http, matcher=matcher)


def test_creates_a_topic_with_the_key_as_external_id_in_the_category(discourse):
    experts = ("ana (forums)", "@bo (forums)", "cy (reddit)")  # no account here to mention
    receipt = destination(discourse).deliver(delivery(experts=experts))

    topic = discourse.topics[int(receipt.external_id)]
    assert receipt.created
    assert receipt.url == f"{discourse.url}/t/{topic.slug}/{topic.id}"
    assert (topic.external_id, topic.category_id) == (KEY, 7)
    assert topic.title == "Printer drops wifi after firmware update"
    assert topic.posts[0]["raw"].endswith(
        "\n\n@ana, @bo: you have answered questions like this before. Can you help?")
    post = next(r for r in discourse.requests if r.method == "POST")
    assert post.headers["Api-Key"] == discourse.api_key
    assert post.headers["Api-Username"] == discourse.api_username
    assert set(json.loads(post.body)) == {"title", "raw", "category", "external_id"}


def test_delivering_the_same_key_again_creates_nothing(discourse):
    community = destination(discourse)
    first = community.deliver(delivery())
    again = community.deliver(delivery())

    assert discourse.count("POST", "/posts.json") == 1
    assert (again.external_id, again.url, again.created) == (first.external_id, first.url, False)
    assert again.detail == "already delivered"


def test_a_solved_topic_that_answers_the_question_is_linked_instead(discourse):
    solved = discourse.add_topic("Acme printer drops wifi after firmware update",
                                 "Since firmware 4.2 my printer loses wifi every hour.")
    answer = discourse.reply(solved.id, "Turn off Wi-Fi power saving in the printer menu.")
    discourse.accept(solved.id, answer["post_number"])
    discourse.add_topic("Printer drops wifi after firmware update too",
                        "Same here, no fix yet, the printer keeps going offline.")
    asked = []

    def matcher(text: str, titles: list[str]) -> int | None:
        asked.append((text, titles))
        return 0

    receipt = destination(discourse, matcher=matcher).deliver(delivery())

    assert asked == [(QUESTION, [solved.title])]          # only solved topics are offered
    assert (receipt.external_id, receipt.created) == (str(solved.id), False)
    assert receipt.url == f"{discourse.url}/t/{solved.slug}/{solved.id}"
    assert receipt.detail == f"linked to topic {solved.id} that already answers this"
    assert discourse.count("POST") == 0
    search = next(r for r in discourse.requests if r.path.startswith("/search.json"))
    assert "in%3Afirst" in search.path


def test_a_new_topic_is_created_when_the_matcher_finds_no_answer(discourse):
    solved = discourse.add_topic("Printer drops wifi after firmware update",
                                 "It drops wifi every hour, what can I do about it?")
    discourse.accept(solved.id, discourse.reply(solved.id, "Reset the network settings.")[
        "post_number"])

    receipt = destination(discourse, matcher=lambda text, titles: None).deliver(delivery())

    assert receipt.created and receipt.external_id != str(solved.id)


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_name_the_connection_to_fix(discourse, status):
    discourse.bad_credentials_status = status
    wrong = Credentials(login=discourse.api_username, password="not-the-key")

    with pytest.raises(FatalDestinationError, match="carewire_community"):
        destination(discourse, credentials=wrong).deliver(delivery())
    assert discourse.count("POST") == 0


def test_missing_credentials_name_the_connection_to_create(discourse):
    with pytest.raises(FatalDestinationError, match="create Airflow Connection "
                                                    "'carewire_community'"):
        destination(discourse, credentials=Credentials()).deliver(delivery())
    assert discourse.requests == []


def test_a_refused_topic_carries_discourses_reasons(discourse):
    with pytest.raises(FatalDestinationError,
                       match=r"Body is too short \(minimum is 20 characters\)"):
        destination(discourse).deliver(delivery(body="Help?"))


def test_a_short_title_is_padded_rather_than_refused(discourse):
    receipt = destination(discourse).deliver(delivery(title="Wifi??!!"))

    assert discourse.topics[int(receipt.external_id)].title == "Community question: Wifi?!"


def test_server_errors_are_retried_until_delivered(discourse):
    discourse.fail_next(2)

    receipt = destination(discourse).deliver(delivery())

    assert receipt.created and len(discourse.topics) == 1


def test_a_discourse_that_keeps_failing_is_retried_later(discourse):
    discourse.fail_next(100)

    with pytest.raises(RetriableDestinationError):
        destination(discourse).deliver(delivery())
    assert discourse.topics == {}


def test_rate_limits_pass_on_discourses_retry_after(discourse):
    discourse.rate_limit_next(100, retry_after=7)

    with pytest.raises(RetriableDestinationError) as caught:
        destination(discourse).deliver(delivery())
    assert caught.value.retry_after_s == 7


def test_a_create_whose_answer_was_lost_is_found_not_repeated(discourse):
    """Discourse saved the topic, the proxy answered 502, the transport retried the POST
    and Discourse refused the taken external_id: the topic is the receipt."""
    discourse.fail_next(1, 502, on="POST /posts.json", after_handling=True)

    receipt = destination(discourse).deliver(delivery())

    assert [t.id for t in discourse.topics.values()] == [int(receipt.external_id)]
    assert discourse.count("POST", "/posts.json") == 2


def test_a_topic_held_for_approval_blocks_the_delivery(discourse):
    discourse.require_approval = True

    with pytest.raises(FatalDestinationError, match="approval"):
        destination(discourse).deliver(delivery())


def test_outcomes_report_replies_and_the_accepted_answer_once_each(discourse):
    community = destination(discourse)
    topic_id = int(community.deliver(delivery()).external_id)
    first = discourse.reply(topic_id, "Which firmware version are you on exactly?", username="bo")
    discourse.reply(topic_id, "closed this topic", post_type=3)
    answer = discourse.reply(topic_id, "Turn off Wi-Fi power saving, it fixed it for me.",
                             username="ana")
    discourse.accept(topic_id, answer["post_number"])

    outcomes = community.outcomes([str(topic_id)], None)
    again = community.outcomes([str(topic_id)], None)

    slug = discourse.topics[topic_id].slug
    assert [(o.kind, o.actor) for o in outcomes] == [
        ("replied", "bo"), ("replied", "ana"), ("accepted_answer", "ana")]
    assert [o.outcome_id for o in again] == [o.outcome_id for o in outcomes]
    assert outcomes[0].outcome_id == f"discourse:community:post:{first['id']}"
    accepted = outcomes[-1]
    assert accepted.outcome_id == f"discourse:community:accepted:{topic_id}:4"
    assert accepted.data == {"url": f"{discourse.url}/t/{slug}/{topic_id}/4", "post_number": 4,
                             "username": "ana", "excerpt": answer["raw"]}

    later = community.outcomes([str(topic_id)], outcomes[1].at + timedelta(seconds=1))
    assert [o.kind for o in later] == ["accepted_answer"]


def test_outcomes_read_replies_beyond_the_first_page(discourse):
    topic = discourse.add_topic("A long thread about printers", "Post number one of many.")
    for n in range(45):
        discourse.reply(topic.id, f"Reply number {n} in this long thread.")

    replies = destination(discourse).outcomes([str(topic.id)], None)

    assert len(replies) == 45
    assert discourse.count("GET", f"/t/{topic.id}/posts.json") == 2


def test_a_deleted_topic_is_a_status_not_an_error(discourse):
    community = destination(discourse)
    topic_id = community.deliver(delivery()).external_id
    discourse.delete(int(topic_id))

    [outcome] = community.outcomes([topic_id], None)

    assert (outcome.kind, outcome.data) == ("status", {"status": "deleted"})


def test_titles_fit_discourses_limits():
    assert topic_title("  Wifi   down ") == "Community question: Wifi down"
    assert topic_title("") == "Community question"
    long = topic_title("word " * 100)
    assert len(long) <= 255 and long.endswith("word…")


def test_search_uses_a_few_salient_words_of_the_title():
    assert search_terms("Why does my Acme printer keep dropping the wifi connection?") == [
        "acme", "printer", "dropping", "connection"]


def test_keys_discourse_cannot_store_become_a_stable_digest():
    assert topic_external_id(KEY) == KEY
    odd = topic_external_id("community|cluster|Ab/12")
    assert odd == topic_external_id("community|cluster|Ab/12") and len(odd) <= 50
