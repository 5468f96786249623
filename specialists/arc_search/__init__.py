"""ARC program search: the CPU-side processor for ARC tasks no checkpoint knows."""

from __future__ import annotations

from .outcome import TaskOutcome
from .search import Found, Search, SearchResult, search
from .specialist import ArcSearch, SearchProgress

__all__ = [
    "ArcSearch",
    "Found",
    "Search",
    "SearchProgress",
    "SearchResult",
    "TaskOutcome",
    "search",
]
