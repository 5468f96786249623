"""Routers: decide which processor gets a problem, on one `Router` protocol."""

from .base import Router
from .rules import RulesRouter

__all__ = ["Router", "RulesRouter"]
