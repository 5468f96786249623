"""The grid operations the ARC DSL is made of, on small numpy int8 arrays.

Every operation is whole-array numpy (or scipy's labelling) so a candidate program costs
microseconds per grid: the search evaluates hundreds of thousands of them. An operation
that does not apply to a grid raises `Inapplicable`; the interpreter turns that (and any
other failure) into "this candidate fails", never into a failed search.

Colour 0 is the background, as in ARC's data; `swap_bg` makes the most frequent colour 0
for the tasks whose background is another colour.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import ndimage

BG = 0
MAX_SIDE = 30
_FOUR = ndimage.generate_binary_structure(2, 1)
_EIGHT = ndimage.generate_binary_structure(2, 2)


class Inapplicable(ValueError):
    """This operation means nothing for this grid (no content to crop, no separator...)."""


# -- geometry ----------------------------------------------------------------------------

DIHEDRAL = {
    "rot90": lambda g: np.rot90(g, -1),  # clockwise, as a person turns a page
    "rot180": lambda g: np.rot90(g, 2),
    "rot270": lambda g: np.rot90(g, 1),
    "flip_h": lambda g: g[:, ::-1],  # mirror left-right
    "flip_v": lambda g: g[::-1, :],  # mirror top-bottom
    "transpose": lambda g: g.T,
    "antitranspose": lambda g: np.rot90(g, 2).T,
}
INVERSE = {
    "rot90": "rot270",
    "rot270": "rot90",
    "rot180": "rot180",
    "flip_h": "flip_h",
    "flip_v": "flip_v",
    "transpose": "transpose",
    "antitranspose": "antitranspose",
}


def box(mask: np.ndarray) -> tuple[int, int, int, int]:
    """(top, bottom, left, right), bottom/right exclusive, of the True cells."""
    rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
    if rows.size == 0:
        raise Inapplicable("nothing to crop: the grid is all background")
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


def crop(g: np.ndarray) -> np.ndarray:
    top, bottom, left, right = box(g != BG)
    return g[top:bottom, left:right]


def scale_up(g: np.ndarray, k: int) -> np.ndarray:
    return np.kron(g, np.ones((k, k), dtype=g.dtype))


def scale_down(g: np.ndarray, k: int) -> np.ndarray:
    h, w = g.shape
    if h % k or w % k:
        raise Inapplicable(f"{h}x{w} does not divide by {k}")
    blocks = g.reshape(h // k, k, w // k, k)
    first = blocks[:, :1, :, :1]
    if not (blocks == first).all():  # each block one colour, else it is no scaled grid
        raise Inapplicable("blocks are not uniform")
    return first[:, 0, :, 0]


def tile(g: np.ndarray, rows: int, cols: int) -> np.ndarray:
    return np.tile(g, (rows, cols))


def mirror(g: np.ndarray, how: str) -> np.ndarray:
    """The grid beside (h) or above (v) its mirror image, or both (hv: four quadrants);
    `_rev`: the mirror image first."""
    if how == "h":
        return np.hstack([g, g[:, ::-1]])
    if how == "h_rev":
        return np.hstack([g[:, ::-1], g])
    if how == "v":
        return np.vstack([g, g[::-1]])
    if how == "v_rev":
        return np.vstack([g[::-1], g])
    if how == "hv":
        top = np.hstack([g, g[:, ::-1]])
        return np.vstack([top, top[::-1]])
    if how in ("rot", "rot_ccw"):  # the four quarter turns, as a pinwheel or the other way
        if g.shape[0] != g.shape[1]:
            raise Inapplicable("quarter turns need a square grid")
        cw, ccw, half = np.rot90(g, -1), np.rot90(g, 1), np.rot90(g, 2)
        if how == "rot":
            return np.vstack([np.hstack([g, cw]), np.hstack([ccw, half])])
        return np.vstack([np.hstack([g, ccw]), np.hstack([half, cw])])
    raise Inapplicable(f"unknown mirror {how!r}")


def pad(g: np.ndarray, colour: int) -> np.ndarray:
    return np.pad(g, 1, constant_values=colour)


def unpad(g: np.ndarray) -> np.ndarray:
    if min(g.shape) < 3:
        raise Inapplicable("too small to remove a border")
    return g[1:-1, 1:-1]


def scale_by(g: np.ndarray, what: str) -> np.ndarray:
    """Scaled up by a count the grid holds: its colours, content cells or objects (tasks
    where the factor differs between demonstrations)."""
    if what == "colours":
        k = int((np.bincount(g.ravel(), minlength=10)[1:] > 0).sum())
    elif what == "cells":
        k = int((g != BG).sum())
    elif what == "objects":
        k = len(objects(g))
    else:
        raise Inapplicable(f"unknown count {what!r}")
    if k < 1 or max(g.shape) * k > MAX_SIDE:
        raise Inapplicable(f"scaling by {k} leaves ARC's 1..30")
    return scale_up(g, k)


def _block_colours(g: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """The grid as rows x cols blocks, each the block's most frequent content colour."""
    h, w = g.shape
    if h % rows or w % cols:
        raise Inapplicable(f"{h}x{w} does not divide into {rows}x{cols} blocks")
    bh, bw = h // rows, w // cols
    blocks = g.reshape(rows, bh, cols, bw).transpose(0, 2, 1, 3).reshape(rows, cols, -1)
    tally = (blocks[..., None] == np.arange(1, 10, dtype=g.dtype)).sum(2)
    return np.where(tally.any(2), tally.argmax(2) + 1, BG).astype(g.dtype)


def shrink(g: np.ndarray, k: int) -> np.ndarray:
    """k x k blocks to cells, each the block's most frequent content colour (background
    where it has none): a sparse grid read at a coarser scale; `scale_down` wants blocks
    of one colour."""
    h, w = g.shape
    if h % k or w % k:
        raise Inapplicable(f"{h}x{w} does not divide by {k}")
    return _block_colours(g, h // k, w // k)


def shrink_to(g: np.ndarray, n: int) -> np.ndarray:
    """`shrink` to an n x n grid, the block size following the input's."""
    h, w = g.shape
    if h == n and w == n:
        raise Inapplicable(f"already {n}x{n}")
    return _block_colours(g, n, n)


def tally_row(g: np.ndarray) -> np.ndarray:
    """A row of one cell per content cell, in their colour where they share one (1
    otherwise)."""
    n = int((g != BG).sum())
    if not 1 <= n <= MAX_SIDE:
        raise Inapplicable(f"{n} content cells do not fit a row")
    colours = np.unique(g[g != BG])
    return np.full((1, n), colours[0] if colours.size == 1 else 1, dtype=g.dtype)


def squeeze(g: np.ndarray, how: str) -> np.ndarray:
    """Rows and columns dropped: the empty ones (`empty`), or each one equal to the one
    before it (`repeats`: a stretched grid back to its pattern)."""
    if how == "empty":
        rows, cols = (g != BG).any(1), (g != BG).any(0)
    else:
        rows = np.r_[True, (g[1:] != g[:-1]).any(1)]
        cols = np.r_[True, (g[:, 1:] != g[:, :-1]).any(0)]
    if rows.all() and cols.all():
        raise Inapplicable("nothing to squeeze")
    if not rows.any() or not cols.any():
        raise Inapplicable("nothing would be left")
    return g[rows][:, cols]


def self_tile(g: np.ndarray, where: str | int) -> np.ndarray:
    """The grid placed in each block of a grid its own size squared, where its cell is
    content (`fg`), background (`bg`), the most frequent colour (`most`) or one colour;
    the other blocks stay empty."""
    h, w = g.shape
    if h * h > MAX_SIDE or w * w > MAX_SIDE:
        raise Inapplicable(f"a {h}x{w} grid tiled by itself leaves ARC's 1..30")
    if where == "fg":
        on = g != BG
    elif where == "bg":
        on = g == BG
    else:
        on = g == (int(counts(g).argmax()) if where == "most" else where)
    return np.kron(on.astype(g.dtype), g)


def _period(g: np.ndarray, axis: int) -> int:
    """The shortest p with which the grid's rows (axis 0) or columns repeat."""
    n = g.shape[axis]
    for p in range(1, n):
        a = g[p:] if axis == 0 else g[:, p:]
        b = g[:-p] if axis == 0 else g[:, :-p]
        if (a == b).all():
            return p
    return n


def _size(n: int, spec: int | str) -> int:
    """A side given as cells (`10`) or as a multiple of the input's (`x1.5`)."""
    if isinstance(spec, int):
        return spec
    m = float(spec[1:]) * n
    if m != int(m):
        raise Inapplicable(f"{spec} of {n} cells is not a whole number")
    return int(m)


def periodic(g: np.ndarray, rows: int | str, cols: int | str) -> np.ndarray:
    """The grid's repeating pattern (its shortest row and column periods) continued to
    a size: cells, or a multiple of the grid's (`x2`)."""
    h, w = _size(g.shape[0], rows), _size(g.shape[1], cols)
    if not (1 <= h <= MAX_SIDE and 1 <= w <= MAX_SIDE):
        raise Inapplicable(f"a {h}x{w} grid is outside ARC's 1..30")
    pr, pc = _period(g, 0), _period(g, 1)
    return g[np.arange(h)[:, None] % pr, np.arange(w)[None, :] % pc]


MOSAIC_BLOCKS = ("id", *DIHEDRAL, "empty")


def _block(g: np.ndarray, how: str) -> np.ndarray:
    return np.zeros_like(g) if how == "empty" else g if how == "id" else DIHEDRAL[how](g)


def mosaic(g: np.ndarray, rows: int, cols: int, blocks: tuple[str, ...]) -> np.ndarray:
    """rows x cols blocks, each the grid under one dihedral map (`id`: as it is) or
    empty: the tilings with flips and turns that ARC outputs are made of."""
    if len(blocks) != rows * cols:
        raise Inapplicable(f"a {rows}x{cols} mosaic needs {rows * cols} blocks")
    made = [_block(g, b) for b in blocks]
    if any(m.shape != g.shape for m in made):
        raise Inapplicable("a quarter turn of a grid that is not square")
    return np.vstack([np.hstack(made[r * cols : (r + 1) * cols]) for r in range(rows)])


def learn_mosaic(
    values: list[np.ndarray], targets: list[np.ndarray]
) -> tuple[int, int, tuple[str, ...]] | None:
    """The one block layout (each block a dihedral image of the value, or empty) that
    makes every target, or None. Where several maps fit a block in every
    demonstration (a symmetric grid), the first in MOSAIC_BLOCKS is taken."""
    layouts = set()
    for v, t in zip(values, targets, strict=True):
        (h, w), (th, tw) = v.shape, t.shape
        if th % h or tw % w or (th, tw) == (h, w):
            return None
        layouts.add((th // h, tw // w))
    if len(layouts) != 1:  # every shape checked before any image is made
        return None
    rows, cols = layouts.pop()
    fits = [set(MOSAIC_BLOCKS) for _ in range(rows * cols)]
    for v, t in zip(values, targets, strict=True):
        h, w = v.shape
        images: dict[str, np.ndarray] = {}
        for k, allowed in enumerate(fits):
            r, c = divmod(k, cols)
            block = t[r * h : (r + 1) * h, c * w : (c + 1) * w]
            for b in list(allowed):
                if b not in images:
                    images[b] = _block(v, b)
                if not np.array_equal(images[b], block):
                    allowed.discard(b)
            if not allowed:
                return None
    return rows, cols, tuple(next(b for b in MOSAIC_BLOCKS if b in f) for f in fits)


# -- colour ------------------------------------------------------------------------------


def counts(g: np.ndarray) -> np.ndarray:
    return np.bincount(g.ravel(), minlength=10)


def ranked_colours(g: np.ndarray, *, with_bg: bool = False) -> list[int]:
    """Colours present, most frequent first (ties by colour)."""
    c = counts(g)
    order = sorted((int(v) for v in np.flatnonzero(c)), key=lambda v: (-c[v], v))
    return order if with_bg else [v for v in order if v != BG]


def recolour(g: np.ndarray, mapping: dict[int, int]) -> np.ndarray:
    table = np.arange(10, dtype=g.dtype)
    for a, b in mapping.items():
        table[a] = b
    return table[g]


def swap_bg(g: np.ndarray) -> np.ndarray:
    top = ranked_colours(g, with_bg=True)[0]
    if top == BG:
        raise Inapplicable("the background is already the most frequent colour")
    return recolour(g, {top: BG, BG: top})


def keep_colour(g: np.ndarray, which: str) -> np.ndarray:
    """Only the most (or least) frequent non-background colour stays."""
    ranked = ranked_colours(g)
    if len(ranked) < 2:
        raise Inapplicable("fewer than two colours")
    c = ranked[0] if which == "most" else ranked[-1]
    return np.where(g == c, g, BG)


def erase_colour(g: np.ndarray, colour: int) -> np.ndarray:
    if not (g == colour).any():
        raise Inapplicable(f"no colour {colour}")
    return np.where(g == colour, BG, g)


def mask(g: np.ndarray) -> np.ndarray:
    """Every non-background cell as colour 1 (a later recolouring names the colour)."""
    return (g != BG).astype(g.dtype)


def invert(g: np.ndarray) -> np.ndarray:
    """Content and background trade places: the background takes the most frequent
    content colour, content becomes background (a colour map cannot, where the colour
    differs between demonstrations)."""
    ranked = ranked_colours(g)
    if not ranked:
        raise Inapplicable("no content to invert")
    return np.where(g == BG, ranked[0], BG).astype(g.dtype)


# -- objects -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Obj:
    """A connected component: its cells (a boolean mask over the whole grid) and box."""

    cells: np.ndarray
    top: int
    bottom: int
    left: int
    right: int
    colours: tuple[int, ...]
    size: int

    def patch(self, g: np.ndarray) -> np.ndarray:
        return g[self.top : self.bottom, self.left : self.right]

    def shape_key(self) -> bytes:
        m = self.cells[self.top : self.bottom, self.left : self.right]
        return bytes(m.shape) + np.packbits(m).tobytes()


def objects(g: np.ndarray, *, diagonal: bool = False, multicolour: bool = False) -> list[Obj]:
    """Connected components of the non-background cells: one colour each, or any colours
    (`multicolour`); 4-connected or 8-connected (`diagonal`). Reading order."""
    structure = _EIGHT if diagonal else _FOUR
    found: list[Obj] = []
    if multicolour:
        layers = [(None, g != BG)]
    else:
        layers = [(c, g == c) for c in np.unique(g).tolist() if c != BG]
    for colour, layer in layers:
        labels, n = ndimage.label(layer, structure=structure)
        if n == 0:
            continue
        sizes = np.bincount(labels.ravel(), minlength=n + 1)
        for i, sl in enumerate(ndimage.find_objects(labels), start=1):
            cells = labels == i
            found.append(
                Obj(
                    cells=cells,
                    top=sl[0].start,
                    bottom=sl[0].stop,
                    left=sl[1].start,
                    right=sl[1].stop,
                    colours=(
                        (int(colour),)
                        if colour is not None
                        else tuple(np.unique(g[sl][cells[sl]]).tolist())
                    ),
                    size=int(sizes[i]),
                )
            )
    if not found:
        raise Inapplicable("no objects")
    found.sort(key=lambda o: (o.top, o.left))
    return found


def _unique(objs: list[Obj], key: object) -> Obj:
    keys = [key(o) for o in objs]  # type: ignore[operator]
    once = [o for o, k in zip(objs, keys, strict=True) if keys.count(k) == 1]
    if len(once) != 1:
        raise Inapplicable("no single object stands out")
    return once[0]


def _extreme(objs: list[Obj], key: object, largest: bool) -> Obj:
    values = [key(o) for o in objs]  # type: ignore[operator]
    best = max(values) if largest else min(values)
    chosen = [o for o, v in zip(objs, values, strict=True) if v == best]
    if len(chosen) != 1:
        raise Inapplicable("a tie")
    return chosen[0]


def _common_shape(objs: list[Obj]) -> Obj:
    """The first, in reading order, of the objects whose shape is the most frequent one
    (the shape the others are noise around)."""
    keys = [o.shape_key() for o in objs]
    tally = {k: keys.count(k) for k in keys}
    top = max(tally.values())
    if top < 2 or list(tally.values()).count(top) != 1:
        raise Inapplicable("no single most frequent shape")
    return next(o for o, k in zip(objs, keys, strict=True) if tally[k] == top)


def _only(objs: list[Obj], test: object) -> Obj:
    chosen = [o for o in objs if test(o)]  # type: ignore[operator]
    if len(chosen) != 1:
        raise Inapplicable("not exactly one object of that kind")
    return chosen[0]


def _mirrored(m: np.ndarray, diagonals: bool = False) -> bool:
    """Whether a grid reads the same mirrored left-right or up-down (or, with
    `diagonals` and square, about either diagonal)."""
    if (m == m[:, ::-1]).all() or (m == m[::-1]).all():
        return True
    square = m.shape[0] == m.shape[1]
    return bool(diagonals and square and ((m == m.T).all() or (m == m[::-1, ::-1].T).all()))


def _mirrored_object(o: Obj) -> bool:
    return _mirrored(o.cells[o.top : o.bottom, o.left : o.right])


def _holed(o: Obj) -> bool:
    m = o.cells[o.top : o.bottom, o.left : o.right]
    return bool((ndimage.binary_fill_holes(m) & ~m).any())


SELECTORS = {
    "largest": lambda objs: _extreme(objs, lambda o: o.size, True),
    "smallest": lambda objs: _extreme(objs, lambda o: o.size, False),
    "biggest_box": lambda objs: _extreme(
        objs, lambda o: (o.bottom - o.top) * (o.right - o.left), True
    ),
    "unique_colour": lambda objs: _unique(objs, lambda o: o.colours),
    "unique_shape": lambda objs: _unique(objs, lambda o: o.shape_key()),
    "unique_size": lambda objs: _unique(objs, lambda o: o.size),
    "common_shape": _common_shape,
    "symmetric": lambda objs: _only(objs, _mirrored_object),
    "asymmetric": lambda objs: _only(objs, lambda o: not _mirrored_object(o)),
    "holed": lambda objs: _only(objs, _holed),
    "most_colours": lambda objs: _extreme(objs, lambda o: len(o.colours), True),
    "top": lambda objs: _extreme(objs, lambda o: -o.top, True),
    "bottom": lambda objs: _extreme(objs, lambda o: o.bottom, True),
    "left": lambda objs: _extreme(objs, lambda o: -o.left, True),
    "right": lambda objs: _extreme(objs, lambda o: o.right, True),
}


def object_crop(g: np.ndarray, o: Obj) -> np.ndarray:
    return o.patch(g)


def object_shape(g: np.ndarray, o: Obj) -> np.ndarray:
    return np.where(o.cells, g, BG)[o.top : o.bottom, o.left : o.right]


def object_keep(g: np.ndarray, o: Obj) -> np.ndarray:
    return np.where(o.cells, g, BG)


def object_erase(g: np.ndarray, o: Obj) -> np.ndarray:
    return np.where(o.cells, BG, g)


def label(g: np.ndarray, by: str) -> np.ndarray:
    """Each object (one colour, 4-connected) painted with a number as its colour: its
    size (capped at 9), its size rank (1 the largest; ties share), how many holes it
    encloses, how many objects share its shape (`shapes`: the odd one out is 1), or 1
    for the largest, 2 for the smallest and 3 for the rest (`extreme`). A learned
    recolouring then names the colours: "objects of size 3 turn red".

    Labelled a colour layer at a time, without building objects: the search applies this
    to every state, and holes are counted inside each object's box, where they lie."""
    if by in ("shapes", "extreme"):  # these compare objects, so they are built
        return _label_objects(g, _shape_counts if by == "shapes" else _extremes)
    layers = []
    for c in range(1, 10):
        layer = g == c
        if layer.any():
            labels, n = ndimage.label(layer, structure=_FOUR)
            layers.append((labels, n))
    if not layers:
        raise Inapplicable("no objects")
    if by in ("size", "rank"):
        sizes = [np.bincount(labels.ravel(), minlength=n + 1) for labels, n in layers]
        if by == "rank":
            order = sorted({int(v) for s in sizes for v in s[1:]}, reverse=True)
            rank = {v: min(i + 1, 9) for i, v in enumerate(order)}
            values = [np.array([0] + [rank[int(v)] for v in s[1:]]) for s in sizes]
        else:
            values = [np.minimum(s, 9) for s in sizes]
    else:
        values = []
        for labels, n in layers:
            v = np.zeros(n + 1, dtype=np.int64)
            layer = labels > 0
            if not (ndimage.binary_fill_holes(layer) & ~layer).any():
                values.append(v)  # the layer encloses nothing: no object of it does
                continue
            for i, sl in enumerate(ndimage.find_objects(labels), start=1):
                if sl[0].stop - sl[0].start < 3 or sl[1].stop - sl[1].start < 3:
                    continue  # too thin to go round a cell
                cells = labels[sl] == i
                inside = ndimage.binary_fill_holes(cells) & ~cells
                v[i] = min(int(ndimage.label(inside, structure=_FOUR)[1]), 9)
            values.append(v)
    out = np.zeros_like(g)
    for (labels, _), v in zip(layers, values, strict=True):
        v[0] = 0
        out += v[labels].astype(g.dtype)
    return out


def _label_objects(g: np.ndarray, values: Any) -> np.ndarray:
    """Each object painted with the number `values(objects)` gives it."""
    objs = objects(g)
    out = np.zeros_like(g)
    for o, v in zip(objs, values(objs), strict=True):
        out[o.cells] = v
    return out


def _shape_counts(objs: list[Obj]) -> list[int]:
    keys = [o.shape_key() for o in objs]
    return [min(keys.count(k), 9) for k in keys]


def _extremes(objs: list[Obj]) -> list[int]:
    big, small = max(o.size for o in objs), min(o.size for o in objs)
    return [1 if o.size == big else 2 if o.size == small else 3 for o in objs]


def crop_to(g: np.ndarray, colour: int) -> np.ndarray:
    """The box around the cells of one colour (a frame, a marker), inclusive."""
    top, bottom, left, right = box(g == colour)
    return g[top:bottom, left:right]


def count_row(objs: list[Obj]) -> np.ndarray:
    """A row of one cell per object, in the objects' colour where they share one (1
    otherwise), so the count's colour follows the input's."""
    if len(objs) > MAX_SIDE:
        raise Inapplicable("too many objects to count in a row")
    colours = {c for o in objs for c in o.colours}
    colour = colours.pop() if len(colours) == 1 else 1
    return np.full((1, len(objs)), colour, dtype=np.int8)


def largest_colour_first(objs: list[Obj]) -> np.ndarray:
    """Colours ranked by how many objects have them, as one column (counting tasks)."""
    tally: dict[int, int] = {}
    for o in objs:
        for c in o.colours:
            tally[c] = tally.get(c, 0) + 1
    order = sorted(tally, key=lambda c: (-tally[c], c))
    return np.asarray(order, dtype=np.int8)[:, None]


def most_colour_cell(g: np.ndarray) -> np.ndarray:
    ranked = ranked_colours(g)
    if not ranked:
        raise Inapplicable("no colour")
    return np.full((1, 1), ranked[0], dtype=g.dtype)


def least_colour_cell(g: np.ndarray) -> np.ndarray:
    ranked = ranked_colours(g)
    if not ranked:
        raise Inapplicable("no colour")
    return np.full((1, 1), ranked[-1], dtype=g.dtype)


# -- shapes and lines --------------------------------------------------------------------


def fill_holes(g: np.ndarray, colour: int) -> np.ndarray:
    """Background cells that cannot reach the border through background get `colour`."""
    bg = g == BG
    holes = ndimage.binary_fill_holes(~bg) & bg
    if not holes.any():
        raise Inapplicable("no enclosed background")
    return np.where(holes, colour, g).astype(g.dtype)


def halo(g: np.ndarray, colour: int, diagonal: bool) -> np.ndarray:
    """Background cells next to any object get `colour` (an outline around objects)."""
    fg = g != BG
    ring = ndimage.binary_dilation(fg, structure=_EIGHT if diagonal else _FOUR) & ~fg
    if not ring.any():
        raise Inapplicable("no background next to an object")
    return np.where(ring, colour, g).astype(g.dtype)


def hollow(g: np.ndarray) -> np.ndarray:
    """Object cells whose four neighbours are all object cells become background."""
    fg = g != BG
    inner = ndimage.binary_erosion(fg, structure=_FOUR, border_value=0)
    if not inner.any():
        raise Inapplicable("no interior")
    return np.where(inner, BG, g)


def outline(g: np.ndarray, colour: int) -> np.ndarray:
    """The border cells of each object get `colour` (the inside keeps its own)."""
    fg = g != BG
    inner = ndimage.binary_erosion(fg, structure=_FOUR, border_value=0)
    edge = fg & ~inner
    return np.where(edge, colour, g).astype(g.dtype)


def gravity(g: np.ndarray, direction: str) -> np.ndarray:
    """Every non-background cell falls towards `direction` until it meets another or the
    border (a column keeps its colours' order)."""
    turn = {"down": 0, "left": 1, "up": 2, "right": 3}[direction]
    a = np.rot90(g, turn)  # rotate so that "down" is the direction of fall
    fg = a != BG
    # a stable sort of each column by "is content" moves content to the bottom in order
    order = np.argsort(fg, axis=0, kind="stable")
    fallen = np.take_along_axis(a, order, axis=0)
    return np.rot90(fallen, -turn)


def box_fill(g: np.ndarray, colour: int) -> np.ndarray:
    """The background inside each object's box (objects of any colours, diagonals joined)
    gets `colour`: a corner completed to a square, a frame's inside filled."""
    out = g.copy()
    for o in objects(g, diagonal=True, multicolour=True):
        sub = out[o.top : o.bottom, o.left : o.right]
        sub[sub == BG] = colour
    if (out == g).all():
        raise Inapplicable("every box is full")
    return out


def fall(g: np.ndarray, direction: str) -> np.ndarray:
    """Objects (any colours, diagonals joined) fall towards `direction` as rigid pieces
    until each rests on the border or on another; passes repeat until nothing moves."""
    turn = {"down": 0, "left": 1, "up": 2, "right": 3}[direction]
    a = np.rot90(g, turn)
    h = a.shape[0]
    order = sorted(objects(a, diagonal=True, multicolour=True), key=lambda o: -o.bottom)
    cells = [o.cells for o in order]
    drop = [0] * len(order)  # rows each piece has fallen
    occupied = a != BG
    moving = True
    while moving:
        moving = False
        for i, o in enumerate(order):
            top, bottom = o.top + drop[i], o.bottom + drop[i]
            mine = cells[i][top:bottom]
            others = occupied & ~cells[i]
            k = 0
            while bottom + k < h and not (others[top + k + 1 : bottom + k + 1] & mine).any():
                k += 1
            if k:
                cells[i] = np.roll(cells[i], k, axis=0)
                occupied = others | cells[i]
                drop[i] += k
                moving = True
    if not any(drop):
        raise Inapplicable("nothing falls")
    out = np.zeros_like(a)
    for i, o in enumerate(order):
        out[cells[i]] = np.roll(np.where(o.cells, a, BG), drop[i], axis=0)[cells[i]]
    return np.rot90(out, -turn)


def move(g: np.ndarray, direction: str) -> np.ndarray:
    """The content moves one cell towards `direction` (what leaves the grid is lost)."""
    if not (g != BG).any():
        raise Inapplicable("nothing to move")
    out = np.zeros_like(g)
    if direction == "down":
        out[1:] = g[:-1]
    elif direction == "up":
        out[:-1] = g[1:]
    elif direction == "right":
        out[:, 1:] = g[:, :-1]
    else:
        out[:, :-1] = g[:, 1:]
    return out


def keep_lines(g: np.ndarray, axis: str) -> np.ndarray:
    """Only the rows (or columns) that are one content colour all along stay."""
    a = g if axis == "rows" else g.T
    whole = (a == a[:, :1]).all(1) & (a[:, 0] != BG)
    if not whole.any():
        raise Inapplicable(f"no {axis} of one colour")
    out = np.where(whole[:, None], a, BG)
    return out if axis == "rows" else out.T


def shift_to(g: np.ndarray, direction: str) -> np.ndarray:
    """The whole content slides, as one piece, until it touches the border."""
    top, bottom, left, right = box(g != BG)
    out = np.zeros_like(g)
    h, w = g.shape
    dy = {"down": h - bottom, "up": -top}.get(direction, 0)
    dx = {"right": w - right, "left": -left}.get(direction, 0)
    if dy == dx == 0:
        raise Inapplicable("already at the border")
    out[top + dy : bottom + dy, left + dx : right + dx] = g[top:bottom, left:right]
    return out


def extend(g: np.ndarray, direction: str) -> np.ndarray:
    """Each non-background cell draws its colour to the border in `direction` (a
    later-drawn cell never covers content)."""
    out = g.copy()
    if direction == "diag":
        return _extend_diagonal(g)
    dirs = {"h": ("left", "right"), "v": ("up", "down"), "hv": ("left", "right", "up", "down")}
    for d in dirs.get(direction, (direction,)):
        turn = {"down": 0, "left": 1, "up": 2, "right": 3}[d]
        a = np.rot90(g, turn)
        # the colour of the nearest content cell above (in the rotated frame), carried down
        idx = np.where(a != BG, np.arange(a.shape[0])[:, None], -1)
        last = np.maximum.accumulate(idx, axis=0)
        carried = np.where(last >= 0, np.take_along_axis(a, np.maximum(last, 0), axis=0), BG)
        o = np.rot90(out, turn)
        o[:] = np.where(o == BG, carried, o)
    if (out == g).all():
        raise Inapplicable("nothing to extend")
    return out


def _extend_diagonal(g: np.ndarray) -> np.ndarray:
    """Each content cell draws its colour along its four diagonals to the border; where
    rays cross, the nearer source wins, and no ray covers content."""
    h, w = g.shape
    out = g.copy()
    for k in range(1, max(h, w)):
        for dy, dx in ((k, k), (k, -k), (-k, k), (-k, -k)):
            src = np.zeros_like(g)
            ys, yd = (
                (slice(0, h - dy), slice(dy, h)) if dy > 0 else (slice(-dy, h), slice(0, h + dy))
            )
            xs, xd = (
                (slice(0, w - dx), slice(dx, w)) if dx > 0 else (slice(-dx, w), slice(0, w + dx))
            )
            src[yd, xd] = g[ys, xs]
            out = np.where((out == BG) & (src != BG), src, out)
    if (out == g).all():
        raise Inapplicable("nothing to extend")
    return out


@functools.lru_cache(maxsize=64)
def _diagonals(h: int, w: int) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """The (rows, cols) of every diagonal and anti-diagonal of an h x w grid, two or more
    cells long."""
    lines = []
    for d in range(-(h - 1), w):
        rows = np.arange(max(0, -d), min(h, w - d))
        if rows.size > 1:
            lines.append((rows, rows + d))
            lines.append((rows, w - 1 - (rows + d)))
    return tuple(lines)


def _connect_diagonal(g: np.ndarray) -> np.ndarray:
    out = g.copy()
    for rows, cols in _diagonals(*g.shape):
        line = g[rows, cols]
        for c in np.unique(line[line != BG]):
            m = line == c
            between = np.maximum.accumulate(m) & np.maximum.accumulate(m[::-1])[::-1]
            now = out[rows, cols]
            out[rows, cols] = np.where((now == BG) & between, c, now)
    return out


def connect(g: np.ndarray, axis: str) -> np.ndarray:
    """Background between two cells of one colour in a row (h), a column (v), either
    (hv), or on a diagonal (diag) is painted that colour."""
    if axis == "diag":
        out = _connect_diagonal(g)
        if (out == g).all():
            raise Inapplicable("nothing to connect")
        return out
    out = g.copy()
    for ax in ("h", "v") if axis == "hv" else (axis,):
        a = out if ax == "h" else out.T
        src = g if ax == "h" else g.T
        for c in np.unique(src[src != BG]):
            m = src == c
            left = np.maximum.accumulate(m, axis=1)
            right = np.maximum.accumulate(m[:, ::-1], axis=1)[:, ::-1]
            a[:] = np.where((a == BG) & left & right, c, a)
    if (out == g).all():
        raise Inapplicable("nothing to connect")
    return out


# -- splitting and overlay ---------------------------------------------------------------


def split(g: np.ndarray, how: str) -> list[np.ndarray]:
    """The grid cut into parts: by separator lines (whole rows/columns of one non-background
    colour), or into equal halves or thirds along an axis."""
    h, w = g.shape
    if how == "lines":
        rows = [i for i in range(h) if g[i, 0] != BG and (g[i] == g[i, 0]).all()]
        cols = [j for j in range(w) if g[0, j] != BG and (g[:, j] == g[0, j]).all()]
        if not rows and not cols:
            raise Inapplicable("no separator lines")
        parts = []
        rs = [-1, *rows, h]
        cs = [-1, *cols, w]
        for a, b in zip(rs, rs[1:], strict=False):
            for c, d in zip(cs, cs[1:], strict=False):
                if b - a > 1 and d - c > 1:
                    parts.append(g[a + 1 : b, c + 1 : d])
        shapes = {p.shape for p in parts}
        if len(parts) < 2 or len(shapes) != 1:
            raise Inapplicable("separator lines leave unequal parts")
        return parts
    n = 2 if how.startswith("halves") else 3
    vertical = how.endswith("_v") or (how == "halves" and h > w)  # stacked top to bottom
    size = h if vertical else w
    if size % n and size % n != n - 1:
        raise Inapplicable(f"{h}x{w} does not split in {n}")
    step = (size - (n - 1) * (size % n != 0)) // n  # a one-cell gap between parts allowed
    gap = 1 if size % n else 0
    parts = []
    for i in range(n):
        s = i * (step + gap)
        parts.append(g[s : s + step] if vertical else g[:, s : s + step])
    return parts


def combine(parts: list[np.ndarray], how: str) -> np.ndarray:
    """Cell-wise logic of the parts' content (1 where true), or an overlay where the first
    (or last, `_rev`) part with content wins."""
    if len({p.shape for p in parts}) != 1:
        raise Inapplicable("parts differ in shape")
    fg = np.stack([p != BG for p in parts])
    one = np.int8(1)
    if how == "and":
        return np.where(fg.all(0), one, BG).astype(np.int8)
    if how == "or":
        return np.where(fg.any(0), one, BG).astype(np.int8)
    if how == "xor":
        return np.where(fg.sum(0) == 1, one, BG).astype(np.int8)
    if how == "nor":
        return np.where(~fg.any(0), one, BG).astype(np.int8)
    if how == "first_only":
        return np.where(fg[0] & ~fg[1:].any(0), one, BG).astype(np.int8)
    if how in ("overlay", "overlay_rev"):
        stack = parts if how == "overlay" else parts[::-1]
        out = stack[-1].copy()
        for p in reversed(stack[:-1]):
            out = np.where(p != BG, p, out)
        return out
    raise Inapplicable(f"unknown combination {how!r}")


def pick(parts: list[np.ndarray], how: str) -> np.ndarray:
    """One part: the one unlike the others, with the most / fewest content cells, the
    first or last in reading order, or the one part with (`sym`) or without (`asym`) a
    mirror symmetry (left-right, up-down or about a diagonal)."""
    if how in ("first", "last"):
        return parts[0 if how == "first" else -1]
    if how in ("sym", "asym"):
        chosen = [p for p in parts if _mirrored(p, diagonals=True) == (how == "sym")]
        if len(chosen) != 1:
            raise Inapplicable("not exactly one part of that kind")
        return chosen[0]
    if how == "unique":
        keys = [p.tobytes() + bytes(p.shape) for p in parts]
        once = [p for p, k in zip(parts, keys, strict=True) if keys.count(k) == 1]
        if len(once) != 1:
            raise Inapplicable("no single part stands out")
        return once[0]
    filled = [int((p != BG).sum()) for p in parts]
    best = max(filled) if how == "most" else min(filled)
    if filled.count(best) != 1:
        raise Inapplicable("a tie")
    return parts[filled.index(best)]


# -- patterns ----------------------------------------------------------------------------


def part_cells(g: np.ndarray) -> np.ndarray:
    """A grid cut by separator lines, each part made one cell of its most frequent colour
    other than the background and the separators' (the background where it has none)."""
    h, w = g.shape
    rows = [i for i in range(h) if g[i, 0] != BG and (g[i] == g[i, 0]).all()]
    cols = [j for j in range(w) if g[0, j] != BG and (g[:, j] == g[0, j]).all()]
    if not rows and not cols:
        raise Inapplicable("no separator lines")
    line = g[rows[0], 0] if rows else g[0, cols[0]]
    rs, cs = [-1, *rows, h], [-1, *cols, w]
    spans_r = [(a + 1, b) for a, b in zip(rs, rs[1:], strict=False) if b - a > 1]
    spans_c = [(a + 1, b) for a, b in zip(cs, cs[1:], strict=False) if b - a > 1]
    out = np.zeros((len(spans_r), len(spans_c)), dtype=g.dtype)
    for i, (a, b) in enumerate(spans_r):
        for j, (c, d) in enumerate(spans_c):
            tally = counts(g[a:b, c:d])
            tally[BG] = tally[line] = 0
            if tally.any():
                out[i, j] = int(tally.argmax())
    return out


def symmetrize(g: np.ndarray, how: str) -> np.ndarray:
    """Complete a mirror symmetry: each background cell takes its mirror image's colour
    (h: left-right, v: top-bottom, hv: both, diag: transpose, rot: quarter turns)."""
    out = g.copy()
    images = {
        "h": [lambda a: a[:, ::-1]],
        "v": [lambda a: a[::-1]],
        "hv": [lambda a: a[:, ::-1], lambda a: a[::-1], lambda a: a[::-1, ::-1]],
        "diag": [lambda a: a.T],
        "rot": [lambda a: np.rot90(a, 1), lambda a: np.rot90(a, 2), lambda a: np.rot90(a, 3)],
    }[how]
    if how in ("diag", "rot") and g.shape[0] != g.shape[1]:
        raise Inapplicable("not square")
    for _ in range(2):  # a cell may learn its colour from an image that learned it first
        for f in images:
            m = f(out)
            out = np.where(out == BG, m, out)
    if (out == g).all():
        raise Inapplicable("already symmetric")
    return out


def unmask(g: np.ndarray, colour: int, how: str) -> np.ndarray:
    """Cells of `colour` are unknown: fill them from the grid's mirror image (`how` as in
    `symmetrize`) or its smallest period (`how`="period")."""
    hole = g == colour
    if not hole.any():
        raise Inapplicable(f"no colour {colour}")
    if how == "period":
        return _periodic_fill(g, hole)
    known = np.where(hole, -1, g.astype(np.int16))
    images = {
        "h": [lambda a: a[:, ::-1]],
        "v": [lambda a: a[::-1]],
        "hv": [lambda a: a[:, ::-1], lambda a: a[::-1], lambda a: a[::-1, ::-1]],
        "diag": [lambda a: a.T],
    }[how]
    if how == "diag" and g.shape[0] != g.shape[1]:
        raise Inapplicable("not square")
    for _ in range(2):
        for f in images:
            m = f(known)
            known = np.where(known < 0, m, known)
    if (known < 0).any():
        raise Inapplicable("the symmetry leaves cells unknown")
    return known.astype(g.dtype)


def hidden(g: np.ndarray, colour: int, how: str) -> np.ndarray:
    """What the cells of `colour` hide: the grid completed under them (as `unmask`),
    cut to their box (the tasks that ask for the missing piece, not the whole)."""
    top, bottom, left, right = box(g == colour)
    return unmask(g, colour, how)[top:bottom, left:right]


MAX_PERIOD = 12


def _periodic_fill(g: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """The smallest tile (rows x cols periods up to MAX_PERIOD) that every known cell
    agrees with and that covers every unknown cell."""
    h, w = g.shape
    ys, xs = np.indices((h, w))
    known_vals = g[~hole].astype(np.int16)
    candidates = sorted(
        (
            (py, px)
            for py in range(1, min(h, MAX_PERIOD) + 1)
            for px in range(1, min(w, MAX_PERIOD) + 1)
        ),
        key=lambda p: (p[0] * p[1], p),
    )
    for py, px in candidates:
        if py == h and px == w:
            continue
        key = (ys % py) * px + (xs % px)
        tile_ = np.full(py * px, -1, dtype=np.int16)
        keys = key[~hole]
        tile_[keys] = known_vals
        if (tile_[keys] != known_vals).any():  # two known cells of one class disagree
            continue
        if (tile_[key[hole]] >= 0).all():
            return tile_[key].astype(g.dtype)
    raise Inapplicable("no period explains the known cells")


def denoise(g: np.ndarray) -> np.ndarray:
    """Remove the lone cells: components of one cell (8-connected, any colour)."""
    labels, n = ndimage.label(g != BG, structure=_EIGHT)
    if n == 0:
        raise Inapplicable("empty")
    sizes = np.bincount(labels.ravel())
    lone = (sizes[labels] == 1) & (labels > 0)
    if not lone.any():
        raise Inapplicable("no lone cells")
    return np.where(lone, BG, g)


def majority(g: np.ndarray) -> np.ndarray:
    """Each cell takes the most frequent colour of its 3x3 neighbourhood (noise removal
    that keeps large areas)."""
    padded = np.pad(g, 1, mode="edge")
    h, w = g.shape
    windows = np.stack([padded[i : i + h, j : j + w] for i in range(3) for j in range(3)])
    tallies = np.stack([(windows == c).sum(0) for c in range(10)])
    return tallies.argmax(0).astype(g.dtype)


# -- local rules -------------------------------------------------------------------------

RULE_KINDS = ("cross", "count", "near", "touch", "ray", "phase")
_BORDER = 10  # the colour outside the grid, for a neighbourhood


_BY_CENTRE = 1024  # near and touch keys: the centre colour times this, plus what is near
_CENTRE_OF = {
    "count": 10,
    "near": _BY_CENTRE,
    "touch": _BY_CENTRE,
    "cross": 11**4,
    "ray": 11**4,
    "phase": 1000,
}
# a phase rule's grid of positions: its period, counted from the top-left (t) or the
# bottom-right (b); a phase key is colour * 1000 + variant * 100 + row phase * 10 + column phase
_PHASES = ((2, "t"), (2, "b"), (3, "t"), (3, "b"))
_SIDES = {  # a touch rule's neighbours: any of eight, the four sides, the four corners,
    # or one direction: "N" holds for a cell north of the colour (the colour just below it)
    "n": [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if dy or dx],
    "o": [(-1, 0), (1, 0), (0, -1), (0, 1)],
    "d": [(-1, -1), (-1, 1), (1, -1), (1, 1)],
    "N": [(1, 0)],
    "S": [(-1, 0)],
    "W": [(0, 1)],
    "E": [(0, -1)],
    "NW": [(1, 1)],
    "NE": [(1, -1)],
    "SW": [(-1, 1)],
    "SE": [(-1, -1)],
}
_RELATIONS = tuple(_SIDES)  # a touch key's relation is its index here
# what `_learn_touch` tries, in order: the coarsest relations that explain the outputs
_TOUCH_PASSES: tuple[tuple[str, ...], ...] = (("n",), ("o", "d"), _RELATIONS[3:])


def _touch_key(centre: Any, sides: str, colour: Any) -> Any:
    """The key of "centre next to colour on those sides" (ints, or arrays of them)."""
    return centre * _BY_CENTRE + _RELATIONS.index(sides) * 16 + colour


def _touch_parts(key: int) -> tuple[int, str, int]:
    """A touch key as (centre colour, sides, neighbour colour)."""
    centre, code = divmod(key, _BY_CENTRE)
    return centre, _RELATIONS[code // 16], code % 16


def _neighbour_colours(g: np.ndarray, sides: str = "n") -> np.ndarray:
    """(10, h, w): whether each cell has a neighbour of each colour on those sides."""
    h, w = g.shape
    onehot = np.zeros((10, h + 2, w + 2), dtype=bool)  # np.pad costs more than all the rest
    onehot[:, 1:-1, 1:-1] = g[None] == np.arange(10, dtype=g.dtype)[:, None, None]
    near = np.zeros((10, h, w), dtype=bool)
    for dy, dx in _SIDES[sides]:
        near |= onehot[:, 1 + dy : 1 + dy + h, 1 + dx : 1 + dx + w]
    return near


def _first_seen(g: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The colour of the first content cell each cell sees looking up, down, left and
    right (10 where it sees none before the border)."""

    def leftwards(a: np.ndarray) -> np.ndarray:
        h, w = a.shape
        at = np.where(a != BG, np.arange(w), -1)
        last = np.maximum.accumulate(at, axis=1)
        before = np.full((h, w), -1)
        before[:, 1:] = last[:, :-1]
        rows = np.arange(h)[:, None]
        return np.where(before >= 0, a[rows, np.maximum(before, 0)], _BORDER).astype(np.int32)

    left = leftwards(g)
    right = leftwards(g[:, ::-1])[:, ::-1]
    up = leftwards(g.T).T
    down = leftwards(g[::-1].T).T[::-1]
    return up, down, left, right


def _phase_keys(g: np.ndarray, variant: int) -> np.ndarray:
    period, origin = _PHASES[variant]
    h, w = g.shape
    y, x = np.arange(h)[:, None], np.arange(w)[None, :]
    if origin == "b":
        y, x = h - 1 - y, w - 1 - x
    return g.astype(np.int32) * 1000 + variant * 100 + (y % period) * 10 + x % period


def _phase_variant(table: dict[int, int] | set[int]) -> int:
    return (next(iter(table)) % 1000) // 100


def rule_keys(g: np.ndarray, kind: str, variant: int = 0) -> np.ndarray:
    """Each cell's neighbourhood as one integer: `cross`, its colour and its four
    neighbours' (10 past the border); `ray`, its colour and the colours of the first
    content cells it sees up, down, left and right (10: none), written as a cross key
    is; `count`, its colour and how many of its eight neighbours are not background;
    `near`, its colour and which content colours its eight neighbours hold (a set, as
    bits: "next to a 2" whatever the side); `phase`, its colour and its place in a grid
    of period 2 or 3 (`variant`: which, see _PHASES), for rules like "every third
    column's 4 turns 6". A `touch` rule has no key per cell (see `apply_rule`)."""
    h, w = g.shape
    if kind == "phase":
        return _phase_keys(g, variant)
    if kind == "ray":
        up, down, left, right = _first_seen(g)
        return (((g.astype(np.int32) * 11 + up) * 11 + down) * 11 + left) * 11 + right
    if kind == "near":
        near = _neighbour_colours(g)[1:]
        bits = (near * (1 << np.arange(1, 10, dtype=np.int32))[:, None, None]).sum(0)
        return g.astype(np.int32) * _BY_CENTRE + bits
    if kind == "count":
        fg = np.zeros((h + 2, w + 2), dtype=np.int16)
        fg[1:-1, 1:-1] = g != BG
        n = sum(
            fg[1 + dy : 1 + dy + h, 1 + dx : 1 + dx + w] for dy in (-1, 0, 1) for dx in (-1, 0, 1)
        )
        n = n - (g != BG)
        return g.astype(np.int32) * 10 + n
    p = np.full((h + 2, w + 2), _BORDER, dtype=np.int32)
    p[1:-1, 1:-1] = g
    up, down = p[:-2, 1:-1], p[2:, 1:-1]
    left, right = p[1:-1, :-2], p[1:-1, 2:]
    return (((g.astype(np.int32) * 11 + up) * 11 + down) * 11 + left) * 11 + right


def key_text(key: int, kind: str) -> str:
    if kind == "phase":
        colour, rest = divmod(key, 1000)
        variant, phase = divmod(rest, 100)
        period, origin = _PHASES[variant]
        return f"{colour}@{period}{origin}{phase // 10}{phase % 10}"
    if kind == "touch":
        centre, sides, colour = _touch_parts(key)
        return f"{centre}{sides}{colour}"
    if kind == "near":
        colour, bits = divmod(key, _BY_CENTRE)
        return f"{colour}n" + "".join(str(c) for c in range(1, 10) if bits >> c & 1)
    if kind == "count":
        return f"{key // 10}{key % 10}"
    digits = []
    for _ in range(5):
        key, d = divmod(key, 11)
        digits.append("x" if d == _BORDER else str(d))
    return "".join(reversed(digits))


def key_value(text: str, kind: str) -> int:
    """The integer of a neighbourhood written as `key_text` writes it (ValueError)."""
    if kind == "touch":
        if (
            len(text) < 3
            or not text[0].isdigit()
            or text[1:-1] not in _SIDES
            or text[-1] not in "123456789"
        ):
            raise ValueError(
                "a touch key is a colour, n (any side), o (the four sides), d (the corners) "
                "or a direction (N, S, W, E, NW, NE, SW, SE: where the cell lies from its "
                f"neighbour), and the neighbour's colour, like 0n2 or 0NW3, not {text!r}"
            )
        return _touch_key(int(text[0]), text[1:-1], int(text[-1]))
    if kind == "phase":
        m = re.fullmatch(r"(\d)@([23])([tb])(\d)(\d)", text)
        if m is None or max(int(m[4]), int(m[5])) >= int(m[2]):
            raise ValueError(
                "a phase key is a colour, @, a period (2 or 3), t or b (counted from the "
                "top-left or the bottom-right), and the row and column phase below the "
                f"period, like 4@3t02, not {text!r}"
            )
        variant = _PHASES.index((int(m[2]), m[3]))
        return int(m[1]) * 1000 + variant * 100 + int(m[4]) * 10 + int(m[5])
    if kind == "near":
        colour, sep, near = text.partition("n")
        if (
            not sep
            or len(colour) != 1
            or not colour.isdigit()
            or any(c not in "123456789" for c in near)
            or list(near) != sorted(set(near))
        ):
            raise ValueError(
                f"a near key is a colour, n, and the neighbours' colours in order, like 3n25, "
                f"not {text!r}"
            )
        return int(colour) * _BY_CENTRE + sum(1 << int(c) for c in near)
    if kind == "count":
        if len(text) != 2 or not text.isdigit() or int(text[1]) > 8:
            raise ValueError(f"a count key is a colour and a count 0-8, like 13, not {text!r}")
        return int(text[0]) * 10 + int(text[1])
    if len(text) != 5 or any(c not in "0123456789x" for c in text) or text[0] == "x":
        raise ValueError(
            f"a {kind} key is 5 colours (x: past the border), like 10x02, not {text!r}"
        )
    key = 0
    for c in text:
        key = key * 11 + (_BORDER if c == "x" else int(c))
    return key


def key_centre(key: int, kind: str) -> int:
    """The colour of the cell a neighbourhood key is about."""
    return key // _CENTRE_OF[kind]


def apply_rule(g: np.ndarray, kind: str, table: dict[int, int]) -> np.ndarray:
    """Cells whose neighbourhood is in the table take its colour; the rest keep theirs.
    A `touch` entry `anc` reads "a cell of colour a next to a c" (on any of eight sides;
    `aoc` on one of the four sides, `adc` at a corner, `aNc` just north of it, `aSWc`
    at its south-west corner, and so on): it holds wherever that is true,
    whatever else is near, so it says what happens on any grid; where two entries hold,
    the later (in key order) wins."""
    out = g.copy()
    if kind == "touch":
        near: dict[str, np.ndarray] = {}
        for k, colour in sorted(table.items()):
            centre, sides, beside = _touch_parts(k)
            if sides not in near:
                near[sides] = _neighbour_colours(g, sides)
            out[(g == centre) & near[sides][beside]] = colour
        return out
    if not table:
        return out
    keys = rule_keys(g, kind, _phase_variant(table) if kind == "phase" else 0)
    for k, colour in table.items():
        out[keys == k] = colour
    return out


def learn_rule(
    values: list[np.ndarray], targets: list[np.ndarray], kind: str, max_entries: int = 24
) -> tuple[dict[int, int], set[int]] | None:
    """The neighbourhood -> colour table that turns every value into its target, listing
    only the neighbourhoods that change colour, and every neighbourhood the demonstrations
    showed; None if two demonstrations disagree."""
    if kind == "touch":
        return _learn_touch(values, targets, max_entries)
    if any(v.shape != t.shape for v, t in zip(values, targets, strict=True)):
        return None
    if kind != "phase":
        return _learn_table(values, targets, kind, 0, max_entries)
    # every phase rule is a function of a cell's colour and its place modulo 6 counted
    # from both corners: one check for all the variants
    if not _functional(values, targets, _phase_ring):
        return None
    for variant in range(len(_PHASES)):
        learned = _learn_table(values, targets, kind, variant, max_entries)
        if learned is not None:
            return learned
    return None


def _learn_table(
    values: list[np.ndarray], targets: list[np.ndarray], kind: str, variant: int, max_entries: int
) -> tuple[dict[int, int], set[int]] | None:
    table: dict[int, int] = {}
    for v, t in zip(values, targets, strict=True):
        keys = rule_keys(v, kind, variant).ravel()
        pairs = np.unique(keys.astype(np.int64) * 16 + t.ravel())
        k, c = pairs // 16, pairs % 16
        if np.unique(k).size != k.size:
            return None
        for key, colour in zip(k.tolist(), c.tolist(), strict=True):
            if table.setdefault(key, colour) != colour:
                return None
    changes = {k: c for k, c in table.items() if key_centre(k, kind) != c}
    return (changes, set(table)) if 0 < len(changes) <= max_entries else None


def _phase_ring(v: np.ndarray) -> np.ndarray:
    h, w = v.shape
    y, x = np.arange(h)[:, None], np.arange(w)[None, :]
    place = (((y % 6) * 6 + x % 6) * 6 + (h - 1 - y) % 6) * 6 + (w - 1 - x) % 6
    return v.astype(np.int64) * 1296 + place


def _learn_touch(
    values: list[np.ndarray], targets: list[np.ndarray], max_entries: int
) -> tuple[dict[int, int], set[int]] | None:
    """Every (colour, relation, neighbour colour) whose cells all turn one other colour
    in every demonstration, kept if together they reproduce every target: first with
    neighbours on any side, then sides and corners apart (a 2 that puts 4s at its
    corners and nothing at its sides), then each direction apart (a 1 with a 2 above it
    and a 7 below). The rule is defined on any grid, so it needs no record of the
    neighbourhoods seen."""
    if any(v.shape != t.shape for v, t in zip(values, targets, strict=True)):
        return None
    # any touch rule is a function of a cell's colour and its eight neighbours' (and the
    # undirected ones of its colour and the colour sets at its sides and its corners):
    # where that says two things for one cell, no rule is (most candidates end here)
    weights = (1 << np.arange(10, dtype=np.int64))[:, None, None]
    passes: tuple[tuple[str, ...], ...] = _TOUCH_PASSES
    if not _functional(values, targets, lambda v: _sides_key(v, weights)):
        if not _functional(values, targets, _ring_key):
            return None
        passes = passes[2:]
    near: list[dict[str, np.ndarray]] = [{} for _ in values]
    for relations in passes:
        codes = [np.zeros(0, dtype=np.int64)]
        for v, t, sides in zip(values, targets, near, strict=True):
            for side in relations:
                if side not in sides:
                    sides[side] = _neighbour_colours(v, side)
                c, y, x = np.nonzero(sides[side][1:])
                here = v[y, x].astype(np.int64)
                key = _touch_key(here, side, c + 1)
                codes.append(np.unique(key[here != c + 1] * 16 + t[y, x][here != c + 1]))
        pairs = np.unique(np.concatenate(codes))
        keys, count = np.unique(pairs // 16, return_counts=True)
        outcome = dict(zip((pairs // 16).tolist(), (pairs % 16).tolist(), strict=True))
        table = {k: outcome[k] for k in keys[count == 1].tolist() if outcome[k] != k // _BY_CENTRE}
        if 0 < len(table) <= max_entries and _reproduces(values, targets, table):
            return _fewest(values, targets, table), set()
    return None


def _reproduces(values: list[np.ndarray], targets: list[np.ndarray], table: dict) -> bool:
    return all(
        np.array_equal(apply_rule(v, "touch", table), t)
        for v, t in zip(values, targets, strict=True)
    )


def _fewest(values: list[np.ndarray], targets: list[np.ndarray], table: dict) -> dict:
    """The table without the entries the others make redundant on the demonstrations
    (a 2 that turns 0 beside a 3 and happens to sit by a 5 too): what was never needed
    is what would misfire on a test."""
    for k in sorted(table):
        rest = {e: c for e, c in table.items() if e != k}
        if rest and _reproduces(values, targets, rest):
            table = rest
    return table


def _functional(values: list[np.ndarray], targets: list[np.ndarray], key: Any) -> bool:
    """Whether the target is a function of `key(value)` cell by cell, in every
    demonstration together."""
    seen = [
        np.unique(key(v).ravel() * 16 + t.ravel()) for v, t in zip(values, targets, strict=True)
    ]
    pairs = np.unique(np.concatenate(seen))
    return bool(np.unique(pairs // 16).size == pairs.size)


def _sides_key(v: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """A cell's colour, the set of colours at its sides and the set at its corners."""
    o, d = _neighbour_colours(v, "o"), _neighbour_colours(v, "d")
    return (v.astype(np.int64) << 20) + ((o * weights).sum(0) << 10) + (d * weights).sum(0)


# The rule kinds whose key is a function of a cell's 3x3 neighbourhood (its colour and its
# eight neighbours', 10 past the border): a rule of any of them can exist only where the
# target is a function of that neighbourhood, which `ring_functional` checks once for all.
RING_KINDS = frozenset({"cross", "count", "near", "touch"})


def ring_functional(values: list[np.ndarray], targets: list[np.ndarray]) -> bool:
    """Whether every target cell is a function of its value's 3x3 neighbourhood, in every
    demonstration together: necessary for a rule of any of `RING_KINDS` to be learned."""
    if any(v.shape != t.shape for v, t in zip(values, targets, strict=True)):
        return False
    return _functional(values, targets, _ring_key)


def _ring_key(v: np.ndarray) -> np.ndarray:
    """A cell's colour and its eight neighbours' (10 past the border), in one integer."""
    h, w = v.shape
    p = np.full((h + 2, w + 2), _BORDER, dtype=np.int64)
    p[1:-1, 1:-1] = v
    key = v.astype(np.int64)
    for dy, dx in _SIDES["n"]:
        key = key * 11 + p[1 + dy : 1 + dy + h, 1 + dx : 1 + dx + w]
    return key


def rule_covers(g: np.ndarray, kind: str, table: dict[int, int], seen: set[int]) -> bool:
    """Whether a learned rule says what happens on this grid. A neighbourhood no
    demonstration showed, around a colour the rule changes somewhere, is one it does
    not (around a colour it never changes, "unchanged" is what every demonstration
    showed). A `touch` rule is defined everywhere."""
    if kind == "touch":
        return True
    changed = {key_centre(k, kind) for k in table}
    variant = _phase_variant(table) if kind == "phase" else 0
    unseen = set(np.unique(rule_keys(g, kind, variant)).tolist()) - seen
    return not any(key_centre(k, kind) in changed for k in unseen)
