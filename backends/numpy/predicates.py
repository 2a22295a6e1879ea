"""Pattern predicates as NumPy source, generated from pattern objects.

Emitted modules evaluate "does query i attend key j" for partial tiles
without importing attn_ir: each pattern family used gets one small function
(``_attends_window(i, j, left, right, dilation)``, ...) that restates the
family's ``attends`` (``attn_ir.patterns.families``, the definition), and
each pattern instance a function ``_attends_<n>(i, j, head, mask)`` that
calls them with the instance's parameters, formatted from its integers.
Unions and intersections become ``|`` and ``&`` of their children.  Data a
family needs (global tokens, BigBird's chosen random blocks, computed here
with the library's documented generator) becomes module-level array
literals.  Tests check every family against the library on random shapes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from attn_ir import patterns as P
from attn_ir.backends.numpy.literals import array_literal, int_literal
from attn_ir.backends.numpy.names import safe_text

# One function per family: i and j are broadcastable integer index arrays.
FAMILY_FUNCTIONS: dict[str, str] = {
    "dense": '''
def _attends_dense(i, j):
    """#attn.dense: every pair."""
    return np.ones(np.broadcast_shapes(np.shape(i), np.shape(j)), bool)
''',
    "causal": '''
def _attends_causal(i, j, offset):
    """#attn.causal: j <= i + offset."""
    return j <= i + offset
''',
    "window": '''
def _attends_window(i, j, left, right, dilation):
    """#attn.window: j = i + t * dilation for -left <= t <= right."""
    d = j - i
    return (d % dilation == 0) & (d >= -left * dilation) & (d <= right * dilation)
''',
    "window2d": '''
def _attends_window2d(i, j, rows, cols, reach_rows, reach_cols, offset):
    """#attn.window2d: grid tokens offset .. offset + rows * cols - 1 attend
    when their rows differ by <= reach_rows and columns by <= reach_cols."""
    li, lj = i - offset, j - offset
    inside = (li >= 0) & (li < rows * cols) & (lj >= 0) & (lj < rows * cols)
    return (inside & (np.abs(li // cols - lj // cols) <= reach_rows)
            & (np.abs(li % cols - lj % cols) <= reach_cols))
''',
    "global": '''
def _attends_global(i, j, tokens):
    """#attn.global: the tokens attend every key and are attended by every query."""
    return np.isin(i, tokens) | np.isin(j, tokens)
''',
    "block_local": '''
def _attends_block_local(i, j, block, left, right):
    """#attn.block_local: key block within left .. right blocks of the query's."""
    d = j // block - i // block
    return (d >= -left) & (d <= right)
''',
    "random_blocks": '''
def _attends_random_blocks(i, j, block, chosen):
    """#attn.random_blocks: the key block is one chosen for the query block
    (chosen: [query blocks, count], computed at compile time)."""
    i, j = np.broadcast_arrays(i, j)
    picked = chosen[np.clip(i // block, 0, len(chosen) - 1)]
    return (picked == (j // block)[..., None]).any(axis=-1)
''',
    "strided": '''
def _attends_strided(i, j, stride):
    """#attn.strided: causal, i - j < stride or (i - j) % stride == 0."""
    d = i - j
    return (d >= 0) & ((d < stride) | (d % stride == 0))
''',
    "fixed": '''
def _attends_fixed(i, j, stride, summary):
    """#attn.fixed: causal, same block of stride tokens or j one of the last
    summary positions of its block."""
    same_block = j // stride == i // stride
    is_summary = j % stride >= stride - summary
    return (j <= i) & (same_block | is_summary)
''',
    "mask": '''
def _attends_mask(i, j, mask):
    """#attn.mask: the mask operand's [Nq, Nk] data for this batch and head."""
    return mask[i, j]
''',
    "tiles": '''
def _attends_tiles(i, j, block_q, block_k, kinds, bits):
    """#attn.tiles: kinds[query tile, key tile] is -2 (skipped), -1 (full) or
    the number of a partial tile's bitmap in bits [bitmaps, block_q, block_k]."""
    kind = kinds[i // block_q, j // block_k]
    partial = (kind >= 0) & bits[np.maximum(kind, 0), i % block_q, j % block_k]
    return (kind == -1) | partial
''',
}

FAMILY_ORDER = tuple(FAMILY_FUNCTIONS)


@dataclass
class PredicateSource:
    """Source of the predicates of a module's patterns."""

    families: set[str] = field(default_factory=set)
    constants: list[tuple[str, str]] = field(default_factory=list)
    """(name, expression) of module-level arrays, in order."""
    functions: list[str] = field(default_factory=list)

    def family_source(self) -> str:
        return "\n\n".join(FAMILY_FUNCTIONS[f].strip("\n") + "\n"
                            for f in FAMILY_ORDER if f in self.families)

    def add(self, pattern: P.Pattern, nq: int, nk: int, name: str) -> str:
        """Emit ``def <name>(i, j, head, mask)`` for ``pattern`` on ``nq``
        queries and ``nk`` keys; returns the function name."""
        expression = self._expression(pattern, nq, nk, name)
        self.functions.append(
            f"def {name}(i, j, head, mask):\n"
            f'    """{safe_text(str(pattern), 400)} on {nq} queries and {nk} keys."""\n'
            f"    return {expression}\n")
        return name

    def _constant(self, owner: str, what: str, expression: str) -> str:
        name = f"{owner.upper()}_{what}_{len(self.constants)}"
        self.constants.append((name, expression))
        return name

    def _expression(self, pattern: P.Pattern, nq: int, nk: int, owner: str) -> str:
        if not isinstance(pattern, (P.Union, P.Intersection)):
            self.families.add(pattern.mnemonic)
        i = int_literal
        match pattern:
            case P.Dense():
                return "_attends_dense(i, j)"
            case P.Causal(offset=offset):
                return f"_attends_causal(i, j, {i(offset)})"
            case P.Window(left=left, right=right, dilation=dilation):
                if len(dilation) == 1:
                    dil = i(dilation[0])
                else:
                    dil = "(" + ", ".join(i(d) for d in dilation) + ")[head]"
                return f"_attends_window(i, j, {i(left)}, {i(right)}, {dil})"
            case P.Window2D(grid=grid, window=window, offset=offset):
                return (f"_attends_window2d(i, j, {i(grid[0])}, {i(grid[1])}, "
                        f"{i(window[0] // 2)}, {i(window[1] // 2)}, {i(offset)})")
            case P.Global(indices=indices):
                tokens = self._constant(owner, "GLOBAL_TOKENS", array_literal(
                    np.asarray(sorted(set(indices)), np.int64), "int64"))
                return f"_attends_global(i, j, {tokens})"
            case P.BlockLocal(block=block, left=left, right=right):
                return f"_attends_block_local(i, j, {i(block)}, {i(left)}, {i(right)})"
            case P.RandomBlocks(block=block):
                chosen = self._constant(owner, "RANDOM_BLOCKS", array_literal(
                    pattern.chosen(nq, nk), "int64"))
                return f"_attends_random_blocks(i, j, {i(block)}, {chosen})"
            case P.Strided(stride=stride):
                return f"_attends_strided(i, j, {i(stride)})"
            case P.Fixed(stride=stride, summary=summary):
                return f"_attends_fixed(i, j, {i(stride)}, {i(summary)})"
            case P.MaskOperand():
                return "_attends_mask(i, j, mask)"
            case P.Tiles(block=block):
                kinds = self._constant(owner, "TILE_KINDS", array_literal(pattern.kinds, "int32"))
                # One all-clear bitmap when there is none keeps the indexing valid.
                bits = pattern.bits if len(pattern.bits) else np.zeros((1, *block), bool)
                bitmaps = self._constant(owner, "TILE_BITMAPS",
                                         array_literal(bits.astype(np.int8), "bool_"))
                head = "head" if pattern.head_dependent else "0"
                return (f"_attends_tiles(i, j, {i(block[0])}, {i(block[1])}, "
                        f"{kinds}[{head}], {bitmaps})")
            case P.Union(patterns=parts) | P.Intersection(patterns=parts):
                op = " | " if isinstance(pattern, P.Union) else " & "
                return "(" + op.join(self._expression(p, nq, nk, owner) for p in parts) + ")"
        if hasattr(pattern, "as_tiles"):
            # Patterns given as data (fixed masks)
            # are emitted as their explicit tile table.
            return self._expression(pattern.as_tiles(nq, nk), nq, nk, owner)
        raise NotImplementedError(
            f"the NumPy backend has no predicate for #attn.{pattern.mnemonic}")
