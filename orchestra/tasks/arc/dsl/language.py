"""The ARC DSL: typed steps, programs as readable text, the parser and the interpreter.

A program is a pipeline read left to right, each step taking the value the previous one
gave: `objects(diag) |> largest |> crop |> recolour{1:2}`. Values are typed (a grid, the
objects of a grid, one object, the parts of a split grid), a step is valid only after a
step that gives what it takes, and a whole program takes a grid and gives a grid.

The language is the project's own, so a program can come from anywhere (the search, an
LLM's proposal, a user) and is only ever interpreted, never executed as code: the parser
rejects what it does not know with a message saying where, and a program earns trust only
by reproducing every demonstration of a task.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import primitives as P

GRID, OBJECTS, OBJECT, PARTS = "grid", "objects", "object", "parts"
COLOUR = "colour"  # an argument 0-9
DIRECTIONS = ("down", "up", "left", "right")
SIZES = (*range(1, 31), "x1", "x1.5", "x2", "x3", "x4")  # a side in cells, or a multiple
# steps whose arguments the search learns from the demonstrations, never enumerates
LEARNED = ("recolour", "rule", "periodic", "mosaic")


class ProgramError(ValueError):
    """A program that does not parse or does not type-check; says which step and why."""


@dataclass(frozen=True)
class Op:
    """One step of the language: what it takes and gives, its arguments, its meaning.

    `args` lists, per position, the allowed words or numbers (COLOUR: 0-9); `flags` are
    optional words in any order (`objects(multi, diag)`). `fn(value, base, *args)`: `base`
    is the grid the current objects were found in (object steps paint on it).
    """

    name: str
    takes: str
    gives: str
    fn: Callable[..., Any]
    args: tuple[tuple[Any, ...] | str, ...] = ()
    flags: tuple[str, ...] = ()
    doc: str = ""


@dataclass(frozen=True)
class Step:
    name: str
    args: tuple[Any, ...] = ()
    mapping: tuple[tuple[int, int], ...] = ()  # recolour{a:b, ...}, rule(kind){key:c, ...}

    def __str__(self) -> str:
        if self.name == "recolour":
            return "recolour{" + ",".join(f"{a}:{b}" for a, b in self.mapping) + "}"
        if self.name == "rule":
            kind = self.args[0]
            body = ",".join(f"{P.key_text(k, kind)}:{c}" for k, c in self.mapping)
            return f"rule({kind}){{{body}}}"
        if not self.args:
            return self.name
        return f"{self.name}({', '.join(str(a) for a in self.args)})"

    @property
    def length(self) -> float:
        """Description length: a step is 1, each argument or recolouring pair a half."""
        return 1.0 + 0.5 * (len(self.args) + len(self.mapping))


@dataclass(frozen=True)
class Program:
    steps: tuple[Step, ...] = field(default_factory=tuple)

    def __str__(self) -> str:
        return " |> ".join(str(s) for s in self.steps) or "identity"

    def __add__(self, other: Program) -> Program:
        return Program(self.steps + other.steps)

    @property
    def length(self) -> float:
        return sum(s.length for s in self.steps)

    @classmethod
    def parse(cls, text: str) -> Program:
        return parse(text)

    def run(self, grid: Any) -> np.ndarray:
        """The program's output for one grid; ProgramError or P.Inapplicable when it does
        not apply (the caller treats either as "this candidate fails")."""
        return run(self, np.asarray(grid, dtype=np.int8))

    def reproduces(self, pairs: Sequence[tuple[Any, Any]]) -> bool:
        """Whether every (input, output) demonstration comes out exactly."""
        for x, y in pairs:
            try:
                got = self.run(x)
            except Exception:
                return False
            want = np.asarray(y, dtype=np.int8)
            if got.shape != want.shape or not (got == want).all():
                return False
        return True


# -- the operations ----------------------------------------------------------------------


def _g(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A grid step: the base grid is not needed."""
    return lambda value, base, *args: fn(value, *args)


def _on_base(fn: Callable[..., Any]) -> Callable[..., Any]:
    """An object step that paints on, or cuts from, the grid its objects were found in."""
    return lambda value, base, *args: fn(base, value, *args)


def _objects(value: Any, base: Any, *flags: str) -> Any:
    return P.objects(value, diagonal="diag" in flags, multicolour="multi" in flags)


def _ops() -> dict[tuple[str, str], Op]:
    ops: list[Op] = []
    for name, f in P.DIHEDRAL.items():
        ops.append(Op(name, GRID, GRID, _g(f), doc="a dihedral map"))
    sides = (2, 3, 4, 5)
    ops += [
        Op("crop", GRID, GRID, _g(P.crop), doc="the box around all content"),
        Op("scale_up", GRID, GRID, _g(P.scale_up), (sides,), doc="each cell becomes k x k"),
        Op("scale_down", GRID, GRID, _g(P.scale_down), (sides,), doc="k x k blocks to cells"),
        Op("tile", GRID, GRID, _g(P.tile), ((1, 2, 3, 4), (1, 2, 3, 4)), doc="rows x cols"),
        Op(
            "mirror",
            GRID,
            GRID,
            _g(P.mirror),
            (("h", "h_rev", "v", "v_rev", "hv", "rot", "rot_ccw"),),
        ),
        Op("pad", GRID, GRID, _g(P.pad), (COLOUR,), doc="a one-cell border"),
        Op("unpad", GRID, GRID, _g(P.unpad), doc="remove the one-cell border"),
        Op(
            "scale_by",
            GRID,
            GRID,
            _g(P.scale_by),
            (("colours", "cells", "objects"),),
            doc="scale up by the count of colours, content cells or objects",
        ),
        Op(
            "self_tile",
            GRID,
            GRID,
            _g(P.self_tile),
            (("fg", "bg", "most", *range(1, 10)),),
            doc="the grid in each block where its own cell is content (fg), background "
            "(bg), the most frequent colour (most) or that colour",
        ),
        Op(
            "periodic",
            GRID,
            GRID,
            _g(P.periodic),
            (SIZES, SIZES),
            doc="the repeating pattern continued to rows x cols: cells, or x2 (twice the "
            "grid's), x1.5...",
        ),
        Op(
            "mosaic",
            GRID,
            GRID,
            lambda value, base, rows, cols, *blocks: P.mosaic(value, rows, cols, blocks),
            doc="rows x cols blocks, each the grid under a dihedral map, id or empty, row by "
            "row: mosaic(2, 2, id, flip_h, flip_v, rot180)",
        ),
        Op("recolour", GRID, GRID, _g(P.recolour), doc="recolour{a:b, ...}"),
        Op(
            "rule",
            GRID,
            GRID,
            _g(P.apply_rule),
            (P.RULE_KINDS,),
            doc="rule(cross){c u d l r:colour, ...}, rule(count){c n:colour, ...}, "
            "rule(near){c n colours:colour, ...} (the set of neighbour colours) or "
            "rule(touch){c n colour:colour, ...} (a neighbour of that colour: n any side, o "
            "the four sides, d the corners, N S W E NW NE SW SE the cell's direction from "
            "it) or "
            "rule(ray){c u d l r:colour, ...} (the first colour seen each way) or "
            "rule(phase){c@3t02:colour, ...} (the place in a grid of period 2 or 3, from the "
            "top-left t or bottom-right b): cells by neighbourhood",
        ),
        Op("swap_bg", GRID, GRID, _g(P.swap_bg), doc="the most frequent colour becomes 0"),
        Op("keep", GRID, GRID, _g(P.keep_colour), (("most", "least"),)),
        Op("erase", GRID, GRID, _g(P.erase_colour), (COLOUR,)),
        Op("mask", GRID, GRID, _g(P.mask), doc="content as colour 1"),
        Op("invert", GRID, GRID, _g(P.invert), doc="content and background trade places"),
        Op("shrink", GRID, GRID, _g(P.shrink), (sides,), doc="k x k blocks to their colour"),
        Op("shrink_to", GRID, GRID, _g(P.shrink_to), ((2, 3, 4, 5),), doc="n x n blocks"),
        Op("tally", GRID, GRID, _g(P.tally_row), doc="a 1 x N row, N the content cells"),
        Op("squeeze", GRID, GRID, _g(P.squeeze), (("empty", "repeats"),)),
        Op("move", GRID, GRID, _g(P.move), (DIRECTIONS,), doc="one cell"),
        Op("keep_lines", GRID, GRID, _g(P.keep_lines), (("rows", "cols"),)),
        Op("fill_holes", GRID, GRID, _g(P.fill_holes), (COLOUR,)),
        Op("halo", GRID, GRID, _g(lambda g, c: P.halo(g, c, False)), (COLOUR,)),
        Op("halo8", GRID, GRID, _g(lambda g, c: P.halo(g, c, True)), (COLOUR,)),
        Op("hollow", GRID, GRID, _g(P.hollow)),
        Op("outline", GRID, GRID, _g(P.outline), (COLOUR,)),
        Op("gravity", GRID, GRID, _g(P.gravity), (DIRECTIONS,)),
        Op("fall", GRID, GRID, _g(P.fall), (DIRECTIONS,), doc="objects fall as rigid pieces"),
        Op("box_fill", GRID, GRID, _g(P.box_fill), (COLOUR,), doc="fill each object's box"),
        Op("part_cells", GRID, GRID, _g(P.part_cells), doc="each part between lines, one cell"),
        Op("shift", GRID, GRID, _g(P.shift_to), (DIRECTIONS,), doc="slide until contact"),
        Op("extend", GRID, GRID, _g(P.extend), ((*DIRECTIONS, "h", "v", "hv", "diag"),)),
        Op("connect", GRID, GRID, _g(P.connect), (("h", "v", "hv", "diag"),)),
        Op("symmetrize", GRID, GRID, _g(P.symmetrize), (("h", "v", "hv", "diag", "rot"),)),
        Op("unmask", GRID, GRID, _g(P.unmask), (COLOUR, ("h", "v", "hv", "diag", "period"))),
        Op(
            "hidden",
            GRID,
            GRID,
            _g(P.hidden),
            (COLOUR, ("h", "v", "hv", "diag", "period")),
            doc="what the cells of that colour hide, completed as unmask does, cut to their box",
        ),
        Op("denoise", GRID, GRID, _g(P.denoise), doc="remove lone cells"),
        Op("majority", GRID, GRID, _g(P.majority), doc="3x3 majority filter"),
        Op("most_colour", GRID, GRID, _g(P.most_colour_cell), doc="1x1 of the top colour"),
        Op("least_colour", GRID, GRID, _g(P.least_colour_cell)),
        Op(
            "label",
            GRID,
            GRID,
            _g(P.label),
            (("size", "rank", "holes", "shapes", "extreme"),),
            doc="each object coloured by its size, size rank, holes, how many share its "
            "shape, or 1 largest / 2 smallest / 3 the rest",
        ),
        Op("crop_to", GRID, GRID, _g(P.crop_to), (COLOUR,), doc="the box around one colour"),
        Op("objects", GRID, OBJECTS, _objects, flags=("diag", "multi")),
        Op(
            "split",
            GRID,
            PARTS,
            _g(P.split),
            (("lines", "halves_h", "halves_v", "thirds_h", "thirds_v", "halves"),),
        ),
    ]
    for name, sel in P.SELECTORS.items():
        ops.append(Op(name, OBJECTS, OBJECT, _g(sel), doc="select one object"))
    ops += [
        Op("crop", OBJECT, GRID, _on_base(P.object_crop), doc="the object's box"),
        Op("shape", OBJECT, GRID, _on_base(P.object_shape), doc="the object alone, boxed"),
        Op("keep", OBJECT, GRID, _on_base(P.object_keep), doc="erase everything else"),
        Op("erase", OBJECT, GRID, _on_base(P.object_erase)),
        Op(
            "count",
            OBJECTS,
            GRID,
            _g(P.count_row),
            doc="a 1 x N row, N the object count, in their colour",
        ),
        Op("colour_tally", OBJECTS, GRID, _g(P.largest_colour_first)),
        Op(
            "pick",
            PARTS,
            GRID,
            _g(P.pick),
            (("unique", "most", "least", "first", "last", "sym", "asym"),),
        ),
    ]
    for how in ("and", "or", "xor", "nor", "first_only", "overlay", "overlay_rev"):
        ops.append(Op(how, PARTS, GRID, _g(lambda parts, h=how: P.combine(parts, h))))
    return {(op.takes, op.name): op for op in ops}


OPS = _ops()
NAMES = sorted({name for _, name in OPS})
TYPES = (GRID, OBJECTS, OBJECT, PARTS)
_NAME = re.compile(r"[a-z_][a-z_0-9]*$")


def register_op(op: Op, *, replace: bool = False) -> None:
    """Add a step to the language, as the built-ins are: the parser reads it, the
    interpreter runs it, and the search enumerates it (a grid-to-grid step, with every
    combination of its argument choices) like any other.

    A step registered in code exists in this process only; the search's workers are
    separate processes and see the steps installed packages declare in the entry-point
    group `orchestra.dsl_ops`.

    Args:
        op: The step: `name` (lower case, digits, `_`), `takes` and `gives` (one of
            `TYPES`), `fn(value, base, *args)` returning the value it gives (raise
            `primitives.Inapplicable` where it does not apply), `args` (per position, a
            tuple of allowed words or numbers, or `COLOUR`), `flags`, `doc`.
        replace: Replace a step of the same name taking the same type.

    Raises:
        ProgramError: A malformed op, or one that exists already without `replace`.
    """
    if not _NAME.match(op.name) or op.takes not in TYPES or op.gives not in TYPES:
        raise ProgramError(
            f"op {op.name!r}: a name of lower-case letters, digits and _, and takes/gives "
            f"among {TYPES}"
        )
    if not callable(op.fn):
        raise ProgramError(f"op {op.name!r}: fn is not callable")
    for allowed in op.args:
        if allowed != COLOUR and not (isinstance(allowed, tuple) and allowed):
            raise ProgramError(f"op {op.name!r}: each argument is COLOUR or a tuple of choices")
    if (op.takes, op.name) in OPS and not replace:
        raise ProgramError(f"op {op.name!r} taking {op.takes} exists; pass replace=True")
    OPS[(op.takes, op.name)] = op
    if op.name not in NAMES:
        NAMES.append(op.name)
        NAMES.sort()


def installed_ops() -> None:
    """The steps installed packages add (entry-point group `orchestra.dsl_ops`); one that
    fails is warned about and left out."""
    import warnings

    from ....extension_points import discover

    for plugin in discover("orchestra.dsl_ops"):
        try:
            obj = plugin.load()
            ops = obj if isinstance(obj, Op) else obj() if callable(obj) else obj
            for op in [ops] if isinstance(ops, Op) else list(ops):
                register_op(op)
        except Exception as e:
            message = f"DSL op {plugin.name!r} ({plugin.source}) is not used: {e}"
            warnings.warn(message, stacklevel=2)


# -- text --------------------------------------------------------------------------------

# Matched against a stripped step, whole, with possessive quantifiers: no run of spaces can
# be split between them in more than one way, so a long line costs time linear in its
# length (adjacent `\s*` made it cubic: a request could hold a worker for seconds).
_STEP = re.compile(r"([a-z_0-9]+)(?:\s*+\((?P<args>[^()]*+)\))?(?:\s*+\{(?P<map>[^{}]*+)\})?")


def parse(text: str) -> Program:
    """A program from its text. Every error names the step (1-based) and what is wrong."""
    if not isinstance(text, str) or not text.strip():
        raise ProgramError("empty program")
    if len(text) > 2000:
        raise ProgramError(f"program too long ({len(text)} characters; at most 2000)")
    body = text.strip().strip("`").strip()
    if body == "identity":
        return Program()
    steps: list[Step] = []
    current = GRID
    for i, chunk in enumerate(body.split("|>"), start=1):
        m = _STEP.fullmatch(chunk.strip())
        if m is None:
            shown = chunk.strip()
            shown = shown if len(shown) <= 60 else shown[:57] + "..."
            raise ProgramError(f"step {i}: cannot read {shown!r}")
        name = m.group(1)
        op = OPS.get((current, name))
        if op is None:
            if not any(n == name for _, n in OPS):
                raise ProgramError(f"step {i}: unknown operation {name!r}")
            takes = sorted(t for t, n in OPS if n == name)
            raise ProgramError(
                f"step {i}: {name!r} takes {' or '.join(takes)}, but the value here is {current}"
            )
        step = _step(i, op, m.group("args"), m.group("map"))
        steps.append(step)
        current = op.gives
    if current != GRID:
        raise ProgramError(f"the program ends with {current}, not a grid")
    return Program(tuple(steps))


def _step(i: int, op: Op, args: str | None, mapping: str | None) -> Step:
    if op.name == "recolour":
        if args is not None:
            raise ProgramError(f"step {i}: recolour takes a map, not arguments")
        if mapping is None:
            raise ProgramError(f"step {i}: recolour needs a map, e.g. recolour{{1:2, 3:4}}")
        pairs = []
        for item in filter(None, (s.strip() for s in mapping.split(","))):
            a, sep, b = item.partition(":")
            if not sep or not a.strip().isdigit() or not b.strip().isdigit():
                raise ProgramError(f"step {i}: recolour pair {item!r} is not colour:colour")
            x, y = int(a), int(b)
            if not (0 <= x <= 9 and 0 <= y <= 9):
                raise ProgramError(f"step {i}: colours are 0-9, not {item!r}")
            pairs.append((x, y))
        if not pairs:
            raise ProgramError(f"step {i}: recolour with an empty map")
        return Step("recolour", mapping=tuple(pairs))
    if op.name == "rule":
        kind = (args or "").strip()
        if kind not in P.RULE_KINDS:
            raise ProgramError(
                f"step {i}: rule takes one of {', '.join(P.RULE_KINDS)}, got {kind!r}"
            )
        entries = []
        for item in filter(None, (t.strip() for t in (mapping or "").split(","))):
            key, sep, colour = item.partition(":")
            try:
                code = P.key_value(key.strip(), kind)
            except ValueError as e:
                raise ProgramError(f"step {i}: {e}") from None
            if not sep or not colour.strip().isdigit() or int(colour) > 9:
                raise ProgramError(f"step {i}: rule entry {item!r} is not key:colour")
            entries.append((code, int(colour)))
        if not entries:
            raise ProgramError(f"step {i}: rule needs a table, e.g. rule(count){{03:4}}")
        if kind == "phase" and len({k // 100 % 10 for k, _ in entries}) > 1:
            raise ProgramError(f"step {i}: a phase rule's keys share one period and corner")
        return Step("rule", (kind,), tuple(entries))
    if mapping is not None:
        raise ProgramError(f"step {i}: only recolour and rule take a {{...}} table")
    words = [w.strip() for w in args.split(",")] if args and args.strip() else []
    if op.name == "mosaic":
        return _mosaic_step(i, words)
    if op.flags:
        bad = [w for w in words if w not in op.flags]
        if bad or len(set(words)) != len(words):
            raise ProgramError(f"step {i}: {op.name} takes flags {', '.join(op.flags)}")
        return Step(op.name, tuple(w for w in op.flags if w in words))
    if len(words) != len(op.args):
        raise ProgramError(
            f"step {i}: {op.name} takes {len(op.args)} argument(s), got {len(words)}"
        )
    values: list[Any] = []
    for w, allowed in zip(words, op.args, strict=True):
        if allowed == COLOUR:
            if not (w.isdigit() and 0 <= int(w) <= 9):
                raise ProgramError(f"step {i}: {op.name} needs a colour 0-9, got {w!r}")
            values.append(int(w))
            continue
        assert isinstance(allowed, tuple)
        value: Any = int(w) if w.isdigit() else w
        if value not in allowed:
            raise ProgramError(
                f"step {i}: {op.name} takes one of {', '.join(map(str, allowed))}, got {w!r}"
            )
        values.append(value)
    return Step(op.name, tuple(values))


def _mosaic_step(i: int, words: list[str]) -> Step:
    if len(words) < 2 or not all(w.isdigit() and 1 <= int(w) <= P.MAX_SIDE for w in words[:2]):
        raise ProgramError(
            f"step {i}: mosaic takes rows and columns (1-{P.MAX_SIDE}), then the blocks"
        )
    rows, cols = int(words[0]), int(words[1])
    blocks = words[2:]
    if len(blocks) != rows * cols:
        raise ProgramError(
            f"step {i}: a {rows}x{cols} mosaic needs {rows * cols} blocks, got {len(blocks)}"
        )
    bad = [b for b in blocks if b not in P.MOSAIC_BLOCKS]
    if bad:
        raise ProgramError(
            f"step {i}: mosaic blocks are {', '.join(P.MOSAIC_BLOCKS)}, not {bad[0]!r}"
        )
    return Step("mosaic", (rows, cols, *blocks))


# -- the interpreter ---------------------------------------------------------------------


def run(program: Program, grid: np.ndarray) -> np.ndarray:
    value: Any = grid
    base = grid
    current = GRID
    for step in program.steps:
        op = OPS.get((current, step.name))
        if op is None:
            raise ProgramError(f"{step} does not take {current}")
        if current == GRID:
            base = value
        value = apply(op, step, value, base)
        current = op.gives
    if current != GRID:
        raise ProgramError(f"the program ends with {current}, not a grid")
    return value


def apply(op: Op, step: Step, value: Any, base: np.ndarray) -> Any:
    """One step; a grid it gives is checked to be an ARC grid (1..30 a side)."""
    if op.name == "recolour":
        out = P.recolour(value, dict(step.mapping))
    elif op.name == "rule":
        out = P.apply_rule(value, step.args[0], dict(step.mapping))
    else:
        out = op.fn(value, base, *step.args)
    if op.gives == GRID:
        out = np.ascontiguousarray(out, dtype=np.int8)
        h, w = out.shape
        if not (1 <= h <= P.MAX_SIDE and 1 <= w <= P.MAX_SIDE):
            raise P.Inapplicable(f"a {h}x{w} grid is outside ARC's 1..30")
    return out


def describe() -> str:
    """The language in a few lines, for an LLM asked to propose programs."""
    lines = []
    for (takes, name), op in sorted(OPS.items(), key=lambda kv: (kv[0][0] != GRID, kv[0])):
        if name == "recolour":
            sig = "recolour{a:b,...}"
        elif name == "rule":
            sig = f"rule({'|'.join(P.RULE_KINDS)}){{key:colour,...}}"
        elif name == "mosaic":
            sig = f"mosaic(rows, cols, {'|'.join(P.MOSAIC_BLOCKS)}, ...)"
        elif name == "periodic":
            sig = "periodic(rows, cols)"
        elif op.flags:
            sig = f"{name}[({', '.join(op.flags)})]"
        elif op.args:
            shown = ["0-9" if a == COLOUR else "|".join(map(str, a)) for a in op.args]
            sig = f"{name}({', '.join(shown)})"
        else:
            sig = name
        lines.append(f"- {sig}: {takes} -> {op.gives}" + (f" ({op.doc})" if op.doc else ""))
    return "\n".join(lines)
