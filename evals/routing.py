"""The routing evaluation of `make eval`: real inbound customer tweets (twcs) through the
`routing.decide` hook, against hand labels and a weak label taken from what the brand did.

Hand labels (evals/labels, docs/labelling-private-channel.md): does helping this person
need a private channel? Only their held-out 30 % is scored here: the private-channel model
and the default policy's threshold were fitted and chosen on the rest.

Weak label: the brand's first reply to the tweet asks the customer to move to a private
channel (DM, direct or private message, PM). Such a tweet needed the customer's own
records or a one-to-one conversation, which is what the contact center route is for. The
twcs files in ../shared/data are samples of the corpus, so only the inbound tweets whose
brand reply was sampled too carry a label; every other tweet is unlabelled, not negative.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from carewire.core.labels import ROUTES
from evals import datasets, runtimes
from evals.metrics import precision_recall_f1

SAMPLE = 3000
SEED = 20171031
SOURCE = "x"

PRIVATE_CHANNEL = re.compile(
    r"(?i)\bDM(?:s|ed|'d|ing)?\b|\bdirect(?:ly)?[ -]?messag|\bprivate[ -]?messag"
    r"|\bsend us an? (?:private|direct) message|\bfollow us and DM|\bPM us\b")
"""A brand reply that moves the conversation to a private channel."""


def asks_for_private_channel(replies: pd.Series) -> pd.Series:
    """Whether each brand reply asks to move to a private channel (links are not searched)."""
    return replies.str.replace(r"https?://\S+", " ", regex=True).str.contains(PRIVATE_CHANNEL)

_COLUMNS = ["tweet_id", "inbound", "created_at", "text", "response_tweet_id",
            "in_response_to_tweet_id"]


def inbound_sample(n: int = SAMPLE, seed: int = SEED) -> pd.DataFrame:
    """A fixed random sample of `datasets.twcs_inbound()`, in its (time) order."""
    tweets = datasets.twcs_inbound()
    return tweets.sample(n=min(n, len(tweets)), random_state=seed).sort_index()


def route(tweets: pd.DataFrame, scores: pd.DataFrame | None = None) -> pd.DataFrame:
    """`tweets` with the decision of `routing.decide` (text and source only) beside it.
    `scores`: `enrichment.score_texts` of the same texts, when the caller has them already
    (decide then uses them instead of scoring the texts again)."""
    from carewire import routing

    frame = pd.DataFrame({"text": tweets["text"], "source": SOURCE}, index=tweets.index)
    if scores is not None:
        frame = frame.join(scores.set_axis(tweets.index))
    decided = routing.decide(frame)
    return tweets.join(decided[["route", "rule_id", "reason"]])


def hand_labels() -> None:
    """Contact center vs the rest on the held-out hand labels, for the policy and for the
    private-channel score alone, with each rule's share and precision."""
    from carewire.enrichment import score_texts

    labelled = datasets.private_channel_labels()
    held = labelled[labelled["held_out"]].reset_index(drop=True)
    scores = score_texts(held["text"].tolist())  # one encoder pass for the policy and the score
    scored = route(held, scores)
    truth = held["private"].to_numpy(dtype=bool)
    print(f"Routing, hand labels (needs a private channel): {len(held)} held-out of "
          f"{len(labelled)} labelled inbound tweets, base rate {truth.mean():.3f}")
    precision, found, f1 = precision_recall_f1(truth, (scored["route"] == "contact_center")
                                               .to_numpy())
    print(f"  route == contact_center vs label (official metric): F1 {f1:.4f}  "
          f"(precision {precision:.3f}, recall {found:.3f})")
    private_score = scores["private_score"].to_numpy()
    alone = precision_recall_f1(truth, private_score >= 0.5)
    print(f"  private_score >= 0.5 alone: F1 {alone[2]:.4f}  (precision {alone[0]:.3f}, "
          f"recall {alone[1]:.3f})")
    print(f"  baseline, everything to contact_center: F1 "
          f"{precision_recall_f1(truth, np.ones_like(truth))[2]:.4f}")

    def contact_center_f1(enricher) -> float:
        on_runtime, _ = enricher.enrich(held["text"].tolist())
        routed = route(held, on_runtime)["route"] == "contact_center"
        return precision_recall_f1(truth, routed.to_numpy())[2]

    runtimes.compare("route == contact_center F1", contact_center_f1)
    by_rule = scored.assign(private=truth).groupby(["rule_id", "route"])["private"] \
        .agg(["size", "mean"]).sort_values("size", ascending=False)
    print("  rule share (label rate): " + ", ".join(
        f"{rule} ({r}) {row['size'] / len(held):.3f} ({row['mean']:.2f})"
        for (rule, r), row in by_rule.iterrows()))


def labelled_inbound() -> pd.DataFrame:
    """Every inbound tweet of the twcs files whose brand (outbound) reply is in the files
    too: tweet_id, text, the earliest such reply, and whether it asks for a private channel
    (`private`; links in the reply are not searched)."""
    rows = datasets.twcs_rows(_COLUMNS).dropna(subset=["tweet_id", "inbound"])
    rows = rows.drop_duplicates("tweet_id")
    clean = lambda ids: ids.str.strip().str.replace(r"\.0$", "", regex=True)  # noqa: E731
    outbound = rows[rows["inbound"].str.strip() == "False"].set_index("tweet_id")
    # A reply names its parent; the parent lists its replies. Either link counts.
    by_parent = outbound["in_response_to_tweet_id"].dropna()
    links = pd.DataFrame({"tweet_id": clean(by_parent).to_numpy(),
                          "reply_id": by_parent.index.to_numpy()})
    listed = rows.set_index("tweet_id")["response_tweet_id"].dropna().str.split(",").explode()
    listed = clean(listed)
    links = pd.concat([links, pd.DataFrame({"tweet_id": listed.index.to_numpy(),
                                            "reply_id": listed.to_numpy()})])
    links = links[links["reply_id"].isin(outbound.index)].drop_duplicates()
    links["reply_at"] = pd.to_datetime(outbound.loc[links["reply_id"], "created_at"].to_numpy(),
                                       format="%a %b %d %H:%M:%S %z %Y", errors="coerce",
                                       utc=True)
    links["reply"] = outbound.loc[links["reply_id"], "text"].fillna("").to_numpy()
    first = links.sort_values(["tweet_id", "reply_at", "reply_id"]).drop_duplicates("tweet_id")
    first["private"] = asks_for_private_channel(first["reply"])
    inbound = rows[rows["inbound"].str.strip() == "True"].dropna(subset=["text"])
    labelled = inbound[["tweet_id", "text"]].merge(first, on="tweet_id")
    return labelled[["tweet_id", "text", "reply", "private"]].reset_index(drop=True)


def evaluate() -> None:
    hand_labels()
    sample = route(inbound_sample())
    total = len(datasets.twcs_inbound())
    print(f"Routing, twcs inbound customer tweets: {len(sample)} sampled of {total} "
          f"(seed {SEED}), routing.decide on text with source {SOURCE!r}")
    shares = sample["route"].value_counts(normalize=True)
    print("  route share: " + ", ".join(f"{r} {shares.get(r, 0.0):.3f}" for r in ROUTES))
    replies = datasets.twcs_brand_replies()
    asked = asks_for_private_channel(replies["text"])
    print(f"  beside it, the brands' own DM share: {asked.mean():.3f} of their {len(replies)} "
          "replies in the twcs files ask to move to a private channel")
    rules = sample.groupby(["rule_id", "route"]).size().sort_values(ascending=False)
    print("  rule share:  " + ", ".join(f"{rule} ({r}) {count / len(sample):.3f}"
                                        for (rule, r), count in rules.items()))

    labelled = labelled_inbound()
    in_sample = labelled["tweet_id"].isin(sample["tweet_id"])
    # The sample holds too few labelled tweets to score; every labelled inbound tweet is used.
    scored = pd.concat([labelled[in_sample].merge(sample[["tweet_id", "route", "rule_id"]],
                                                  on="tweet_id"),
                        route(labelled[~in_sample])]) if len(labelled) else labelled
    print(f"  weak label: the brand's first reply asks for DM / private message; "
          f"{len(labelled)} inbound tweets (all three twcs files) have their brand reply there too "
          f"({int(in_sample.sum())} of them in the sample)")
    if not len(scored):
        print("  no labelled tweets: precision/recall not computed")
        return
    truth = scored["private"].to_numpy(dtype=bool)
    predicted = (scored["route"] == "contact_center").to_numpy()
    precision, found, f1 = precision_recall_f1(truth, predicted)
    print(f"  label base rate: {truth.mean():.3f} ({int(truth.sum())} of {len(truth)})   "
          f"contact_center rate on them: {predicted.mean():.3f}")
    print(f"  route == contact_center vs label (official metric, n={len(truth)}): "
          f"F1 {f1:.4f}  (precision {precision:.3f}, recall {found:.3f})")
    always = precision_recall_f1(truth, np.ones_like(truth))[2]
    print(f"  baseline, everything to contact_center: F1 {always:.4f}")
    by_route = scored.groupby("route")["private"].agg(["size", "mean"])
    print("  label rate by route: " + ", ".join(
        f"{r} {row['mean']:.2f} (n={int(row['size'])})" for r, row in by_route.iterrows()))
