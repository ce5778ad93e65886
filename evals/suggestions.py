"""The suggested-replies evaluation of `make eval`: how often does the desk offer, from the
brand's earlier answers, a reply close to the one that was then really sent?

Suggestions are retrieved, never generated (desk/suggestions.py), so that is the question.
Each brand reply is replayed: its customer's post is asked for suggestions through the
desk's own query (`suggest`), with only the answers given before the reply (`before`), and
the suggestions are compared with what the brand sent. "Close": the cosine of the two
texts' embeddings (the pipeline's encoder, through `enrichment.embed_texts`, the leading
@handles removed) is at least CLOSE. Three data sets:

1. The demo sample, run by the demo itself into a temporary folder: the brand's replies on
   X and on its forum to customers' posts, suggested from through the demo's warehouse.
   It runs without its recorded agent session (`play_session=False`): nobody has worked
   its desk, so the desk-reply and accepted-answer kinds are exercised by the tests, not
   measured here (the session's ten replies are the demo's own, not a brand's).
2. twcs (customer tweet, brand reply) pairs: every brand reply of the three files whose
   customer tweet is in the files too, loaded into a migrated warehouse per brand (the
   customer tweets as mentions with the pipeline's embeddings, the replies as mentions of
   the brand's account) and replayed the same way.
3. twcs random 5000's brand replies: its customer tweets are not in the file, so nothing can
   be retrieved; an upper bound instead: the share whose nearest earlier reply of the same
   brand is close (the brand's own earlier answers would hold a close suggestion, were
   retrieval to find it).
"""

from __future__ import annotations

import re
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from carewire.desk.suggestions import LIMIT, SIMILAR, Suggestion, suggest
from carewire.warehouse.db import connect, registered
from carewire.warehouse.migrate import migrate
from evals import datasets

CLOSE = 0.7
"""Two replies at least this alike say the same thing in other words: in twcs, pairs from
0.7 up mostly ask for the same details the same way ("DM us the model and iOS version");
between 0.55 and 0.65 they share the kind of answer (take it to DM) but not its substance.
0.6 and 0.8 are printed too."""
LEVELS = (0.6, CLOSE, 0.8)
THRESHOLDS = (0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7)
"""Question similarities the replay is scored at, SIMILAR among them."""
DEMO_AT = datetime(2026, 11, 24, 8, 0, tzinfo=timezone.utc)
"""The demo's clock on its sample (the end of the week it was recorded over), as in the
tests; the demo takes it from the sample whatever moment it is given."""

_ADDRESSEES = re.compile(r"^(\s*@\w+)+")

Replayed = list[tuple[str, list[Suggestion]]]
"""Each reply really sent, with what the desk would have suggested before it was."""


def evaluate() -> None:
    print(f"Suggested replies: earlier answers to similar questions, never generated; offered "
          f"at question cosine >= {SIMILAR} (desk.suggestions.SIMILAR), at most {LIMIT}; "
          f"'close': cosine of the suggestion and the reply sent >= {CLOSE}")
    replayed, replies = demo()
    print(f"  1. demo sample: {len(replayed)} brand replies to customers' posts (x, forums), "
          f"replayed through the desk's query on the demo's warehouse ({replies} desk "
          "replies in its snapshot: nobody has worked its desk)")
    _table(replayed)
    pairs = datasets.twcs_brand_replies().dropna(subset=["question"])
    in_sample = datasets.twcs_brand_replies(datasets.TWCS_FILES[2:])["question"].notna().sum()
    replayed = twcs(pairs)
    print(f"  2. twcs: {len(replayed)} brand replies whose customer tweet is in the files "
          f"({in_sample} within the 93-row Kaggle sample), {pairs['brand'].nunique()} brands, "
          "a warehouse per brand")
    _table(replayed)
    upper_bound(datasets.twcs_brand_replies(datasets.TWCS_FILES[:1]))


def demo() -> tuple[Replayed, int]:
    """The demo's brand replies, each with the suggestions for its customer's post, and how
    many desk replies the demo's snapshot holds."""
    from carewire.app import demo as run
    from carewire.core.settings import SAMPLE_CONFIG, load_settings

    with tempfile.TemporaryDirectory() as scratch:
        settings = load_settings(SAMPLE_CONFIG).model_copy(update={"data_dir": Path(scratch)})
        run.run(settings, DEMO_AT, say=lambda line: None, play_session=False)
        with connect(settings.snapshot, read_only=True) as con:
            replies = con.execute("SELECT count(*) FROM core__events "
                                  "WHERE kind = 'replied'").fetchone()[0]
            sent = con.execute("""
                SELECT a.source, a.parent_id, a.text, a.created_at FROM core__mentions a
                JOIN core__author_influence b USING (source, author_id)
                JOIN core__embeddings q ON q.source = a.source AND q.source_id = a.parent_id
                WHERE b.tier = 'brand' AND NOT a.is_deleted
                ORDER BY a.created_at""").fetchall()
            return [(text, suggest(con, source, question, at_least=-1.0, before=at))
                    for source, question, text, at in sent], replies


def twcs(pairs: pd.DataFrame) -> Replayed:
    from carewire import enrichment

    questions = pairs.drop_duplicates("question_id")
    vectors = dict(zip(questions["question_id"],
                       enrichment.embed_texts(questions["question"].tolist())))
    replayed = []
    for brand, replies in pairs.groupby("brand"):
        with _warehouse(brand, replies, vectors) as con:
            replayed += [(row.text, suggest(con, "x", row.question_id, at_least=-1.0,
                                            before=row.created_at))
                         for row in replies.itertuples()]
    return replayed


def _warehouse(brand: str, replies: pd.DataFrame,
               vectors: dict[str, np.ndarray]) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with carewire's schema: the customer tweets, with their
    embeddings, and the brand's replies to them from its account (a brand-tier author)."""
    con = duckdb.connect()
    migrate(con)
    questions = replies.drop_duplicates("question_id")
    mentions = pd.concat([
        pd.DataFrame({"source_id": questions["question_id"], "author_id": "customer",
                      "parent_id": None, "text": questions["question"],
                      "created_at": questions["question_at"]}),
        pd.DataFrame({"source_id": replies["tweet_id"], "author_id": brand,
                      "parent_id": replies["question_id"], "text": replies["text"],
                      "created_at": replies["created_at"]})])
    embeddings = pd.DataFrame({"source_id": questions["question_id"],
                               "embedding": [vectors[q] for q in questions["question_id"]]})
    with registered(con, mentions) as new:
        con.execute(f"""INSERT INTO core__mentions (source, source_id, stream, text, author_id,
                            created_at, categories, parent_id, batch_id, first_seen_at,
                            last_seen_at)
                        SELECT 'x', source_id, 'twcs', text, author_id, created_at, [],
                               parent_id, 'twcs', created_at, created_at FROM {new}""")
    with registered(con, embeddings) as new:
        con.execute(f"""INSERT INTO core__embeddings SELECT 'x', source_id, 'eval',
                        CAST(embedding AS FLOAT[]) FROM {new}""")
    con.execute("INSERT INTO core__author_influence VALUES ('x', ?, ?, NULL, NULL, 0, 0, 0, 0, "
                "NULL, 0, 0, 'brand', 'the brand''s own account')", [brand, brand])
    return con


def _table(replayed: Replayed) -> None:
    """Per question threshold: the share of replies offered a suggestion, and the share
    offered one close to what was sent, at each closeness level."""
    from carewire import enrichment

    texts = list(dict.fromkeys([_answer(sent) for sent, _ in replayed]
                               + [s.text for _, offered in replayed for s in offered]))
    vectors = dict(zip(texts, enrichment.embed_texts(texts)))
    n = len(replayed)
    print(f"     {'threshold':>9}  {'offered':>12}" + "".join(f"  {f'close >= {c}':>14}"
                                                       for c in LEVELS))
    for threshold in THRESHOLDS:
        offered = [[s for s in suggested if s.similarity >= threshold]
                   for _, suggested in replayed]
        best = np.array([max((float(vectors[_answer(sent)] @ vectors[s.text]) for s in o),
                             default=-1.0) for (sent, _), o in zip(replayed, offered)])
        given = sum(bool(o) for o in offered)
        mark = "  <- SIMILAR" if threshold == SIMILAR else ""
        print(f"     {threshold:>9.2f}  {_share(given, n):>12}"
              + "".join(f"  {_share(int((best >= c).sum()), n):>14}" for c in LEVELS) + mark)


def upper_bound(replies: pd.DataFrame) -> None:
    from carewire import enrichment

    vectors = enrichment.embed_texts([_answer(text) for text in replies["text"]])
    best = np.full(len(replies), -1.0)
    at = replies["created_at"].to_numpy()
    for rows in replies.groupby("brand").indices.values():
        alike = vectors[rows] @ vectors[rows].T
        for k, row in enumerate(rows):
            earlier = at[rows] < at[row]
            if earlier.any():
                best[row] = alike[k][earlier].max()
    n = len(replies)
    print(f"  3. twcs random 5000: {n} brand replies of {replies['brand'].nunique()} brands; "
          f"{int(replies['question'].notna().sum())} have their customer tweet in the other "
          "files, none in this one, so no retrieval: an upper bound, the nearest earlier "
          "reply of the same brand")
    print(f"     an earlier reply of the brand exists: {_share(int((best > -1).sum()), n)}; "
          "it is close: " + ", ".join(f">= {c}: {_share(int((best >= c).sum()), n)}"
                                      for c in LEVELS))


def _answer(text: str) -> str:
    """A reply's words without the @handles it is addressed to (anonymised in twcs)."""
    return _ADDRESSEES.sub("", text).strip()


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.3f} ({part})" if whole else "-"
