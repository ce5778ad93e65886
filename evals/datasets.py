"""Readers for the real public data in ../shared/data (never copied into the project).

The folder is found through $CAREWIRE_SHARED_DATA, or beside the project; a missing
folder or file is an error that says where it looked.
"""

from __future__ import annotations

import csv
import hashlib
import os
from pathlib import Path

import numpy as np

from carewire.core.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def shared_data() -> Path:
    path = Path(os.environ.get("CAREWIRE_SHARED_DATA", ROOT.parent / "shared" / "data"))
    if not path.is_dir():
        raise ConfigError(f"the evaluation data was not found at {path}; set "
                          "CAREWIRE_SHARED_DATA to the folder that holds sentiment/, "
                          "paraphrase/, germeval2017/ and twcs/")
    return path


def data_file(*parts: str) -> Path:
    path = shared_data().joinpath(*parts)
    if not path.is_file():
        raise ConfigError(f"{path} is missing from the evaluation data")
    return path


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def semeval_train() -> tuple[list[str], list[str]]:
    """48,273 SemEval 2013-2016 tweets: (texts, labels negative/neutral/positive)."""
    texts, labels = [], []
    with data_file("sentiment", "semeval_2013_2016_train.tsv").open(encoding="utf-8") as data:
        for row in csv.reader(data, delimiter="\t", quoting=csv.QUOTE_NONE):
            if len(row) >= 3 and row[1] in ("negative", "neutral", "positive"):
                labels.append(row[1])
                texts.append("\t".join(row[2:]))
    return texts, labels


def tweeteval_validation() -> tuple[list[str], list[str]]:
    """TweetEval sentiment validation split: 2,000 (texts, labels)."""
    names = ("negative", "neutral", "positive")
    texts = _lines(data_file("sentiment", "val_text.txt"))
    labels = [names[int(x)] for x in _lines(data_file("sentiment", "val_labels.txt"))]
    return texts, labels


def germeval_dev() -> tuple[list[str], list[bool], list[str]]:
    """GermEval 2017 dev: (texts, relevant, sentiment) for 2,584 documents."""
    texts, relevant, sentiment = [], [], []
    with data_file("germeval2017", "dev_v1.4.tsv").open(encoding="utf-8") as data:
        for row in csv.reader(data, delimiter="\t", quoting=csv.QUOTE_NONE):
            if len(row) >= 4:
                texts.append(row[1])
                relevant.append(row[2] == "true")
                sentiment.append(row[3])
    return texts, relevant, sentiment


def paraphrase_pairs() -> tuple[list[str], list[str], np.ndarray]:
    """Twitter URL paraphrase corpus, train split: (a, b, same) for 42,200 pairs."""
    a = _lines(data_file("paraphrase", "train", "a.toks"))
    b = _lines(data_file("paraphrase", "train", "b.toks"))
    same = np.array([int(x) for x in _lines(data_file("paraphrase", "train", "sim.txt"))]) == 1
    return a, b, same


def paraphrase_held_out(a: list[str]) -> np.ndarray:
    """True for the pairs carewire never tunes on: 20 % of the pairs, chosen by a hash of
    the first text. The corpus groups many pairs under one tweet; splitting by that text
    keeps every group on one side, so the held-out score is not inflated by neighbours."""
    return np.array([int(hashlib.sha256(t.encode()).hexdigest(), 16) % 5 == 0 for t in a])


TWCS_FILES = ("twcs_random5000_divya-gh.csv", "twcs_spotifycares_inbound_stepanaromanov.csv",
              "twcs_kaggle_sample93_aminaslami.csv")
"""The three shared twcs samples (the last has brand replies for threads of the others)."""


def twcs_rows(columns: list[str]):
    """`columns` of every row of the three twcs samples, as text; rows that the export
    broke across lines are skipped."""
    import pandas as pd

    return pd.concat([pd.read_csv(data_file("twcs", name), dtype=str, usecols=columns,
                                  on_bad_lines="skip") for name in TWCS_FILES])


def twcs_brand_replies(files: tuple[str, ...] = TWCS_FILES):
    """The brand (outbound) tweets of `files`, one row per tweet, oldest first: tweet_id,
    brand (the replying account), created_at (UTC), text, and the customer tweet each
    answers (its `in_response_to_tweet_id`) with question_at and question when that tweet
    is in any of the three files (NaN otherwise). Rows the export broke are skipped."""
    import pandas as pd

    def read(name: str):
        frame = pd.read_csv(data_file("twcs", name), dtype=str, on_bad_lines="skip")
        frame["created_at"] = pd.to_datetime(frame["created_at"], errors="coerce", utc=True,
                                             format="%a %b %d %H:%M:%S %z %Y")
        return frame.dropna(subset=["tweet_id", "inbound", "created_at", "text"])

    def sent(frame, by_customer: bool):
        return frame[frame["inbound"].str.strip() == str(by_customer)] \
            .drop_duplicates("tweet_id")

    # The files' ids overlap (one id can be a customer's tweet in one file and a brand's
    # in another): a question is a customer tweet posted before the reply that names it.
    frames = {name: read(name) for name in TWCS_FILES}
    inbound = sent(pd.concat(frames.values()), True).set_index("tweet_id")
    replies = sent(pd.concat([frames[name] for name in files]), False).rename(
        columns={"author_id": "brand"})
    replies["question_id"] = replies["in_response_to_tweet_id"].str.strip() \
        .str.replace(r"\.0$", "", regex=True)
    replies["question_at"] = replies["question_id"].map(inbound["created_at"])
    asked = replies["question_at"] <= replies["created_at"]
    replies["question_at"] = replies["question_at"].where(asked)
    replies["question"] = replies["question_id"].map(inbound["text"]).where(asked)
    return replies.sort_values(["created_at", "tweet_id"])[
        ["tweet_id", "brand", "created_at", "text", "question_id", "question_at", "question"]
    ].reset_index(drop=True)


def twcs_inbound():
    """Real customer tweets to brands (Kaggle "Customer Support on Twitter", 2017), both
    samples, one row per tweet: tweet_id, author_id, created_at (UTC), text. Rows that
    the export broke across lines are skipped."""
    import pandas as pd

    frames = []
    for name in TWCS_FILES[:2]:
        frame = pd.read_csv(data_file("twcs", name), dtype=str, on_bad_lines="skip")
        frame = frame[frame["inbound"].str.strip() == "True"]
        frames.append(frame[["tweet_id", "author_id", "created_at", "text"]])
    tweets = pd.concat(frames).dropna().drop_duplicates("tweet_id")
    tweets["created_at"] = pd.to_datetime(tweets["created_at"], format="%a %b %d %H:%M:%S %z %Y",
                                          errors="coerce", utc=True)
    return tweets.dropna().sort_values(["created_at", "tweet_id"]).reset_index(drop=True)


PRIVATE_CHANNEL_LABELS = Path(__file__).parent / "labels" / "twcs_private_channel.csv"
"""Hand labels of inbound twcs tweets (docs/labelling-private-channel.md): ids, no texts."""


def private_channel_labels():
    """One row per hand-labelled tweet: tweet_id, text (from ../shared/data), private
    (bool, the majority of its annotators), why (the reason code most of that majority
    gave) and held_out (the 30 % that is only ever scored, never fitted or tuned on)."""
    import pandas as pd

    labels = pd.read_csv(PRIVATE_CHANNEL_LABELS, dtype={"tweet_id": str})
    votes = labels.groupby("tweet_id", sort=False)["private"].mean()
    labels["majority"] = labels["tweet_id"].map(votes > 0.5)
    agreed = labels[labels["private"].astype(bool) == labels["majority"]]
    why = agreed.groupby("tweet_id", sort=False)["why"].agg(lambda codes: codes.mode().iloc[0])
    texts = twcs_inbound().drop_duplicates("tweet_id").set_index("tweet_id")["text"]
    missing = set(votes.index) - set(texts.index)
    if missing:
        raise FileNotFoundError(f"{len(missing)} labelled tweets are not in {shared_data()}/twcs "
                                f"(e.g. {sorted(missing)[0]}): the twcs files are incomplete")
    frame = pd.DataFrame({"tweet_id": votes.index, "text": texts.loc[votes.index].to_numpy(),
                          "private": (votes > 0.5).to_numpy(), "why": why.loc[votes.index]
                          .to_numpy()})
    frame["held_out"] = [int(hashlib.sha256(i.encode()).hexdigest()[:2], 16) < 0x4D
                         for i in frame["tweet_id"]]
    return frame
