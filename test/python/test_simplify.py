"""The canonicalization rules of ``attn_ir.patterns.simplify``: each keeps
the set of attended pairs, and each does what it says."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings

from attn_ir.patterns import (
    BlockLocal,
    Causal,
    Dense,
    Fixed,
    Global,
    Intersection,
    MaskOperand,
    Strided,
    Union,
    Window,
    simplify,
)
from conftest import cases


def _same_pairs(a, b, nq, nk, heads, mask):
    for head in range(heads):
        m = None if mask is None else mask[head]
        np.testing.assert_array_equal(a.dense_mask(nq, nk, head, m),
                                      b.dense_mask(nq, nk, head, m))


@settings(max_examples=150, deadline=None)
@given(cases())
def test_simplify_keeps_semantics(case):
    nq, nk, heads, p, mask = case
    s = simplify(p, nq, nk)
    s.validate(nq, nk, heads)
    _same_pairs(s, p, nq, nk, heads, mask)
    # Without the lengths only the shape-independent rules apply.
    _same_pairs(simplify(p), p, nq, nk, heads, mask)
    # The canonical form is a fixed point.
    assert simplify(s, nq, nk) == s
    assert p.uses_mask or not s.uses_mask


@settings(max_examples=100, deadline=None)
@given(cases("union"))
def test_simplify_union_semantics(case):
    nq, nk, heads, p, mask = case
    _same_pairs(simplify(p, nq, nk), p, nq, nk, heads, mask)


@settings(max_examples=100, deadline=None)
@given(cases("intersect"))
def test_simplify_intersection_semantics(case):
    nq, nk, heads, p, mask = case
    _same_pairs(simplify(p, nq, nk), p, nq, nk, heads, mask)


W = Window(2, 2)


@pytest.mark.parametrize("p, nq, nk, expected", [
    # Nested unions and intersections are flattened.
    (Union((Union((Causal(), W)), Global((0,)))), 64, 64,
     Union((Causal(), W, Global((0,))))),
    (Union((Causal(), Union((W, Union((Strided(4),)))))), 64, 64,
     Union((Causal(), W, Strided(4)))),
    (Intersection((Intersection((W, MaskOperand())), Fixed(4, 1))), 64, 64,
     Intersection((W, MaskOperand(), Fixed(4, 1)))),
    # ... but a union inside an intersection is not (and vice versa).
    (Intersection((Union((W, Causal(-1))), MaskOperand())), 64, 64,
     Intersection((Union((W, Causal(-1))), MaskOperand()))),
    # Duplicates are dropped, first occurrence kept.
    (Union((Causal(), W, Causal())), 64, 64, Union((Causal(), W))),
    (Union((W, Union((W,)))), 64, 64, W),
    (Intersection((W, MaskOperand(), W)), 64, 64, Intersection((W, MaskOperand()))),
    # A union with Dense is Dense, at any depth.
    (Union((W, Dense())), 64, 64, Dense()),
    (Union((W, Union((Causal(), Dense())))), 64, 64, Dense()),
    (Union((W, Intersection((Dense(),)))), 64, 64, Dense()),
    # An intersection with Dense is the other part.
    (Intersection((Dense(), W)), 64, 64, W),
    (Intersection((W, Dense(), Dense())), 64, 64, W),
    (Intersection((Dense(),)), 64, 64, Dense()),
    (Intersection((Dense(), BlockLocal(8), Union((Dense(), W)))), 64, 64, BlockLocal(8)),
    # A window covering every pair is Dense; one that does not stays.
    (Window(63, 63), 64, 64, Dense()),
    (Window(100, 100), 64, 64, Dense()),
    (Window(9, 39), 10, 40, Dense()),
    (Window(39, 9), 40, 10, Dense()),
    (Window(62, 63), 64, 64, Window(62, 63)),
    (Window(63, 62), 64, 64, Window(63, 62)),
    (Window(8, 39), 10, 40, Window(8, 39)),
    (Window(63, 63, (2,)), 64, 64, Window(63, 63, (2,))),
    # Per-head dilations that agree are one dilation.
    (Window(3, 3, (2, 2, 2)), 64, 64, Window(3, 3, (2,))),
    (Window(63, 63, (1, 1)), 64, 64, Dense()),
    (Window(3, 3, (1, 2)), 64, 64, Window(3, 3, (1, 2))),
    # Causal intersected with a window that never looks ahead is the window.
    (Intersection((Causal(), Window(8, 0))), 64, 64, Window(8, 0)),
    (Intersection((Window(8, 0), Causal())), 64, 64, Window(8, 0)),
    (Intersection((Causal(2), Window(8, 1, (2,)))), 64, 64, Window(8, 1, (2,))),
    (Intersection((Causal(), Window(8, 1))), 64, 64,
     Intersection((Causal(), Window(8, 1)))),
    (Intersection((Causal(1), Window(8, 1, (2,)))), 64, 64,
     Intersection((Causal(1), Window(8, 1, (2,))))),
    (Intersection((Causal(), Causal(-2))), 64, 64, Causal(-2)),
    (Intersection((Causal(-2), Causal(3), MaskOperand())), 64, 64,
     Intersection((Causal(-2), MaskOperand()))),
    # Causal with an offset reaching the last key is Dense.
    (Causal(63), 64, 64, Dense()),
    (Causal(63), 10, 64, Dense()),
    (Causal(9), 64, 10, Dense()),
    (Causal(100), 64, 64, Dense()),
    (Causal(62), 64, 64, Causal(62)),
    (Causal(8), 64, 10, Causal(8)),
    (Intersection((Causal(63), W)), 64, 64, W),
    # Global indices are sorted.
    (Global((17, 0, 5)), 64, 64, Global((0, 5, 17))),
    (Global((0, 5)), 64, 64, Global((0, 5))),
    # Several globals in a union are merged, at the first one's place.
    (Union((W, Global((5,)), Causal(-1), Global((1, 3)))), 64, 64,
     Union((W, Global((1, 3, 5)), Causal(-1)))),
    (Union((Global((2, 1)), Union((Global((1, 4)),)))), 64, 64, Global((1, 2, 4))),
    (Union((Global(()), W)), 64, 64, W),
    # Patterns with nothing to simplify are unchanged.
    (W, 64, 64, W),
    (Causal(-3), 64, 64, Causal(-3)),
    (MaskOperand(), 64, 64, MaskOperand()),
    (Union((W, Strided(8))), 64, 64, Union((W, Strided(8)))),
])
def test_rule(p, nq, nk, expected):
    s = simplify(p, nq, nk)
    assert s == expected, f"{p} -> {s}, expected {expected}"
    mask = np.random.default_rng(0).random((1, nq, nk)) < 0.5
    _same_pairs(s, p, nq, nk, 1, mask)


@pytest.mark.parametrize("p", [Window(63, 63), Causal(63),
                               Union((Window(63, 63), Causal()))])
def test_length_rules_need_lengths(p):
    """Without the lengths, rules that depend on them do not fire."""
    assert simplify(p) == p
    assert simplify(p, 64, 64) != p


def test_union_of_globals_without_lengths():
    assert simplify(Union((Global((3,)), Global((1,))))) == Global((1, 3))
