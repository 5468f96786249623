"""The two plug-in families, property by property: every rendering parses back to the same
problem, the generator's puzzles have exactly one answer, the verifier accepts the exact
solver's answer and rejects a one-cell change, every augmentation composed with its
inverse is the identity, and the codec reads back what it wrote."""

import json
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from orchestra_coloring import count_colourings
from orchestra_nqueens import count_completions

import orchestra
from orchestra import ParseError, family_registry

NQ = family_registry.get("nqueens")
COL = family_registry.get("coloring")
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

queens_puzzles = st.builds(
    lambda n, seed: NQ.generate(1, seed=seed, n=n)[0],
    st.integers(4, 12),
    st.integers(0, 10**6),
)
graphs = st.builds(
    lambda nodes, k, seed: COL.generate(1, seed=seed, nodes=nodes, k=k)[0],
    st.integers(3, 12),
    st.integers(2, 4),
    st.integers(0, 10**6),
)


@FAST
@given(queens_puzzles)
def test_nqueens_generator_solver_verifier_and_renderings(inst):
    p = inst.problem
    assert count_completions(p.n, p.queens) == 1  # the uniqueness guarantee
    assert NQ.solve(p) == inst.answer and NQ.verify(p, inst.answer)
    moved = list(inst.answer)
    moved[0] = (moved[0] + 1) % p.n  # one queen one square over
    assert not NQ.verify(p, moved)
    for text in (NQ.to_text(p), "\n".join(p.board()), f"Complete these queens:\n{NQ.to_text(p)}"):
        assert orchestra.parse(text).model_copy(update={"prompt": None}) == p
    as_json = json.dumps({"n": p.n, "queens": [list(q) for q in p.queens]})
    assert orchestra.parse(as_json) == p
    assert NQ.verify(p, NQ.render(p, inst.answer))  # the board drawn is an answer too


@FAST
@given(queens_puzzles, st.integers(0, 2**32))
def test_nqueens_views_invert_and_the_codec_reads_back(inst, seed):
    p, cols = inst.problem, inst.answer
    view = NQ.random_view(p, random.Random(seed))
    assert NQ.verify(view.problem, view.forward(cols))
    assert view.back(view.forward(cols)) == cols
    codec = NQ.codec(canvas=12)
    assert codec.decode(p, codec.encode_answer(p, cols)) == cols


@FAST
@given(graphs)
def test_coloring_generator_solver_verifier_and_renderings(inst):
    p, colours = inst.problem, inst.answer
    assert count_colourings(p) == 1  # one colouring up to renaming: the planted one
    assert COL.verify(p, COL.solve(p)) and COL.verify(p, colours)
    u, v = p.edges[0]
    clash = list(colours)
    clash[u] = clash[v]  # one node recoloured to its neighbour's colour
    assert not COL.verify(p, clash)
    assert orchestra.parse(COL.to_text(p)).model_copy(update={"prompt": None}) == p
    as_json = json.dumps({"edges": [list(e) for e in p.edges], "k": p.k, "n": p.n})
    assert orchestra.parse(as_json) == p


@FAST
@given(graphs, st.integers(0, 2**32))
def test_coloring_views_invert_and_the_codec_reads_back(inst, seed):
    p, colours = inst.problem, inst.answer
    view = COL.random_view(p, random.Random(seed))
    assert COL.verify(view.problem, view.forward(colours))
    assert COL.verify(p, view.back(view.forward(colours)))
    codec = COL.codec(canvas=12, colours=4)
    decoded = codec.decode(p, codec.encode_answer(p, colours))  # renamed to the anchors
    assert COL.verify(p, decoded)
    assert all(decoded[v] == c for v, c in codec.anchors(p).items())
    anchored = codec.encode(p).reshape(12, 12)
    assert all(anchored[v, v] == 4 + c for v, c in codec.anchors(p).items())


@settings(max_examples=200, deadline=1000)
@given(st.text(alphabet='Qq.-_ 0123456789\n#SGcolur:,()[]{}"', max_size=300))
def test_puzzle_like_text_is_a_problem_or_a_parse_error(text):
    try:
        orchestra.parse(text)
    except ParseError:
        pass


@pytest.mark.parametrize(
    "text, needle",
    [
        ("Q . . .\n. . Q .\n. Q . .\n. . . .", "attack each other"),
        ("Q . . . .\n. . . .\n. . . . .\n. . . . .\n. . . . .", "row has 4 squares"),
        ('{"n": 20, "queens": []}', "4..12"),
        ("colour the graph: 0-1, 1-2, 2-0", "how many colours"),
        ("colour it with 3 colours: 0-0, 1-2", "joins a node to itself"),
        ('{"edges": [[0, 1]], "k": "three"}', "number of colours"),
    ],
)
def test_broken_plugin_puzzles_get_a_clear_parse_error(text, needle):
    with pytest.raises(ParseError, match=needle):
        orchestra.parse(text)


def test_prose_about_the_new_puzzles_stays_prose():
    for text in (
        "How many solutions does the 8 queens puzzle have?",
        "Is graph colouring NP-complete?",
        "The queen moved from d1-h5 in 1-0 games.",
    ):
        assert orchestra.parse(text).kind == "text"


def test_the_cascade_keeps_the_error_of_a_family_its_learned_router_never_saw():
    """The shipped learned router predates the plug-ins: it may call a broken board prose,
    but it cannot judge a family it was not trained on, so the family's error stands."""
    engine = orchestra.Orchestra(llm=None)
    sol = engine.solve("Q . . .\n. . Q .\n. Q . .\n. . . .")
    assert sol.problem is None and "attack each other" in sol.error
    trap = engine.solve('{"train": "Ada", "test": "tomorrow"}')  # a family it knows: prose
    assert trap.kind == "text"
