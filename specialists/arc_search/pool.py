"""The search's process pool, safe to start from any caller: a script without an
`if __name__ == "__main__":` guard, a script read from standard input, a notebook, a thread.

The workers are spawned (fresh interpreters), and each is told nothing about the caller's
`__main__`: multiprocessing would otherwise re-run the caller's script in every worker to
rebuild its main module (a guard-less script runs its top level again; `python -` has no
file to re-run and the worker dies). The workers only ever run this package's functions,
which they import by name, so the caller's main module is never needed there.
"""

from __future__ import annotations

import sys
import threading
import types
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing import context, popen_spawn_posix
from typing import Any

_MAIN_SWAP = threading.Lock()


@contextmanager
def _main_hidden() -> Iterator[None]:
    """While a worker is launched, `__main__` is a blank module: no file to re-run and no
    module name to import, so the worker's preparation leaves the caller's script alone."""
    with _MAIN_SWAP:
        main = sys.modules["__main__"]
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            yield
        finally:
            sys.modules["__main__"] = main


class _Popen(popen_spawn_posix.Popen):
    def _launch(self, process_obj: Any) -> None:
        with _main_hidden():
            super()._launch(process_obj)  # type: ignore[misc]


class _Process(context.SpawnProcess):
    @staticmethod
    def _Popen(process_obj: Any) -> _Popen:  # noqa: N802 (multiprocessing's own name)
        return _Popen(process_obj)


class _Context(context.SpawnContext):
    Process = _Process


def worker_pool(
    workers: int, initializer: Callable[..., None], initargs: tuple[Any, ...]
) -> ProcessPoolExecutor:
    """A pool of `workers` spawned processes that never import the caller's `__main__`.

    Args:
        workers: How many processes at most.
        initializer: Run once in each process as it starts (must be importable by name).
        initargs: The initializer's arguments.

    Returns:
        The executor; its processes start on the first submissions.
    """
    return ProcessPoolExecutor(
        max_workers=workers, mp_context=_Context(), initializer=initializer, initargs=initargs
    )
