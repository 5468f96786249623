"""Program search for one ARC task: compose DSL steps until a program reproduces every
demonstration, within a deadline.

The search works on states: the values of one partial program on every demonstration
input and every test input at once. Two partial programs that give the same values on
all of them are the same for this task, so a state is kept once (by a hash of its
values) under its shortest program. Depth 1 and 2 are enumerated in full; deeper levels
expand the states whose values look most like the demonstration outputs (shape first,
then agreeing cells), a beam sized by what the deadline leaves. Every state is also
tried with a learned last step: the colour map that turns its values into the outputs,
when one map serves every demonstration.

A program counts only if it reproduces every demonstration exactly. Programs are ranked
by description length; the first two distinct test outputs are the two attempts.
"""

from __future__ import annotations

import contextlib
import hashlib
import heapq
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from orchestra.tasks.arc.dsl import OPS, Program, Step, language
from orchestra.tasks.arc.dsl import primitives as P
from orchestra.tasks.arc.dsl.generalise import colour_map, generalises

Grid = np.ndarray
Unit = tuple[Program, Callable[[Grid, dict], Grid] | None]  # None: dropped as too slow
MAX_PROGRAMS = 50  # consistent programs kept per task (ranked; only two are answers)
SLOW_UNIT_S = 0.05  # one application slower than this: the unit is dropped for the task
GRACE_S = 1.0  # past the deadline by this much, the search is interrupted wherever it is
RULE_PENALTY = 4.0  # a learned neighbourhood table explains less than composed steps do
UNSEEN_PENALTY = 2.0  # a learned colour map meeting, on a test input, a colour it never saw
# Check once per state whether any neighbourhood rule can exist before learning each kind
# (the learned rules took about a third of the search's time: docs/arc-search-profile.md).
RING_PREFILTER = True
# A program whose last step is a table that does not survive leaving one demonstration out
# (`generalises`) memorised its demonstrations: it ranks after every program that did not,
# is answered only as a last attempt, and never ends the search early.
MEMORISED_PENALTY = 100.0
# Task views: after the task as given, the task under each dihedral map here, in the time
# left; a view's program P comes back as `map |> P |> inverse`, two steps longer, so it
# ranks after a program of the task's own frame of the same length.
TASK_VIEWS = False  # measured: no gain on either ARC-AGI-1 set (docs/arc-views.md)
VIEWS: tuple[str, ...] = ("transpose",)
VIEW_SHARE = 0.6  # the task as given gets this share of the budget when views follow
MIN_VIEW_S = 0.5  # a view with less time left than this is not started


class _Deadline(BaseException):
    """Raised by the alarm when a search overruns its deadline inside one operation."""


@contextlib.contextmanager
def _alarm(seconds: float):
    """A hard stop after `seconds` (main thread only: where signals can be delivered; a
    search elsewhere relies on the checks between steps and the slow-unit bound)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def ring(signum: int, frame: Any) -> None:
        raise _Deadline()

    old = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.01))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


@dataclass
class Found:
    """A program consistent with every demonstration, and its test outputs (None where it
    does not apply to a test input)."""

    program: Program
    outputs: list[Grid | None]
    penalty: float = 0.0  # added to the description length (a learned table)
    memorised: bool = False  # its last step's table fails leaving a demonstration out

    @property
    def text(self) -> str:
        return str(self.program)

    @property
    def rank(self) -> float:
        return self.program.length + self.penalty

    @property
    def complete(self) -> bool:
        return all(o is not None for o in self.outputs)


@dataclass
class SearchResult:
    found: list[Found] = field(default_factory=list)  # by description length
    evaluated: int = 0  # candidate steps applied to a whole state
    seconds: float = 0.0
    depth: int = 0  # the deepest level reached
    timed_out: bool = False
    reason: str = ""  # why nothing was found
    dropped: list[str] = field(default_factory=list)  # units too slow on this task's grids

    @property
    def rate(self) -> float:
        """Candidate programs evaluated per second (each on every grid of the task)."""
        return self.evaluated / self.seconds if self.seconds > 0 else 0.0

    def attempts(self) -> list[tuple[Found, list[Grid]]]:
        """Up to two programs with distinct, complete test outputs: pass@2's attempts."""
        out: list[tuple[Found, list[Grid]]] = []
        seen: set[bytes] = set()
        for f in self.found:
            if not f.complete:
                continue
            grids = [o for o in f.outputs if o is not None]
            key = b"|".join(bytes(g.shape) + g.tobytes() for g in grids)
            if key in seen:
                continue
            seen.add(key)
            out.append((f, grids))
            if len(out) == 2:
                break
        return out


def contradiction(pairs: Sequence[tuple[Grid, Grid]]) -> str | None:
    """Two demonstrations with the same input and different outputs: no program can be
    consistent with both."""
    seen: dict[bytes, tuple[int, Grid]] = {}
    for i, (x, y) in enumerate(pairs):
        key = bytes(x.shape) + x.tobytes()
        if key in seen:
            j, other = seen[key]
            if other.shape != y.shape or not (other == y).all():
                return (
                    f"demonstrations {j + 1} and {i + 1} have the same input and different "
                    "outputs: no program is consistent with both"
                )
        else:
            seen[key] = (i, y)
    return None


# -- units: the steps the search composes -------------------------------------------------


def _palette(pairs: Sequence[tuple[Grid, Grid]], tests: Sequence[Grid]) -> list[int]:
    colours: set[int] = set()
    for x, y in pairs:
        colours |= set(np.unique(x).tolist()) | set(np.unique(y).tolist())
    for t in tests:
        colours |= set(np.unique(t).tolist())
    return sorted(colours - {P.BG})


def _out_colours(pairs: Sequence[tuple[Grid, Grid]]) -> list[int]:
    """Colours that appear in outputs more than in their inputs: what steps may paint."""
    new: set[int] = set()
    for x, y in pairs:
        cx, cy = P.counts(x), P.counts(y)
        new |= {int(c) for c in np.flatnonzero(cy > cx) if c != P.BG}
    return sorted(new)


def _unit(steps: Sequence[Step]) -> Unit:
    program = Program(tuple(steps))
    resolved = []
    current = language.GRID
    for s in steps:
        op = OPS[(current, s.name)]
        resolved.append((op, s))
        current = op.gives

    def fn(grid: Grid, cache: dict) -> Grid:
        value: Any = grid
        base = grid
        last = len(resolved) - 1
        for k, (op, s) in enumerate(resolved):
            if op.takes == language.GRID:
                base = value
            if k == last:
                return language.apply(op, s, value, base)
            # a pipeline's prefix (objects, objects |> largest, split) is shared by many
            # units: computed once per grid
            key = program.steps[: k + 1]
            hit = cache.get(key)
            if hit is None:
                try:
                    hit = language.apply(op, s, value, base)
                except Exception as e:
                    hit = e
                cache[key] = hit
            if isinstance(hit, Exception):
                raise hit
            value = hit
        return value

    return program, fn


def units(pairs: Sequence[tuple[Grid, Grid]], tests: Sequence[Grid]) -> list[Unit]:
    """Every grid-to-grid step, with arguments drawn from this task (its colours), and the
    object and split pipelines as single units (objects -> select -> crop, split -> and)."""
    palette = _palette(pairs, tests)
    paint = _out_colours(pairs) or palette[:3]
    steps: list[list[Step]] = []
    for (takes, name), op in OPS.items():
        if takes != language.GRID or op.gives != language.GRID or name in language.LEARNED:
            continue
        if not op.args:
            steps.append([Step(name)])
            continue
        choices: list[list[Any]] = []
        for allowed in op.args:
            if allowed == language.COLOUR:
                choices.append(
                    paint
                    if name in ("fill_holes", "halo", "halo8", "outline", "pad", "box_fill")
                    else [P.BG, *palette]
                    if name in ("unmask", "hidden")
                    else palette
                )
            else:
                choices.append(list(allowed))
        for combo in _product(choices):
            if name == "tile" and combo == [1, 1]:
                continue
            steps.append([Step(name, tuple(combo))])
    flag_sets = [(), ("diag",), ("multi",), ("diag", "multi")]
    selectors = [n for (t, n), op in OPS.items() if t == language.OBJECTS and op.gives == "object"]
    finishes = [n for (t, n) in OPS if t == language.OBJECT]
    counts = [n for (t, n), op in OPS.items() if t == language.OBJECTS and op.gives == "grid"]
    for flags in flag_sets:
        first = Step("objects", flags)
        for sel in selectors:
            steps += [[first, Step(sel), Step(fin)] for fin in finishes]
        steps += [[first, Step(c)] for c in counts]
    splits = OPS[(language.GRID, "split")].args[0]
    joins = [n for (t, n) in OPS if t == language.PARTS and n != "pick"]
    for how in splits:
        first = Step("split", (how,))
        steps += [[first, Step(j)] for j in joins]
        steps += [[first, Step("pick", (p,))] for p in OPS[(language.PARTS, "pick")].args[0]]
    return [_unit(s) for s in steps]


def _product(choices: list[list[Any]]) -> list[list[Any]]:
    out: list[list[Any]] = [[]]
    for options in choices:
        out = [c + [o] for c in out for o in options]
    return out


# -- matching -------------------------------------------------------------------------------


def _growths(values: Sequence[Grid], targets: Sequence[Grid]) -> list[Step]:
    """Steps that make outputs larger than the values, learned from the demonstrations:
    the mosaic of dihedral images that fits, and the periodic continuation to the
    outputs' size (the same size every time, or the same multiple of the value's)."""
    if not all(
        t.shape[0] >= v.shape[0] and t.shape[1] >= v.shape[1]
        for v, t in zip(values, targets, strict=True)
    ):
        return []
    steps = []
    layout = P.learn_mosaic(list(values), list(targets))
    if layout is not None:
        rows, cols, blocks = layout
        steps.append(Step("mosaic", (rows, cols, *blocks)))
    # a continuation starts with the value itself (up to a colour map): most states end here
    corners = [t[: v.shape[0], : v.shape[1]] for v, t in zip(values, targets, strict=True)]
    if colour_map(values, corners) is None:
        return steps
    sizes = {t.shape for t in targets}
    if len(sizes) == 1:
        steps.append(Step("periodic", next(iter(sizes))))
    else:
        sides = []
        for axis in (0, 1):
            ratios = {t.shape[axis] / v.shape[axis] for v, t in zip(values, targets, strict=True)}
            ratio = ratios.pop() if len(ratios) == 1 else None
            word = None if ratio is None else f"x{ratio:g}"
            sides.append(word if word in language.SIZES else None)
        if None not in sides:
            steps.append(Step("periodic", tuple(sides)))
    return steps


def likeness(values: Sequence[Grid], targets: Sequence[Grid]) -> float:
    """How close a state is to the outputs, for the beam: the share of demonstrations
    with the right shape, plus the share of agreeing cells where the shape is right."""
    score = 0.0
    for v, t in zip(values, targets, strict=False):
        if v.shape == t.shape:
            score += 1.0 + float((v == t).mean())
        else:
            score += 0.5 * (min(v.size, t.size) / max(v.size, t.size))
    return score / max(len(targets), 1)


def _digest(values: Sequence[Grid | None]) -> bytes:
    h = hashlib.blake2b(digest_size=16)
    for v in values:
        if v is None:
            h.update(b"-")
        else:
            h.update(bytes(v.shape))
            h.update(v.tobytes())
    return h.digest()


# -- the search ---------------------------------------------------------------------------


@dataclass(order=True)
class _State:
    priority: float
    order: int
    program: Program = field(compare=False)
    values: list[Grid | None] = field(compare=False)  # demonstrations, then tests


class Search:
    """One task's search. `budget_s`: the deadline; `max_depth`: how many units a program
    may compose; `beam`: states expanded per level past the second."""

    def __init__(
        self,
        pairs: Sequence[tuple[Any, Any]],
        tests: Sequence[Any],
        *,
        budget_s: float = 30.0,
        max_depth: int = 3,
        beam: int = 400,
        max_states: int = 200_000,
    ):
        self.pairs = [
            (np.asarray(x, dtype=np.int8), np.asarray(y, dtype=np.int8)) for x, y in pairs
        ]
        self.tests = [np.asarray(t, dtype=np.int8) for t in tests]
        self.targets = [y for _, y in self.pairs]
        self.n = len(self.pairs)
        self.budget_s, self.max_depth, self.beam = budget_s, max_depth, beam
        self.max_states = max_states  # bounds memory: hashes kept, never grids beyond a beam
        self.result = SearchResult()
        self._seen: set[bytes] = set()
        self._found: dict[bytes, Found] = {}
        self._order = 0

    def run(self, extra: Sequence[Program] = ()) -> SearchResult:
        """Search; `extra`: programs proposed from elsewhere (an LLM), checked first."""
        t0 = time.perf_counter()
        self._deadline = t0 + self.budget_s
        r = self.result
        why = contradiction(self.pairs)
        if why:
            r.reason = why
            r.seconds = time.perf_counter() - t0
            return r
        for program in extra:
            self._check_whole(program)
        values: list[Grid | None] = [*[x for x, _ in self.pairs], *self.tests]
        root = _State(0.0, 0, Program(), values)
        self._seen.add(_digest(values))
        self._try(root)
        self._table = units(self.pairs, self.tests)
        try:
            with _alarm(self.budget_s + GRACE_S):
                self._levels(root)
        except _Deadline:
            r.timed_out = True
        r.found = sorted(self._found.values(), key=lambda f: f.rank)[:MAX_PROGRAMS]
        r.seconds = time.perf_counter() - t0
        if r.found and not r.attempts():
            r.reason = "programs reproduce the demonstrations, but none applies to the test input"
        elif not r.found:
            r.reason = (
                "no program found within the deadline"
                if r.timed_out
                else f"no program of up to {r.depth} composed steps reproduces the demonstrations"
            )
        return r

    def _levels(self, root: _State) -> None:
        level = [root]
        for depth in range(1, self.max_depth + 1):
            if self._late() or not level:
                break
            self.result.depth = depth
            keep = len(level) * len(self._table) if depth <= 2 else self.beam
            level = self._expand(level, keep, last=depth == self.max_depth)
            if any(f.complete and not f.penalty for f in self._found.values()):
                break  # the shortest programs are in; deeper ones would rank after them

    def _late(self) -> bool:
        if time.perf_counter() > self._deadline:
            self.result.timed_out = True
            return True
        return False

    def _expand(self, level: list[_State], keep: int, last: bool = False) -> list[_State]:
        """Every unit on every state of this level; the `keep` most promising new states
        are the next level. On the `last` level nothing is expanded further, so a
        candidate whose value on a demonstration has the wrong shape is dropped there,
        before the other grids are computed."""
        best: list[_State] = []  # a min-heap on priority: the worst kept state on top
        for state in level:
            caches: list[dict] = [dict() for _ in state.values]
            for index, (program, fn) in enumerate(self._table):
                if fn is None:
                    continue
                if self._late() or len(self._seen) >= self.max_states:
                    return sorted(best, reverse=True)
                self.result.evaluated += 1
                t0 = time.perf_counter()
                values = self._apply(fn, state.values, caches, last)
                if time.perf_counter() - t0 > SLOW_UNIT_S * len(state.values):
                    self._table[index] = (program, None)  # runs away here: not again
                    self.result.dropped.append(str(program))  # said in the answer
                if values is None:
                    continue
                key = _digest(values)
                if key in self._seen:
                    continue
                self._seen.add(key)
                self._order += 1
                child = _State(
                    likeness(values[: self.n], self.targets),  # type: ignore[arg-type]
                    -self._order,
                    state.program + program,
                    values,
                )
                self._try(child)
                if len(best) < keep:
                    heapq.heappush(best, child)
                elif child > best[0]:
                    heapq.heapreplace(best, child)
        return sorted(best, reverse=True)

    def _apply(
        self,
        fn: Callable[[Grid, dict], Grid],
        values: list[Grid | None],
        caches: list[dict],
        shaped: bool = False,
    ) -> list[Grid | None] | None:
        """The unit on every grid of a state; None when it fails on a demonstration (a
        failure on a test input only marks that test's value as missing), or with
        `shaped`, when a demonstration's value is not the shape of its output."""
        out: list[Grid | None] = []
        for i, v in enumerate(values):
            if v is None:
                out.append(None)
                continue
            try:
                got = fn(v, caches[i])
            except _Deadline:
                raise
            except Exception:  # a primitive that does not apply, or breaks: this candidate
                if i < self.n:
                    return None
                out.append(None)
                continue
            if shaped and i < self.n and got.shape != self.targets[i].shape:
                return None
            out.append(got)
        return out

    def _try(self, state: _State) -> None:
        """Record the state's program if it, or it with a learned colour map, reproduces
        every demonstration; a state smaller than the outputs may first grow into them
        (a learned mosaic or periodic continuation)."""
        demo = state.values[: self.n]
        if any(v is None for v in demo):
            return
        if any(v.shape != t.shape for v, t in zip(demo, self.targets, strict=True)):  # type: ignore[union-attr]
            for step in _growths(demo, self.targets):  # type: ignore[arg-type]
                grown = self._grow(state, step)
                if grown is not None:
                    self._try(grown)
            return
        mapping = colour_map(demo, self.targets)  # type: ignore[arg-type]
        if mapping is None:
            self._try_rules(state)
            return
        program, tests = state.program, state.values[self.n :]
        penalty = 0.0
        if mapping:
            step = Step("recolour", mapping=tuple(sorted(mapping.items())))
            program = program + Program((step,))
            # the map is known only on the colours the demonstrations showed it; on any
            # other it guesses "unchanged", so such an answer ranks after those it knows
            seen = np.zeros(10, dtype=bool)
            for v in demo:
                seen[np.unique(v)] = True  # type: ignore[arg-type]
            if any(t is not None and not seen[np.unique(t)].all() for t in tests):
                penalty = UNSEEN_PENALTY
            tests = [None if t is None else P.recolour(t, mapping) for t in tests]
        # the values before the last step are the state's own only where a map was added
        before = demo if mapping else None
        self._record(program, tests, penalty=penalty, before=before)  # type: ignore[arg-type]

    def _grow(self, state: _State, step: Step) -> _State | None:
        """The state with one more step (learned, so not a unit), or None where it fails
        on a demonstration or misses a demonstration's shape."""
        one = Program((step,))
        values = self._apply(
            lambda g, cache: one.run(g), state.values, [{}] * len(state.values), True
        )
        if values is None:
            return None
        return _State(0.0, 0, state.program + one, values)

    def _try_rules(self, state: _State) -> None:
        """A learned neighbourhood rule as the last step (same-shape states only)."""
        demo: list[Grid] = state.values[: self.n]  # type: ignore[assignment]
        ring: bool | None = None  # one check rules out every neighbourhood kind at once
        for kind in P.RULE_KINDS:
            if RING_PREFILTER and kind in P.RING_KINDS:
                if ring is None:
                    ring = P.ring_functional(demo, self.targets)
                if not ring:
                    continue
            learned = P.learn_rule(demo, self.targets, kind)
            if learned is None:
                continue
            table, seen = learned
            step = Step("rule", (kind,), tuple(sorted(table.items())))
            tests = [
                P.apply_rule(t, kind, table)
                if t is not None and P.rule_covers(t, kind, table, seen)
                else None
                for t in state.values[self.n :]
            ]
            self._record(
                state.program + Program((step,)), tests, penalty=RULE_PENALTY, before=demo
            )

    def _record(
        self,
        program: Program,
        tests: list[Grid | None],
        penalty: float = 0.0,
        before: Sequence[Grid] | None = None,
    ) -> None:
        """Keep the program under its test outputs (the shortest for the same outputs).
        `penalty`: what the program learned from the demonstrations is less sure on the
        test (a neighbourhood table, a colour map meeting new colours): it ranks after
        programs of the same length without one and never ends the search early.
        `before`: the values on the demonstrations before the program's last step."""
        key = _digest(tests)
        old = self._found.get(key)
        if old is not None and old.rank <= program.length + penalty:
            return  # a program at least as short already gives these outputs
        memorised = generalises(program, self.pairs, before) is False
        if memorised:
            penalty += MEMORISED_PENALTY
        found = Found(program, list(tests), penalty=penalty, memorised=memorised)
        if old is None or found.rank < old.rank:
            self._found[key] = found

    def _check_whole(self, program: Program) -> None:
        if not program.reproduces(self.pairs):
            return
        tests: list[Grid | None] = []
        for t in self.tests:
            try:
                tests.append(program.run(t))
            except Exception:
                tests.append(None)
        self._record(program, tests)


def search(
    pairs: Sequence[tuple[Any, Any]],
    tests: Sequence[Any],
    *,
    extra: Sequence[Program] = (),
    **options: Any,
) -> SearchResult:
    """Search the task as given, then (with `TASK_VIEWS`) under each map of `VIEWS` in the
    time left, the views' programs mapped back and merged by rank.

    Args:
        pairs: The demonstrations, (input, output) grids.
        tests: The test inputs.
        extra: Programs proposed from elsewhere (an LLM), checked first.
        **options: `Search`'s options (`budget_s`, `max_depth`, `beam`, `max_states`).

    Returns:
        The task's result: every consistent program found, best first.
    """
    if not TASK_VIEWS or not VIEWS:
        return Search(pairs, tests, **options).run(extra)
    budget = float(options.pop("budget_s", 30.0))
    t0 = time.perf_counter()
    result = Search(pairs, tests, budget_s=budget * VIEW_SHARE, **options).run(extra)
    if result.reason and not result.found and not result.timed_out and not result.depth:
        return result  # contradictory demonstrations: no view can help
    for name in VIEWS:
        if any(f.complete and not f.penalty for f in result.found):
            break  # a sure program is in; a view's would rank after it (two steps longer)
        left = budget - (time.perf_counter() - t0)
        if left < MIN_VIEW_S:
            break
        result = _merge(result, _in_view(name, pairs, tests, left, options), name)
    result.seconds = time.perf_counter() - t0
    return result


def _in_view(
    name: str, pairs: Sequence[tuple[Any, Any]], tests: Sequence[Any], budget: float,
    options: dict[str, Any],
) -> SearchResult:
    """The task searched under one dihedral map: every grid mapped, inputs and outputs."""
    f = P.DIHEDRAL[name]
    grids = [(f(np.asarray(x, dtype=np.int8)), f(np.asarray(y, dtype=np.int8))) for x, y in pairs]
    return Search(
        grids, [f(np.asarray(t, dtype=np.int8)) for t in tests], budget_s=budget, **options
    ).run()


def _merge(result: SearchResult, view: SearchResult, name: str) -> SearchResult:
    """The view's programs in the task's own frame (`name |> P |> inverse`, a plain DSL
    program that reproduces the demonstrations as given) merged into `result` by rank: one
    program per distinct set of test outputs, the shorter kept."""
    back_name = P.INVERSE[name]
    back = P.DIHEDRAL[back_name]
    into, after = Program((Step(name),)), Program((Step(back_name),))
    by_outputs = {_digest(f.outputs): f for f in result.found}
    for f in view.found:
        outputs = [None if o is None else np.ascontiguousarray(back(o)) for o in f.outputs]
        mapped = Found(into + f.program + after, outputs, f.penalty, f.memorised)
        key = _digest(outputs)
        old = by_outputs.get(key)
        if old is None or mapped.rank < old.rank:
            by_outputs[key] = mapped
    result.found = sorted(by_outputs.values(), key=lambda f: f.rank)[:MAX_PROGRAMS]
    result.evaluated += view.evaluated
    result.depth = max(result.depth, view.depth)
    result.timed_out = view.timed_out
    result.dropped += view.dropped
    if result.found and result.attempts():
        result.reason = ""
    elif view.reason and not result.found:
        result.reason = view.reason
    return result
