"""The scan's worker pool: run one function over many files in threads or processes.

Probing every new file and looking for break points in every new programme are both "the same
call on each of N files, results as they finish", so they share this runner (the choice of
threads or processes is explained in :mod:`lineup.scanner`).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import (
    Executor,
    Future,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
    as_completed,
)
from concurrent.futures.process import BrokenProcessPool
from typing import Literal, TypeVar

from lineup.owner_watch import exit_with_owner

log = logging.getLogger(__name__)

Job = TypeVar("Job")
Result = TypeVar("Result")
PoolKind = Literal["thread", "process"]
#: what to do with the jobs a process pool had not finished when it broke (a worker killed by
#: the OOM killer, a platform without a usable start method): run them in threads, or leave
#: them to the next scan (for work that may itself be what crashed the worker)
OnBroken = Literal["threads", "leave"]


def run_in_pool(
    work: Callable[[list[Job]], list[Result]],
    jobs: Sequence[Job],
    kind: PoolKind,
    size: int,
    *,
    on_broken: OnBroken = "threads",
    chunk: int | None = None,
) -> Iterator[tuple[int, Result]]:
    """Yield ``(index into jobs, result)`` for each job, in completion order.

    ``work`` takes a list of jobs and returns one result per job; in a process pool it must be
    importable (a module-level function, or a ``functools.partial`` of one). ``chunk`` jobs
    go to a worker at once (default: amortise the pickling round-trip for processes, 1 for
    threads).
    """
    if not jobs:
        return
    if kind == "process":
        if chunk is None:
            chunk = max(1, min(32, len(jobs) // (size * 8)))
        # forkserver because forking a server that runs threads (the HTTP app, the tuner) is
        # unsafe; each worker exits with this process, even after a kill -9 (lineup.owner_watch)
        methods = multiprocessing.get_all_start_methods()
        method = "forkserver" if "forkserver" in methods else "spawn"
        pool: Executor = ProcessPoolExecutor(
            size,
            mp_context=multiprocessing.get_context(method),
            initializer=exit_with_owner,
            initargs=(os.getpid(),),
        )
    else:
        chunk = chunk or 1
        pool = ThreadPoolExecutor(size, thread_name_prefix="scan")
    starts = range(0, len(jobs), chunk)
    left: list[int] = []
    try:
        futures = {pool.submit(work, list(jobs[start : start + chunk])): start for start in starts}
        finished: set[Future[list[Result]]] = set()
        for future in as_completed(futures):
            try:
                results = future.result()
            except BrokenProcessPool:
                unfinished = [start for other, start in futures.items() if other not in finished]
                left = [i for start in unfinished for i in range(start, start + chunk)]
                left = [i for i in left if i < len(jobs)]
                break
            finished.add(future)
            start = futures[future]
            yield from enumerate(results, start=start)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    if not left:
        return
    if on_broken == "leave":
        log.warning("the scan's process pool broke; %d files are left for the next scan", len(left))
        return
    log.warning("the scan's process pool broke; doing %d files in threads", len(left))
    again = run_in_pool(work, [jobs[i] for i in sorted(left)], "thread", size)
    order = sorted(left)
    for index, result in again:
        yield order[index], result
