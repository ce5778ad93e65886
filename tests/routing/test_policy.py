"""The policy file and the decisions it makes: the default policy sends what the product
promises where it promises, every decision names its rule and evidence, and a broken
policy is refused with every problem listed."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from carewire import routing
from carewire.core.errors import ConfigError
from carewire.routing.rules import evaluate, near_misses
from carewire.connectors import CONNECTORS
from carewire.core.labels import SOURCES
from carewire.core.settings import DestinationSettings, Settings
from carewire.routing.policy import DEFAULT_POLICY, load_policy, policy_for

ACCOUNT = "@KestrelHelp I was charged twice for order #A1234567 and still no refund. Sort it out!"
HOW_TO = "How do I turn on wifi calling in the Kestrel app?"
HOW_TO_AGAIN = "how do i enable wifi calling on the kestrel app??"
SPAM = "Make $$$ from home!!! http://spam.example #ad #win #free #cash #money #giveaway #deal"


def test_the_default_policy_routes_as_the_product_promises():
    decided = routing.decide(pd.DataFrame({"text": [ACCOUNT, HOW_TO, HOW_TO_AGAIN, SPAM],
                                           "source": "x"}))
    assert list(decided.columns[:4]) == ["route", "rule_id", "priority", "reason"]
    assert decided["route"].tolist() == ["contact_center", "community", "community", "ignore"]
    assert decided.loc[0, "rule_id"] == "account-reference"
    assert "order_number" in decided.loc[0, "reason"]
    assert "A1234567" not in decided.loc[0, "reason"]  # evidence keeps the shape, not the data
    assert decided.loc[1, "rule_id"] == decided.loc[2, "rule_id"] == "shared-issue"
    assert decided.loc[3, "rule_id"] == "noise"
    assert decided["policy_version"].nunique() == 1


def _frame(**columns) -> pd.DataFrame:
    row = {"text": "", "source": "x", "intent": "other", "sentiment": "neutral",
           "sentiment_score": 0.0, "relevant": True, "language": "en", "tier": "regular",
           "is_reply": False, "cluster_size": 1, "reach": None, "influence_score": None,
           "private_score": 0.1, "parent_tier": None, "same_author_as_parent": None,
           "open_case": False}
    return pd.DataFrame([{**row, **columns}])


def test_an_angry_influencer_gets_a_person_and_the_evidence_says_why():
    policy = load_policy()
    row = _frame(text="Kestrel's network has been down all day, useless", intent="complaint",
                 sentiment="negative", sentiment_score=-0.8, tier="influencer", reach=250_000)
    decided = evaluate(policy, row).iloc[0]
    assert (decided["route"], decided["rule_id"], decided["priority"]) == (
        "contact_center", "angry-high-reach", "urgent")
    assert {e["field"]: e["held"] for e in decided["evidence"]} == {
        "tier": True, "sentiment_score": True}
    assert "sentiment_score -0.8 <= -0.5" in decided["reason"]
    misses = near_misses(policy, row.iloc[0], "angry-high-reach")
    assert [m["rule_id"] for m in misses] == ["open-case", "noise", "own-accounts", "personal-data",
                                              "account-reference"]

    calm = evaluate(policy, _frame(text="Kestrel's network is down", intent="complaint",
                                   sentiment_score=-0.3, tier="influencer")).iloc[0]
    assert calm["route"] == "community"


def test_unknown_values_never_satisfy_a_condition():
    policy = load_policy()
    decided = evaluate(policy, _frame(intent="praise", tier=None)).iloc[0]
    assert decided["rule_id"] == "praise"  # not fan-praise: the tier is unknown


def test_a_mention_whose_sentiment_was_not_scored_is_in_no_score_range():
    """No model for its language: no `sentiment_score` range holds, and the evidence says
    the score is unknown; the default policy's account-reference names not_scored, so an
    order number still reaches the contact center."""
    policy = load_policy()
    order = _frame(text="Bestellung order #A1234567 ist nie angekommen", sentiment="not_scored",
                   sentiment_score=float("nan"), language="de")
    angry = _frame(text="Kestrel ist seit heute morgen komplett down", sentiment="not_scored",
                   sentiment_score=None, tier="influencer", language="de")
    decided = evaluate(policy, pd.concat([order, angry], ignore_index=True))
    assert decided.loc[0, "rule_id"] == "account-reference"
    assert ("sentiment not_scored in ['negative', 'neutral', 'not_scored']"
            in decided.loc[0, "reason"])
    assert ("sentiment not_scored in ['negative', 'neutral', 'not_scored']"
            in decided.loc[0, "reason"])
    assert decided.loc[1, "rule_id"] != "angry-high-reach"
    assert {"rule_id": "angry-high-reach",
            "failed": "sentiment_score unknown <= -0.5"} in near_misses(
        policy, angry.iloc[0], decided.loc[1, "rule_id"])


def test_a_sentiment_list_without_not_scored_does_not_hold_for_a_mention_not_scored(tmp_path):
    raw = yaml.safe_load(DEFAULT_POLICY.read_text())
    reference = next(r for r in raw["rules"] if r["id"] == "account-reference")
    reference["when"]["sentiment"] = ["negative", "neutral"]
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(raw))
    policy = load_policy(path)
    order = _frame(text="Bestellung order #A1234567 ist nie angekommen", sentiment="not_scored",
                   sentiment_score=None, language="de")
    decided = evaluate(policy, order).iloc[0]
    assert decided["rule_id"] != "account-reference"
    assert {"rule_id": "account-reference",
            "failed": "sentiment not_scored in ['negative', 'neutral']"} in near_misses(
        policy, order.iloc[0], decided["rule_id"])


def test_a_question_is_offered_to_the_experts_found_and_falls_back_when_none_is(tmp_path):
    raw = yaml.safe_load(DEFAULT_POLICY.read_text())
    shared = next(r for r in raw["rules"] if r["id"] == "shared-issue")
    shared["then"]["fallback"] = {"route": "contact_center", "priority": "normal"}
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(raw))
    policy = load_policy(path)
    rows = pd.concat([_frame(text="How do I port my old number?", intent="question"),
                      _frame(text="Why is roaming in Spain not working?", intent="question")],
                     ignore_index=True)
    decided = evaluate(policy, rows, lambda matched, offer: [["mo (forums)"], []])
    assert decided["route"].tolist() == ["community", "contact_center"]
    assert decided.loc[0, "experts"] == ["mo (forums)"]
    assert "offered to superfans mo (forums)" in decided.loc[0, "reason"]
    assert "fallback contact_center" in decided.loc[1, "reason"]


def test_the_policy_version_changes_with_the_content(tmp_path):
    edited = tmp_path / "policy.yaml"
    edited.write_text(DEFAULT_POLICY.read_text().replace("after: 48h", "after: 24h"))
    default, changed = load_policy(), load_policy(edited)
    assert default.version == changed.version
    assert default.full_version != changed.full_version


@pytest.mark.parametrize("change, message", [
    (lambda p: p["rules"][-1].update(when={"intent": ["other"]}), "the last rule"),
    (lambda p: p["rules"].insert(0, {"id": "chatter", "description": "again",
                                     "then": {"route": "ignore"}}), "repeated: chatter"),
    (lambda p: p["rules"][0]["when"].update(matches=["postcode"]), "unknown patterns postcode"),
    (lambda p: p["rules"][0]["then"].update(route="twitter"), "rules.0.then.route"),
    (lambda p: p["patterns"].update(broken="(unclosed"), "not a valid regular expression"),
    (lambda p: p["rules"][0]["when"].update(sentiment_score={"min": 1, "max": 0}),
     "min 1.0 is above max 0.0"),
    (lambda p: p["rules"][0]["when"].update(intent=["complain"]), "rules.0.when.intent.0"),
    (lambda p: p["rules"][0]["when"].update(language=["English"]), "rules.0.when.language.0"),
    (lambda p: p["rules"][0]["when"].update(source=["twitter"]), "rules.0.when.source.0"),
    (lambda p: p["rules"][0]["then"].update(team="billing"), "team 'billing', which is not "
                                                             "one of the policy's teams"),
])
def test_a_broken_policy_is_refused_with_the_problem_named(tmp_path, change, message):
    raw = yaml.safe_load(DEFAULT_POLICY.read_text())
    change(raw)
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(ConfigError, match=message):
        load_policy(path)


def test_a_policy_naming_a_destination_the_settings_lack_is_refused(tmp_path):
    raw = yaml.safe_load(DEFAULT_POLICY.read_text())
    raw["destinations"]["community"] = "forum"
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(raw))
    settings = Settings(routing={"policy": path})
    with pytest.raises(ConfigError, match="names destinations forum, which are neither"):
        policy_for(settings)
    settings.routing.destinations = [DestinationSettings(name="forum", kind="discourse",
                                                         url="https://forum.example")]
    assert policy_for(settings).destinations["community"] == "forum"


def test_the_sources_a_policy_may_name_are_the_connectors():
    assert sorted(SOURCES) == sorted(CONNECTORS)


def test_evidence_masks_what_may_be_personal_data_and_shows_ordinary_words_as_found():
    """An order number in the evidence keeps only its shape; a complaint's vocabulary (the
    policy's public_patterns) is shown as found: an analyst reading out__routing_evidence
    sees why, without reading personal data."""
    policy = load_policy()
    decided = evaluate(policy, _frame(text=ACCOUNT)).iloc[0]
    [order] = [e for e in decided["evidence"] if e["field"] == "matches"]
    assert order["value"] == "order_number" and "A1234567" not in order["test"]
    problem = evaluate(policy, _frame(text="I still have no refund for the broken phone",
                                      intent="complaint", private_score=0.1)).iloc[0]
    assert problem["rule_id"] == "account-problem"
    [word] = [e for e in problem["evidence"] if e["field"] == "matches"]
    assert word["value"] == "account_problem" and word["test"] == "found 'refund'"


def test_public_patterns_must_name_patterns_the_policy_defines(tmp_path):
    document = yaml.safe_load(DEFAULT_POLICY.read_text())
    document["public_patterns"] = ["account_problem", "no_such_pattern"]
    changed = tmp_path / "policy.yaml"
    changed.write_text(yaml.safe_dump(document))
    with pytest.raises(ConfigError, match="no_such_pattern"):
        load_policy(changed)
