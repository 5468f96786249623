"""Optional dependencies and the extra that installs each.

The core install (`pip install orchestra-trm`) holds the families, the exact solvers, the
engine and TRM inference. Everything else comes with an extra, and an import of a missing
optional dependency fails with the command that installs it instead of a bare
`ModuleNotFoundError` from deep inside:

    with needs("llm", "a remote LLM"):
        import litellm
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

DISTRIBUTION = "orchestra-trm"

# extra -> the top-level modules it provides (what an import of it would name).
EXTRAS: dict[str, tuple[str, ...]] = {
    "llm": ("litellm", "transformers", "gguf", "tokenizers", "accelerate"),
    "serve": ("fastapi", "uvicorn", "starlette"),
    "mcp": ("mcp", "starlette", "uvicorn"),
    "ray": ("ray",),
    "bench": ("matplotlib",),
    "train": ("accelerate",),
}


class MissingExtra(ImportError):
    """An optional dependency is not installed; the message names the extra to install.

    Attributes:
        extra: The extra that provides the missing module (`llm`, `serve`, ...).
        module: The top-level module that could not be imported.
    """

    def __init__(self, extra: str, module: str, what: str):
        self.extra, self.module = extra, module
        super().__init__(
            f"{what} needs {module!r}, which the core install leaves out: "
            f"pip install '{DISTRIBUTION}[{extra}]'",
            name=module,
        )


def install_hint(extra: str) -> str:
    """The pip command that installs one extra.

    Args:
        extra: An extra's name, a key of `EXTRAS`.

    Returns:
        The command, e.g. `pip install 'orchestra-trm[llm]'`.

    Raises:
        KeyError: The extra does not exist.
    """
    EXTRAS[extra]
    return f"pip install '{DISTRIBUTION}[{extra}]'"


@contextmanager
def needs(extra: str, what: str) -> Iterator[None]:
    """Turn the import of a missing module of `extra` inside the block into `MissingExtra`.

    A missing module that the extra does not provide is a real bug and passes through.

    Args:
        extra: The extra the imports in the block belong to.
        what: What needs them, for the message ("a remote LLM", "orchestra serve").

    Yields:
        Nothing; the block runs as is.

    Raises:
        MissingExtra: A module of the extra is not installed.
        KeyError: The extra does not exist.
    """
    provides = EXTRAS[extra]
    try:
        yield
    except ModuleNotFoundError as e:
        top = (e.name or "").split(".")[0]
        if top not in provides or isinstance(e, MissingExtra):
            raise
        raise MissingExtra(extra, top, what) from e
