"""orchestra: route structured-reasoning problems to tiny recursive specialists and open
language to LLMs.

    import orchestra
    sol = orchestra.solve("53..7....6..195....98....6.8...6...34..8.3..17...2...6.6....28..."
                          "..419..5....8..79")
    sol.route, sol.verified, sol.answer

Importing is cheap: no specialist is built and no weights are loaded until first use.
"""

from .engine import Orchestra, asolve, asolve_many, reset_stats, solve, solve_many, stats
from .family_registry import FamilyInfo, families, register_family
from .perfmodel import Estimate, PerfModels
from .problems import AnyProblem, parse
from .registry import Offer, RegistryError, register_specialist
from .registry import specialists as list_specialists
from .router_registry import Router, RouterError, register_router
from .schedulers import Job, Placement, ScheduleDecision, Scheduler, register_scheduler
from .specialist import BaseSpecialist, Specialist
from .tasks.arc import ArcProblem
from .tasks.base import NoSolution, ParseError, Problem, ReplyCheck, Verdict
from .tasks.family import Codec, Detection, Family, FamilyError, Instance, View
from .tasks.grid.trm import register_grid_verifier
from .tasks.maze import MazeProblem
from .tasks.sudoku import SudokuProblem
from .tasks.text import TextProblem
from .types import (
    Attempt,
    ProcessorStats,
    RouteDecision,
    Solution,
    SolutionError,
    SpecialistAnswer,
    Trace,
    WorkloadSplit,
)

__version__ = "0.1.0"


def __getattr__(name: str):
    """`orchestra.Client` (and its error) import httpx only when used."""
    if name in ("Client", "ClientError"):
        from . import client

        return getattr(client, name)
    raise AttributeError(f"module 'orchestra' has no attribute {name!r}")


__all__ = [
    "Client",
    "ClientError",
    "Estimate",
    "Job",
    "PerfModels",
    "Placement",
    "ScheduleDecision",
    "Scheduler",
    "register_scheduler",
    "AnyProblem",
    "ArcProblem",
    "Attempt",
    "BaseSpecialist",
    "Codec",
    "Detection",
    "Family",
    "FamilyError",
    "FamilyInfo",
    "Instance",
    "MazeProblem",
    "Offer",
    "Orchestra",
    "ParseError",
    "Problem",
    "ProcessorStats",
    "RegistryError",
    "Router",
    "RouterError",
    "register_router",
    "RouteDecision",
    "Solution",
    "SolutionError",
    "NoSolution",
    "ReplyCheck",
    "Specialist",
    "SpecialistAnswer",
    "SudokuProblem",
    "TextProblem",
    "Trace",
    "Verdict",
    "View",
    "WorkloadSplit",
    "families",
    "parse",
    "register_family",
    "register_grid_verifier",
    "register_specialist",
    "reset_stats",
    "solve",
    "solve_many",
    "asolve",
    "asolve_many",
    "list_specialists",
    "stats",
]
