"""Canonical forms of patterns: the rules behind the ``attn.attention``
canonicalization.  Each rule keeps the set of attended pairs unchanged (a
property test checks this on random shapes)."""

from __future__ import annotations

from attn_ir.patterns.base import Pattern
from attn_ir.patterns.families import (
    Causal,
    Dense,
    Global,
    Intersection,
    Union,
    Window,
)


def simplify(pattern: Pattern, nq: int | None = None, nk: int | None = None) -> Pattern:
    """The canonical form of ``pattern`` for sequences of ``nq`` queries and
    ``nk`` keys (rules that need the lengths are skipped when they are None)."""
    match pattern:
        case Union():
            return _simplify_union(pattern, nq, nk)
        case Intersection():
            return _simplify_intersection(pattern, nq, nk)
        case Window():
            return _simplify_window(pattern, nq, nk)
        case Causal(offset=offset) if nk is not None and offset >= nk - 1:
            return Dense()
        case Global(indices=indices) if tuple(sorted(indices)) != indices:
            return Global(tuple(sorted(indices)))
    return pattern


def _simplify_window(w: Window, nq, nk) -> Pattern:
    if len(w.dilation) > 1 and len(set(w.dilation)) == 1:
        w = Window(w.left, w.right, w.dilation[:1])
    if (w.dilation == (1,) and nq is not None and nk is not None
            and w.left >= nq - 1 and w.right >= nk - 1):
        return Dense()
    return w


def _flatten(kind: type, parts, nq, nk) -> list[Pattern]:
    out: list[Pattern] = []
    for p in parts:
        p = simplify(p, nq, nk)
        for q in (p.patterns if isinstance(p, kind) else (p,)):
            if q not in out:
                out.append(q)
    return out


def _simplify_union(u: Union, nq, nk) -> Pattern:
    parts = _flatten(Union, u.patterns, nq, nk)
    if any(isinstance(p, Dense) for p in parts):
        return Dense()
    globals_ = [p for p in parts if isinstance(p, Global)]
    if len(globals_) > 1 or (globals_ and not globals_[0].indices and len(parts) > 1):
        merged = tuple(sorted({g for p in globals_ for g in p.indices}))
        first = parts.index(globals_[0])
        parts = [p for p in parts if not isinstance(p, Global)]
        if merged:
            parts.insert(first, Global(merged))
    return parts[0] if len(parts) == 1 else Union(tuple(parts))


def _within_causal(p: Pattern, c: Causal) -> bool:
    """Whether every pair of p also satisfies c (so c adds nothing)."""
    if isinstance(p, Window):
        return p.right * max(p.dilation) <= c.offset
    if isinstance(p, Causal):
        return p.offset <= c.offset
    return False


def _simplify_intersection(x: Intersection, nq, nk) -> Pattern:
    parts = [p for p in _flatten(Intersection, x.patterns, nq, nk)
             if not isinstance(p, Dense)]
    parts = [p for p in parts if not (isinstance(p, Causal) and any(
        q is not p and _within_causal(q, p) for q in parts))]
    if not parts:
        return Dense()
    return parts[0] if len(parts) == 1 else Intersection(tuple(parts))
