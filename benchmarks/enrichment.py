"""How fast enrichment and dedupe run, on real customer-support tweets (../shared/data/twcs).

1. Throughput, mentions per second, all measured in this run on the same tweets:
   - torch fp32 encoder only: the transformer pass alone (tokenise, forward, pool) as
     torch runs it on batches, the original layers only (not the sentiment fork): the
     reference (issue 19);
   - the fast encoder only: the same pass on the runtime the pipeline uses here
     (`enrichment.runtime: auto`, on a CPU onnx-int8), with the sentiment fork the
     shipped head reads, and without it (what the fork costs); ratios to torch;
   - the whole step on that runtime: the process DAG's enrich task on a warehouse holding
     those mentions (read, clean, encode, language, sentiment, relevance, intent, write
     enrichments and embeddings, cluster, recompute influence), and its ratio to torch's
     encoder alone (target >= 2.0) and to its own encoder alone (target >= 0.80);
   - a naive baseline: a `transformers` pipeline called once per text, then all-pairs
     cosine similarity for dedupe (on a smaller sample: it is quadratic).
2. Dedupe alone, embeddings given, at 10k, 100k and 1M mentions: seconds and peak memory
   (each size in a fresh process; peak resident memory includes the embeddings, read
   from a memory-mapped file). The mentions are the real tweets, repeated with small
   perturbations of their embeddings and a varying tail in their text, so that volume
   grows the way a busy brand's does: many near-repeats of recurring issues.

    make bench      # or: .venv/bin/python -m benchmarks.enrichment [--sizes 10000,100000]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import numpy as np

from benchmarks.connectors import machine
from evals.datasets import twcs_inbound

THROUGHPUT_MENTIONS = 4000
NAIVE_MENTIONS = 400
SIZES = (10_000, 100_000, 1_000_000)


def throughput(n: int, naive_n: int) -> None:
    import torch

    from carewire.core.settings import Settings
    from carewire.enrichment.pairs import PairModel
    from carewire.enrichment import sentiment_layers
    from carewire.enrichment.encoder import Encoder
    from carewire.enrichment.enricher import Enricher
    from carewire.enrichment.step import run
    from carewire.enrichment.text import normalize
    from carewire.warehouse.db import connect
    from carewire.warehouse.migrate import migrate

    tweets = twcs_inbound().tail(n).reset_index(drop=True)
    texts = tweets["text"].tolist()
    settings = Settings()
    enricher = Enricher(settings.enrichment)
    pairs = PairModel.default()
    original = tuple(layer for layer in enricher.encoder.feature_layers
                     if not sentiment_layers.is_fork_key(layer))
    reference = Encoder(enricher.encoder.model_ref, runtime="torch",
                        batch_size=settings.enrichment.batch_size, feature_layers=original)
    unforked = Encoder(enricher.encoder.model_ref, runtime=settings.enrichment.runtime,
                       cache_dir=settings.enrichment.encoder_cache, feature_layers=original)
    clean = [normalize(t) for t in texts]
    timings = {}
    for name, encoder in (("torch", reference), ("fast", enricher.encoder),
                          ("unforked", unforked)):
        encoder.encode(["warm up"] * 8)  # loads (and on first use exports) the model
        start = time.perf_counter()
        encoder.encode(clean)
        timings[name] = time.perf_counter() - start
    torch_s, encoder_s = timings["torch"], timings["fast"]

    with tempfile.TemporaryDirectory() as scratch, connect(Path(scratch) / "w.duckdb") as con:
        migrate(con)
        mentions = tweets.assign(
            source="x", source_id=tweets["tweet_id"], stream="bench", categories=[[]] * n,
            is_deleted=False, batch_id="bench", first_seen_at=tweets["created_at"],
            last_seen_at=tweets["created_at"])
        con.register("incoming", mentions)
        con.execute("INSERT INTO core__mentions BY NAME SELECT source, source_id, stream, "
                    "text, author_id, created_at, CAST(categories AS VARCHAR[]) AS categories,"
                    " is_deleted, batch_id, first_seen_at, last_seen_at FROM incoming")
        start = time.perf_counter()
        result = run(con, settings, enricher, pairs)
        step_s = time.perf_counter() - start

    naive = texts[:naive_n]
    from transformers import pipeline

    extract = pipeline("feature-extraction", model=enricher.encoder.model_ref,
                       tokenizer=enricher.encoder.model_ref, device="cpu")
    start = time.perf_counter()
    vectors = []
    with torch.no_grad():
        for text in naive:
            states = np.asarray(extract(text, truncation=True, max_length=128))[0]
            vectors.append(states.mean(axis=0) / np.linalg.norm(states.mean(axis=0)))
    matrix = np.stack(vectors)
    same = [(i, j) for i in range(len(naive)) for j in range(i + 1, len(naive))
            if float(matrix[i] @ matrix[j]) >= pairs.head.info["cosine_threshold"]]
    naive_s = time.perf_counter() - start

    fast = enricher.encoder.runtime
    print(f"1. Throughput on {n} real customer tweets (twcs), torch threads "
          f"{torch.get_num_threads()}; fast runtime {enricher.encoder.runtime_version}")
    print(f"   torch fp32 encoder only       {n / torch_s:8.1f} mentions/s   (reference)")
    print(f"   {fast} encoder only{'':<{14 - len(fast)}}{n / encoder_s:8.1f} mentions/s   "
          f"{torch_s / encoder_s:.2f}x torch encoder")
    print(f"   {fast} encoder, no fork{'':<{10 - len(fast)}}"
          f"{n / timings['unforked']:8.1f} mentions/s   "
          f"{torch_s / timings['unforked']:.2f}x torch encoder (what the fork costs)")
    print(f"   whole enrichment + dedupe     {n / step_s:8.1f} mentions/s   "
          f"{torch_s / step_s:.2f}x torch encoder (target >= 2.0), "
          f"{encoder_s / step_s:.2f} of its own encoder (target >= 0.80)")
    print(f"   naive baseline ({naive_n} texts)    {naive_n / naive_s:8.1f} mentions/s   "
          f"(pipeline per text + all pairs; {len(same)} similar pairs)")
    print(f"   step: {result['clustered']} clustered into {result['clusters_founded']} "
          f"clusters")


def _synthetic(n: int, base: np.ndarray, texts: list[str], path: Path) -> list[str]:
    """n unit vectors around the real embeddings, written to `path` in chunks, and their
    texts. Three in ten are near-repeats of a real tweet (same issue, other words)."""
    rng = np.random.default_rng(7)
    out = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(n, base.shape[1]))
    picks = rng.integers(0, len(base), n)
    for start in range(0, n, 100_000):
        rows = picks[start:start + 100_000]
        scale = np.where(rng.random(len(rows)) < 0.3, 0.02, 0.25)[:, None]
        noisy = base[rows] + rng.normal(size=(len(rows), base.shape[1])) * scale / np.sqrt(
            base.shape[1]) * 8
        out[start:start + len(rows)] = noisy / np.linalg.norm(noisy, axis=1, keepdims=True)
    out.flush()
    return [f"{texts[p]} #{i % 997}" for i, p in enumerate(picks)]


def _dedupe_child(embeddings: str, texts_file: str) -> None:
    """Runs in a fresh process: cluster, then print seconds, peak RSS and cluster count."""
    from datetime import datetime, timezone

    from carewire.enrichment.dedupe import assign
    from carewire.enrichment.pairs import PairModel

    vectors = np.load(embeddings, mmap_mode="r")
    texts = Path(texts_file).read_text(encoding="utf-8").split("\n")
    base = datetime(2017, 10, 1, tzinfo=timezone.utc)
    step = timedelta(days=60) / len(texts)  # the volume spread over two months
    at = [base + i * step for i in range(len(texts))]
    model = PairModel.default()
    start = time.perf_counter()
    chosen = assign(texts, vectors, at, model, timedelta(days=14))
    seconds = time.perf_counter() - start
    peak_kib = next(int(line.split()[1]) for line in
                    Path("/proc/self/status").read_text().splitlines()
                    if line.startswith("VmHWM"))
    clusters = len({a.founder for a in chosen.values()})
    print(f"{seconds:.1f} {peak_kib / 1024 ** 2:.2f} {clusters}")


def dedupe_scaling(sizes: tuple[int, ...]) -> None:
    from carewire.core.settings import Settings
    from carewire.enrichment.enricher import Enricher

    tweets = twcs_inbound()
    texts = [" ".join(text.split()) for text in tweets["text"]]  # one line each
    base = Enricher(Settings().enrichment).embed(texts[:5000])
    print("\n2. Dedupe alone, embeddings given (base: 5000 real tweets), open window 14 days")
    print(f"   {'mentions':>9} {'seconds':>8} {'mentions/s':>11} {'peak GiB':>9} "
          f"{'clusters':>9}   (target 1M: <= 300 s, <= 4 GiB)")
    with tempfile.TemporaryDirectory() as scratch:
        for n in sizes:
            vectors, text_file = Path(scratch) / f"{n}.npy", Path(scratch) / f"{n}.txt"
            text_file.write_text("\n".join(_synthetic(n, base, texts[:5000], vectors)),
                                 encoding="utf-8")
            done = subprocess.run([sys.executable, "-m", "benchmarks.enrichment", "--child",
                                   str(vectors), str(text_file)], capture_output=True,
                                  text=True)
            if done.returncode:
                raise SystemExit(f"dedupe of {n} mentions failed:\n{done.stderr}")
            seconds, peak, clusters = done.stdout.split()[-3:]
            print(f"   {n:>9} {float(seconds):>8.1f} {n / float(seconds):>11.0f} "
                  f"{float(peak):>9.2f} {int(clusters):>9}")
            vectors.unlink()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES))
    parser.add_argument("--mentions", type=int, default=THROUGHPUT_MENTIONS)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _dedupe_child(*args.child)
        return
    print(machine())
    throughput(args.mentions, NAIVE_MENTIONS)
    dedupe_scaling(tuple(int(s) for s in args.sizes.split(",")))


if __name__ == "__main__":
    main()
