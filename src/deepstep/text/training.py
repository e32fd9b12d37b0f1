"""One epoch of word2vec on several threads: a producer turns sentences into integer jobs, each
worker runs the compiled kernel on jobs as they come (all writing the same weights, Hogwild), and
the calling thread adds up what they report and keeps the progress bar.

The learning rate of a job falls linearly with the words read before it, from the first job of
the first epoch to the last of the last (as word2vec and gensim do).
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["LOSS_SAMPLE_EVERY", "EpochStats", "LinearDecay", "progress_bar", "run_epoch"]

LOSS_SAMPLE_EVERY = 16  # without compute_loss, the loss is measured on one example in 16 (for the bar)

Job = tuple[np.ndarray, np.ndarray, int]  # word indices, sentence ends, words read
TrainStep = Callable[[np.ndarray, np.ndarray, float, np.ndarray], tuple[int, int, float, int]]


@dataclass(frozen=True)
class LinearDecay:
    """α after `done` of `total` words: α₀ − (α₀ − α_min)·done/total, never below α_min."""

    start: float
    end: float
    total_words: int

    def alpha(self, done: float) -> float:
        return max(self.end, self.start - (self.start - self.end) * done / self.total_words)


@dataclass
class EpochStats:
    """What one epoch did: words read and trained, examples, loss, time."""

    raw_words: int = 0
    trained_words: int = 0
    examples: int = 0
    loss: float = 0.0
    loss_examples: int = 0
    alpha: float = 0.0
    seconds: float = 0.0

    def add(self, raw: int, trained: int, examples: int, loss: float, loss_examples: int) -> None:
        self.raw_words += raw
        self.trained_words += trained
        self.examples += examples
        self.loss += loss
        self.loss_examples += loss_examples

    @property
    def mean_loss(self) -> float:
        return self.loss / self.loss_examples if self.loss_examples else float("nan")

    @property
    def words_per_second(self) -> float:
        return self.trained_words / max(self.seconds, 1e-9)


def progress_bar(total: int, enabled: bool) -> Any:
    """A tqdm bar counting words (None without tqdm, or when not wanted)."""
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    # no tqdm rate: it counts words read per second of wall time, while the words/s beside the bar
    # (and in the summary) counts words trained per second of training, the one figure deepstep gives
    bar_format = "{l_bar}{bar}| {n_fmt}/{total_fmt} words [{elapsed}<{remaining}{postfix}]"
    return tqdm(total=total, unit_scale=True, dynamic_ncols=True, desc="word2vec", bar_format=bar_format)


def run_epoch(
    job_source: Iterable[Job],
    step: TrainStep,
    rng_states: np.ndarray,
    alpha_at: Callable[[int], float],
    report: Callable[[EpochStats], None] | None = None,
) -> EpochStats:
    """Train one pass over `job_source` with one worker per row of `rng_states` (each worker's
    generator state); alpha_at(words read before a job) gives the job's learning rate, and
    report(stats so far) is called after every job. Ctrl-C or an error stops every thread."""
    workers = len(rng_states)
    jobs_queue: queue.Queue = queue.Queue(maxsize=2 * workers)
    results: queue.Queue = queue.Queue()
    stop = threading.Event()
    failures: list[BaseException] = []
    stats = EpochStats()

    def produce() -> None:
        pushed = 0
        try:
            for tokens, ends, raw in job_source:
                job = (tokens, ends, raw, alpha_at(pushed))
                while not stop.is_set():
                    try:
                        jobs_queue.put(job, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
                pushed += raw
        except BaseException as error:  # reported by the calling thread
            failures.append(error)
        finally:
            for _ in range(workers):
                jobs_queue.put(None)

    def work(rng: np.ndarray) -> None:
        # A worker always reads the queue to its end (skipping jobs once stopped), so the
        # producer can never block on a full queue that nobody reads.
        while (job := jobs_queue.get()) is not None:
            if stop.is_set():
                continue
            tokens, ends, raw, alpha = job
            try:
                result = step(tokens, ends, alpha, rng)
            except BaseException as error:
                failures.append(error)
                stop.set()
                continue
            results.put((raw, alpha, *result))
        results.put(None)

    started = time.perf_counter()
    threads = [threading.Thread(target=produce, daemon=True, name="word2vec-producer")]
    threads += [
        threading.Thread(target=work, args=(rng_states[i],), daemon=True, name=f"word2vec-worker-{i}")
        for i in range(workers)
    ]
    for thread in threads:
        thread.start()
    try:
        finished = 0
        while finished < workers:
            result = results.get()
            if result is None:
                finished += 1
                continue
            raw, stats.alpha, *counts = result
            stats.add(raw, *counts)
            stats.seconds = time.perf_counter() - started
            if report is not None:
                report(stats)
    finally:
        stop.set()  # on Ctrl-C or an error: the producer and the workers wind down
        for thread in threads:
            thread.join()
    stats.seconds = time.perf_counter() - started
    if failures:
        raise failures[0]
    return stats
