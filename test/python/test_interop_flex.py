"""FlexAttention interop: BlockMasks built from patterns equal
``create_block_mask``'s bit for bit and give the same outputs as it and as
the reference oracle, for every pattern family; mask_mods equal the
patterns' predicates; ``from_mask_mod`` gives back patterns (closed forms
where it recognises them) that the rest of attn_ir compiles."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")
flex_attention_module = pytest.importorskip("torch.nn.attention.flex_attention")

import attn_ir  # noqa: E402
from attn_ir import patterns as P  # noqa: E402
from attn_ir import reference  # noqa: E402
from attn_ir.builder import attention  # noqa: E402
from attn_ir.interop import flex  # noqa: E402
from attn_ir.dialects.attn import parse_pattern

from conftest import FAMILIES, cases  # noqa: E402

create_block_mask = flex_attention_module.create_block_mask
flex_attention = flex_attention_module.flex_attention

# Eager flex_attention warns that it is not compiled; the tests want eager.
pytestmark = pytest.mark.filterwarnings("ignore:flex_attention called without torch.compile")

B, H, NQ, NK, BLOCK = 2, 2, 100, 90, 16
"""Ragged against the block size: the last query and key blocks are short."""

MASK = np.random.default_rng(5).random((B, 1, NQ, NK)) < 0.3

PATTERNS = {
    "dense": P.Dense(),
    "causal": P.Causal(),
    "causal-empty-rows": P.Causal(-3),
    "window": P.Window(5, 3),
    "window-dilated-per-head": P.Window(2, 2, (1, 3)),
    "window2d": P.Window2D((8, 10), (3, 5), offset=3),
    "global": P.Global((0, 37)),
    "block-local": P.BlockLocal(16, 1, 0),
    "random-blocks": P.RandomBlocks(12, 2, seed=3),
    "strided": P.Strided(7),
    "fixed": P.Fixed(16, 3),
    "mask": P.MaskOperand(),
    "tiles": P.Tiles.from_mask(np.random.default_rng(0).random((NQ, NK)) < 0.2, (16, 8)),
    "tiles-per-head": P.Tiles.from_mask(np.random.default_rng(1).random((H, NQ, NK)) < 0.1,
                                        (10, 10)),
    "union": P.Union((P.Window(4, 4), P.Global((0,)), P.RandomBlocks(20, 1, 2))),
    "intersect": P.Intersection((P.Causal(), P.Window(9, 9, (1, 2)))),
    "nested": P.Union((P.Intersection((P.Causal(), P.Strided(3))), P.MaskOperand())),
}

TABLES = ("kv_num_blocks", "kv_indices", "full_kv_num_blocks", "full_kv_indices",
          "q_num_blocks", "q_indices", "full_q_num_blocks", "full_q_indices")


def _mask_of(p):
    return MASK if p.uses_mask else None


def _dense(p, b: int = 0) -> np.ndarray:
    """[H, NQ, NK] of the pattern for batch b."""
    return np.stack([p.dense_mask(NQ, NK, h, MASK[b, 0] if p.uses_mask else None)
                     for h in range(H)])


def test_every_family_is_exported():
    assert {q.mnemonic for p in PATTERNS.values() for q in p.walk()} == set(FAMILIES)


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_block_tables_match_create_block_mask(name):
    """kv/full tables (and the q tables derived from them) equal
    create_block_mask's on the same mask_mod, bit for bit."""
    p = PATTERNS[name]
    ours = flex.to_block_mask(p, B, H, NQ, NK, block_size=BLOCK, mask=_mask_of(p))
    theirs = create_block_mask(flex.mask_mod(p, NQ, NK, _mask_of(p)), B, H, NQ, NK,
                               device="cpu", BLOCK_SIZE=BLOCK)
    for table in TABLES:
        a, b = getattr(ours, table), getattr(theirs, table)
        assert a.dtype == b.dtype == torch.int32, table
        assert torch.equal(a, b), table
    assert ours.seq_lengths == theirs.seq_lengths == (NQ, NK)
    assert ours.BLOCK_SIZE == theirs.BLOCK_SIZE == (BLOCK, BLOCK)


def _token_map(num: torch.Tensor, indices: torch.Tensor) -> torch.Tensor:
    """[B, H, NQ, NK] bool: the pairs of the first num[b, h, r] blocks of
    indices[b, h, r] (each row of indices lists every KV block once)."""
    listed = torch.arange(indices.shape[-1]) < num[..., None]
    blocks = torch.zeros(indices.shape, dtype=torch.bool).scatter_(-1, indices.long(), listed)
    return blocks.repeat_interleave(BLOCK, -2).repeat_interleave(BLOCK, -1)[..., :NQ, :NK]


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_tables_and_mask_mod_give_the_pattern(name):
    """What a block-sparse kernel computes from our BlockMask (full blocks,
    plus mask_mod inside partial blocks) is the pattern, pair by pair."""
    p = PATTERNS[name]
    bm = flex.to_block_mask(p, B, H, NQ, NK, block_size=BLOCK, mask=_mask_of(p))
    fn = flex.mask_mod(p, NQ, NK, _mask_of(p))
    full = _token_map(bm.full_kv_num_blocks, bm.full_kv_indices)
    partial = _token_map(bm.kv_num_blocks, bm.kv_indices)
    b, h = torch.arange(B)[:, None, None, None], torch.arange(H)[None, :, None, None]
    q, kv = torch.arange(NQ)[:, None], torch.arange(NK)[None, :]
    got = (full | (partial & fn(b, h, q, kv))).numpy()
    for bb in range(B):
        np.testing.assert_array_equal(got[bb], _dense(p, bb))


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_flex_attention_outputs(name):
    """flex_attention with our BlockMask equals it with create_block_mask's
    and equals attn_ir's reference oracle (rows that attend nothing: 0)."""
    p = PATTERNS[name]
    rng = np.random.default_rng(1)
    q, k, v = (rng.standard_normal((B, H, n, 8)) for n in (NQ, NK, NK))
    ours = flex.to_block_mask(p, B, H, NQ, NK, block_size=BLOCK, mask=_mask_of(p))
    theirs = create_block_mask(flex.mask_mod(p, NQ, NK, _mask_of(p)), B, H, NQ, NK,
                               device="cpu", BLOCK_SIZE=BLOCK)
    t = [torch.from_numpy(x) for x in (q, k, v)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out_ours = flex_attention(*t, block_mask=ours).numpy()
        out_theirs = flex_attention(*t, block_mask=theirs).numpy()
    np.testing.assert_array_equal(out_ours, out_theirs)
    expected = reference.attention(q, k, v, p, mask=_mask_of(p))
    np.testing.assert_allclose(out_ours, expected, rtol=1e-10, atol=1e-12)


def test_block_mask_shapes_and_broadcasting():
    """B or H None gives size-1 dimensions, as create_block_mask does; the
    pattern may be given as IR text; block sizes may differ."""
    text = "#attn.union<[#attn.window<left = 3, right = 3>, #attn.global<[0]>]>"
    bm = flex.to_block_mask(text, None, None, 64, 48, block_size=(16, 8))
    theirs = create_block_mask(flex.mask_mod(parse_pattern(text), 64, 48), None, None, 64, 48,
                               device="cpu", BLOCK_SIZE=(16, 8))
    assert bm.kv_num_blocks.shape == (1, 1, 4)
    assert bm.kv_indices.shape == (1, 1, 4, 6)
    for table in TABLES:
        assert torch.equal(getattr(bm, table), getattr(theirs, table)), table


def test_bad_arguments():
    with pytest.raises(P.PatternError, match="out of range"):
        flex.to_block_mask(P.Global((70,)), 1, 1, 64, 64, block_size=16)
    with pytest.raises(P.PatternError, match="mask="):
        flex.to_block_mask(P.MaskOperand(), 1, 1, 64, 64)
    with pytest.raises(ValueError, match="does not broadcast"):
        flex.to_block_mask(P.MaskOperand(), 2, 1, 64, 64, mask=np.ones((3, 1, 64, 64), bool))
    with pytest.raises(ValueError, match="positive"):
        flex.to_block_mask(P.Dense(), 1, 1, 64, 64, block_size=0)


@given(st.data())
@settings(max_examples=60, deadline=None)
def test_mask_mod_equals_attends(data):
    """mask_mod on broadcast indices and under FlexAttention's vmap (as
    create_mask evaluates it) equals the pattern's attends, every family."""
    family = data.draw(st.sampled_from(FAMILIES))
    nq, nk, heads, p, mask = data.draw(cases(family, max_n=40))
    mask4 = None if mask is None else mask[None]
    fn = flex.mask_mod(p, nq, nk, mask4)
    expected = np.stack([p.dense_mask(nq, nk, h, None if mask is None else mask[h])
                         for h in range(heads)])
    h = torch.arange(heads)[:, None, None]
    broadcast = fn(torch.tensor(0), h, torch.arange(nq)[:, None], torch.arange(nk)[None, :])
    np.testing.assert_array_equal(broadcast.broadcast_to(expected.shape).numpy(), expected)
    vmapped = flex_attention_module.create_mask(fn, 1, heads, nq, nk, device="cpu")
    np.testing.assert_array_equal(vmapped[0].numpy(), expected)


# -- from_mask_mod -------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(n for n, p in PATTERNS.items() if not p.uses_mask))
def test_from_mask_mod_round_trip(name):
    """A mask_mod evaluated tile by tile gives back the pattern's pairs; the
    mask_mods made here carry their pattern."""
    p = PATTERNS[name]
    fn = flex.mask_mod(p, NQ, NK)
    assert flex.from_mask_mod(fn, NQ, NK, H=H, block_size=BLOCK) == p
    explicit = flex.from_mask_mod(fn, NQ, NK, H=H, block_size=BLOCK, recognise=False)
    explicit.validate(NQ, NK, H)
    assert isinstance(explicit, P.Tiles)
    assert explicit.head_dependent == (not all(
        np.array_equal(p.dense_mask(NQ, NK, 0), p.dense_mask(NQ, NK, h)) for h in range(H)))
    for h in range(H):
        np.testing.assert_array_equal(explicit.dense_mask(NQ, NK, h), p.dense_mask(NQ, NK, h))
    assert parse_pattern(str(explicit)) == explicit


@pytest.mark.parametrize("fn, expected", [
    (lambda b, h, q, kv: q >= kv, P.Causal()),
    (lambda b, h, q, kv: kv <= q + 5, P.Causal(5)),
    (lambda b, h, q, kv: (q - kv).abs() <= 7, P.Window(7, 7)),
    (lambda b, h, q, kv: (q - kv >= 0) & (q - kv < 12), P.Window(12 - 1, 0)),
    (lambda b, h, q, kv: (kv >= q - 20), P.Window(20, 89)),
    (lambda b, h, q, kv: q >= 0, P.Dense()),
])
def test_from_mask_mod_recognises_closed_forms(fn, expected):
    got = flex.from_mask_mod(fn, NQ, NK, block_size=BLOCK)
    assert got == expected
    np.testing.assert_array_equal(got.dense_mask(NQ, NK),
                                  flex.from_mask_mod(fn, NQ, NK, block_size=BLOCK,
                                                     recognise=False).dense_mask(NQ, NK))


def _document_mask_mod(lengths):
    """A FlexAttention document mask with a lookup tensor, written as
    FlexAttention users write it (scalar indices under vmap)."""
    document = torch.repeat_interleave(torch.arange(len(lengths)), torch.tensor(lengths))

    def mask_mod(b, h, q_idx, kv_idx):
        return (document[q_idx] == document[kv_idx]) & (q_idx >= kv_idx)
    return mask_mod


def test_from_mask_mod_document_mask_compiles():
    """A mask_mod with no closed form becomes #attn.tiles, whose IR parses,
    verifies and runs on the NumPy backend like the reference."""
    fn = _document_mask_mod([30, 45, 25])
    p = flex.from_mask_mod(fn, 100, 100, block_size=16)
    assert isinstance(p, P.Tiles)
    q_idx, kv_idx = torch.arange(100)[:, None], torch.arange(100)[None, :]
    document = torch.repeat_interleave(torch.arange(3), torch.tensor([30, 45, 25]))
    expected = ((document[q_idx] == document[kv_idx]) & (q_idx >= kv_idx)).numpy()
    np.testing.assert_array_equal(p.dense_mask(100, 100), expected)
    module = attention((1, 2, 100, 8), (1, 2, 100, 8), pattern=p)
    rng = np.random.default_rng(2)
    q, k, v = (rng.standard_normal((1, 2, 100, 8)).astype(np.float32) for _ in range(3))
    out = attn_ir.compile(module)(q, k, v)
    np.testing.assert_allclose(out, reference.attention(q, k, v, p), rtol=1e-4, atol=1e-5)
    # The explicit table goes back to FlexAttention as create_block_mask would build it.
    ours = flex.to_block_mask(p, 1, 1, 100, 100, block_size=16)
    theirs = create_block_mask(fn, 1, 1, 100, 100, device="cpu", BLOCK_SIZE=16)
    for table in TABLES:
        assert torch.equal(getattr(ours, table), getattr(theirs, table)), table


def test_from_mask_mod_in_chunks(monkeypatch):
    """Evaluating a few rows of tiles at a time gives the same table."""
    fn = _document_mask_mod([17, 40, 43])
    whole = flex.from_mask_mod(fn, 100, 90, block_size=(8, 16))
    monkeypatch.setattr(flex, "EVALUATION_CHUNK", 1)
    assert flex.from_mask_mod(fn, 100, 90, block_size=(8, 16)) == whole


def test_from_mask_mod_per_head():
    """Heads that differ get one table each; a per-head window stays exact."""
    def fn(b, h, q, kv):
        return (q - kv).abs() <= 2 + 5 * h
    p = flex.from_mask_mod(fn, 64, 64, H=3, block_size=16)
    assert isinstance(p, P.Tiles) and p.num_table_heads == 3
    p.validate(64, 64, 3)
    for h in range(3):
        np.testing.assert_array_equal(p.dense_mask(64, 64, h),
                                      P.Window(2 + 5 * h, 2 + 5 * h).dense_mask(64, 64))
