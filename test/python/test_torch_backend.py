"""The torch backend on CPU at small sizes (CUDA tests are skipped without a
GPU): arithmetic mask_mods equal the pattern library, block masks built
from tile tables are the pattern's (as the fused kernel reads them), and
compiled modules equal the reference, Sparse Flash Attention included."""

from __future__ import annotations

import re

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import attn_ir  # noqa: E402
from attn_ir import reference  # noqa: E402
from attn_ir.reference import sparse_flash as SF  # noqa: E402
from attn_ir.backends.torch import block_masks  # noqa: E402
from attn_ir.interop import flex  # noqa: E402
from attn_ir.builder import attention  # noqa: E402
from attn_ir.builder.sparse_flash import hash_attention, qk_drop_attention  # noqa: E402
from attn_ir.dialects.tile import tile_tables  # noqa: E402
from attn_ir.reference.oracle import reference_outputs  # noqa: E402
from attn_ir.pipeline import print_module  # noqa: E402
from attn_ir.dialects.attn import parse_pattern

cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")

N = 96
PATTERNS = [
    "#attn.dense",
    "#attn.causal",
    "#attn.causal<offset = -3>",
    "#attn.window<left = 5, right = 2>",
    "#attn.window<left = 2, right = 3, dilation = 3>",
    "#attn.window2d<grid = [8, 10], window = [3, 5], offset = 4>",
    "#attn.global<[0, 7, 8, 9, 50]>",
    "#attn.block_local<block = 16, left = 1, right = 0>",
    "#attn.random_blocks<block = 16, count = 2, seed = 4>",
    "#attn.strided<stride = 10>",
    "#attn.fixed<stride = 16, summary = 3>",
    "#attn.union<[#attn.window<left = 4, right = 4>, #attn.global<[0]>]>",
    "#attn.intersect<[#attn.causal, #attn.window<left = 20, right = 0>]>",
    # More runs of global tokens than are compared inline: the lookup path.
    "#attn.global<[" + ", ".join(str(2 * i) for i in range(20)) + "]>",
]
PER_HEAD = "#attn.window<left = 2, right = 2, dilation = [1, 2, 3]>"


def indices(heads: int):
    h = torch.arange(heads)[:, None, None]
    q = torch.arange(N)[None, :, None]
    kv = torch.arange(N)[None, None, :]
    return torch.zeros(()), h, q, kv


@pytest.mark.parametrize("text", PATTERNS + [PER_HEAD])
def test_mask_mod_equals_the_pattern(text):
    pattern = parse_pattern(text)
    heads = 3
    b, h, q, kv = indices(heads)
    got = flex.pattern_mask_mod(pattern, N, N)(b.long(), h, q, kv)
    got = torch.broadcast_to(got, (heads, N, N)).numpy()
    for head in range(heads):
        np.testing.assert_array_equal(got[head], pattern.dense_mask(N, N, head))


def test_mask_mod_of_closed_forms_reads_no_tensor():
    """Global tokens as comparisons: the function captures no tensor."""
    mm = flex.pattern_mask_mod(parse_pattern(PATTERNS[11]), N, N)

    def captured(fn, seen=None):
        seen = seen if seen is not None else set()
        for cell in fn.__closure__ or ():
            value = cell.cell_contents
            if isinstance(value, torch.Tensor):
                return True
            if callable(value) and id(value) not in seen:
                seen.add(id(value))
                if captured(value, seen):
                    return True
            if isinstance(value, list) and any(callable(x) and captured(x, seen)
                                               for x in value):
                return True
        return False

    assert not captured(mm)
    assert captured(flex.pattern_mask_mod(parse_pattern(PATTERNS[8]), N, N))


def test_runs_of_indices():
    assert flex.runs_of([5, 0, 1, 2, 9, 10]) == [(0, 2), (5, 5), (9, 10)]


def kernel_view(bm, nq: int, nk: int, heads: int) -> np.ndarray:
    """[H, Nq, Nk]: the pairs a fused FlexAttention kernel computes from a
    BlockMask: full blocks whole, partial blocks through the mask_mod,
    other blocks never (FlexAttention's eager path ignores the blocks)."""
    bq, bk = bm.BLOCK_SIZE
    out = np.zeros((heads, nq, nk), bool)
    for h in range(heads):
        for t in range(bm.kv_num_blocks.shape[2]):
            rows = torch.arange(t * bq, min(nq, t * bq + bq))
            for kind, num, idx in (("partial", bm.kv_num_blocks, bm.kv_indices),
                                   ("full", bm.full_kv_num_blocks, bm.full_kv_indices)):
                for kt in idx[0, h, t, : num[0, h, t]].tolist():
                    cols = torch.arange(kt * bk, min(nk, kt * bk + bk))
                    if kind == "full":
                        hit = np.ones((len(rows), len(cols)), bool)
                    else:
                        hit = torch.broadcast_to(bm.mask_mod(
                            torch.tensor(0), torch.tensor(h), rows[:, None], cols[None, :]),
                            (len(rows), len(cols))).numpy()
                    assert not out[h][np.ix_(rows.numpy(), cols.numpy())].any(), \
                        "a block is listed twice"
                    out[h][np.ix_(rows.numpy(), cols.numpy())] = hit
    return out


@pytest.mark.parametrize("text", PATTERNS + [PER_HEAD])
@pytest.mark.parametrize("blocks", [(16, 16), (32, 16), (24, 40)])
def test_block_mask_from_tile_tables_is_the_pattern(text, blocks):
    pattern = parse_pattern(text)
    heads = 3
    bq, bk = blocks
    tables = tile_tables(pattern, N, N, heads, bq, bk)
    mm = flex.pattern_mask_mod(pattern, N, N)
    bm = block_masks.from_tables(tables, 1, heads, N, N, bq, bk, mm, "cpu")
    got = kernel_view(bm, N, N, heads)
    for head in range(heads):
        np.testing.assert_array_equal(got[head], pattern.dense_mask(N, N, head))


def test_block_mask_equals_flex_interop():
    """The same tables as attn_ir.interop.flex.to_block_mask."""
    from attn_ir.interop.flex import to_block_mask

    pattern = parse_pattern(PATTERNS[11])
    tables = tile_tables(pattern, N, N, 2, 16, 16)
    ours = block_masks.from_tables(tables, 1, 2, N, N, 16, 16, None, "cpu")
    theirs = to_block_mask(pattern, 1, 2, N, N, 16)
    for name in ("kv_num_blocks", "kv_indices", "full_kv_num_blocks", "full_kv_indices"):
        assert torch.equal(getattr(ours, name), getattr(theirs, name)), name


def qkv(shape, seed=0, dtype=np.float32):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape).astype(dtype) for _ in range(3)]


@pytest.mark.parametrize("text", PATTERNS + [PER_HEAD])
def test_compiled_module_equals_reference(text):
    module = attention((2, 3, N, 8), (2, 3, N, 8), pattern=text)
    f = attn_ir.compile(module, backend="torch", device="cpu",
                        pipeline="attn-decompose,attn-fuse{passes=1},attn-tile{q=16 k=16},"
                                 "attn-split-parts{ratio=2}")
    q, k, v = qkv((2, 3, N, 8))
    want = reference.attention(q, k, v, parse_pattern(text), None, 8 ** -0.5, dtype=np.float64)
    got = f(q, k, v)
    assert isinstance(got, np.ndarray) and got.dtype == np.float32
    np.testing.assert_allclose(got, want, atol=2e-6)


def test_default_pipeline_splits_long_stragglers_and_takes_torch_tensors():
    """The global row's query tile is split off where it visits at least
    SPLIT_MIN_KEYS keys more than the others (16384 tokens), not at 2048."""
    from attn_ir.backends.torch.backend import SPLIT_MIN_KEYS

    text = "#attn.union<[#attn.window<left = 16, right = 16>, #attn.global<[0]>]>"
    long = attn_ir.compile(attention((1, 2, 16384, 16), (1, 2, 16384, 16), pattern=text),
                           backend="torch", device="cpu")
    assert long.pipeline.endswith(f"attn-split-parts{{min_keys={SPLIT_MIN_KEYS}}}")
    assert "only_rows = array<i64: 0>" in print_module(long.module)
    n = 2048
    f = attn_ir.compile(attention((1, 2, n, 16), (1, 2, n, 16), pattern=text),
                        backend="torch", device="cpu")
    assert "tile.attention_part" not in print_module(f.module)
    q, k, v = (torch.from_numpy(x) for x in qkv((1, 2, n, 16), seed=3))
    got = f(q, k, v)
    assert isinstance(got, torch.Tensor)
    want = reference.attention(q.numpy(), k.numpy(), v.numpy(), parse_pattern(text), None,
                               0.25, dtype=np.float64)
    np.testing.assert_allclose(got.numpy(), want, atol=2e-6)


def test_block_patterns_and_narrow_bands_get_64_tiles():
    from attn_ir.backends.torch.backend import TorchBackend
    from attn_ir.presets.core import bigbird_pattern, longformer_pattern

    backend = TorchBackend(device="cpu")
    bigbird = attention((1, 2, 1024, 8), (1, 2, 1024, 8), pattern=bigbird_pattern(0, 1024))
    assert "attn-tile{q=64 k=64}" in backend.default_pipeline(bigbird)
    lf = attention((1, 2, 1024, 8), (1, 2, 1024, 8), pattern=longformer_pattern(0, 1024))
    assert "attn-tile{q=64 k=64}" in backend.default_pipeline(lf)
    wide = attention((1, 2, 4096, 8), (1, 2, 4096, 8),
                     pattern="#attn.window<left = 2048, right = 0>")
    assert "attn-tile{q=128 k=128}" in backend.default_pipeline(wide)
    causal = attention((1, 2, 1024, 8), (1, 2, 1024, 8), pattern="#attn.causal")
    assert "attn-tile{q=128 k=128}" in backend.default_pipeline(causal)
    f = attn_ir.compile(bigbird, backend="torch", device="cpu")
    q, k, v = qkv((1, 2, 1024, 8), seed=3)
    want = reference.attention(q, k, v, bigbird_pattern(0, 1024), None, 8 ** -0.5,
                               dtype=np.float64)
    np.testing.assert_allclose(f(q, k, v), want, atol=2e-6)


def test_mask_operand():
    rng = np.random.default_rng(5)
    module = attention((1, 2, N, 8), (1, 2, N, 8),
                       pattern="#attn.intersect<[#attn.mask, #attn.causal]>",
                       mask_shape=(1, 2, N, N))
    f = attn_ir.compile(module, backend="torch", device="cpu")
    q, k, v = qkv((1, 2, N, 8), seed=6)
    mask = rng.random((1, 2, N, N)) < 0.3
    (want,) = reference_outputs(module, "attention", [q, k, v, mask])
    np.testing.assert_allclose(f(q, k, v, mask), want, atol=2e-6)


def test_bf16_runs_in_bf16():
    text = PATTERNS[11]
    f = attn_ir.compile(attention((1, 2, N, 8), (1, 2, N, 8), pattern=text, dtype="bf16"),
                        backend="torch", device="cpu")
    q, k, v = (torch.from_numpy(x).bfloat16() for x in qkv((1, 2, N, 8), seed=7))
    got = f(q, k, v)
    assert got.dtype == torch.bfloat16
    want = reference.attention(*(x.float().numpy() for x in (q, k, v)), parse_pattern(text), None,
                               8 ** -0.5, dtype=np.float64)
    assert np.abs(got.float().numpy() - want).max() < 2e-2


@pytest.mark.parametrize("build", [
    lambda: hash_attention((1, 2, 80, 8), buckets=4, seed=3),
    lambda: qk_drop_attention((2, 2, 80, 8), keep_q=50, keep_k=40, seed=1),
    lambda: qk_drop_attention((1, 2, 80, 8), keep_q=30, keep_k=60, keep_operands=True),
], ids=["hash", "qk-drop", "keep-operands"])
@pytest.mark.parametrize("shuffled", [False, True])
def test_sparse_flash_equals_reference(build, shuffled):
    """Keep lists in any order: an unsorted key list is sorted at run time."""
    module = build()
    fn_name = next(iter(op.sym_name.data for op in module.ops))
    f = attn_ir.compile(module, backend="torch", device="cpu",
                        pipeline="attn-tile{q=16 k=16}")
    assert "tile.indexed_attention" in print_module(f.module)
    args = qkv((module.ops.first.body.block.args[0].type.get_shape()), seed=8)
    if len(f.arguments) == 5:
        b, h = args[0].shape[:2]
        keep = [SF.keep_random(b, h, 80, 30, 11), SF.keep_random(b, h, 80, 60, 12)]
        if shuffled:
            keep = [np.random.default_rng(4).permuted(x, axis=-1) for x in keep]
        args += keep
    elif shuffled:
        pytest.skip("compile-time keep lists are always in order")
    (want,) = reference_outputs(module, fn_name, args)
    np.testing.assert_allclose(f(*args), want, atol=2e-6)


def run_time_cases():
    """(q positions, k positions, q buckets, k buckets) of slots as the
    compaction leaves them: hash attention (sorted by bucket) and QK-drop
    (ascending keep lists), ragged against the 16-tiles."""
    rng = np.random.default_rng(9)
    x = rng.standard_normal((1, 2, 150, 8))
    order, sorted_buckets = SF.sort_by_bucket(SF.hash_buckets(x, 2, 0))
    k_order, k_sorted = SF.sort_by_bucket(SF.hash_buckets(x[:, :, :123], 2, 0))
    keep_q, keep_k = SF.keep_random(1, 2, 150, 95, 2), SF.keep_random(1, 2, 150, 87, 3)
    return [(order, order, sorted_buckets, sorted_buckets),
            (order, k_order, sorted_buckets, k_sorted),
            (keep_q, keep_k, None, None)]


@pytest.mark.parametrize("case", range(3))
def test_run_time_block_mask_is_the_predicate(case):
    """What a fused kernel computes from the run-time BlockMask (full tiles
    whole, the range mask_mod inside partial ones) is Sparse Flash's
    predicate pair by pair, and it visits no tile that tile_classes skips."""
    from attn_ir.backends.torch.sparse_flash import range_blocks, row_ranges

    qp, kp, qb, kb = run_time_cases()[case]
    mq, mk = qp.shape[-1], kp.shape[-1]
    t = [None if a is None else torch.as_tensor(a, dtype=torch.int64) for a in (qp, kp, qb, kb)]
    lo, hi = row_ranges(*t)
    tables = range_blocks(lo, hi, 16, 16, mk)
    bm = block_masks.from_device_tables(
        *tables, 16, 16, mq, mk,
        lambda b, h, q, kv: (kv >= lo[b, h, q]) & (kv < hi[b, h, q]), backward=True)
    got = kernel_view(bm, mq, mk, 2)
    want = (qp[0][:, :, None] >= 0) & (kp[0][:, None, :] >= 0) & (
        kp[0][:, None, :] <= qp[0][:, :, None])
    if qb is not None:
        want &= qb[0][:, :, None] == kb[0][:, None, :]
    np.testing.assert_array_equal(got, want)
    assert want.sum() > 0 and (~want).sum() > 0
    kv_num, kv_idx, full_num, full_idx = (x.numpy() for x in tables)
    classes = SF.tile_classes(qp, kp, qb, kb, 16, 16)[0]
    for h in range(2):
        for tq in range(classes.shape[1]):
            visited = list(kv_idx[0, h, tq, :kv_num[0, h, tq]]) + list(
                full_idx[0, h, tq, :full_num[0, h, tq]])
            assert all(classes[h, tq, kt] != SF.SKIPPED for kt in visited)
    # Some tiles are full (no mask work) and some are skipped.
    assert full_num.sum() > 0 and (kv_num + full_num).sum() < kv_num.size * classes.shape[-1]


def test_attn_run_cli(tmp_path):
    from click.testing import CliRunner

    from attn_ir.cli.run import main

    path = tmp_path / "lf.mlir"
    path.write_text(print_module(attention((1, 2, N, 8), (1, 2, N, 8), pattern=PATTERNS[11])))
    result = CliRunner().invoke(main, [str(path), "--backend", "torch", "--device", "cpu",
                                       "--check"])
    assert result.exit_code == 0, result.output
    assert "device" in result.output and ": ok" in result.output
    bad = CliRunner().invoke(main, [str(path), "--backend", "torch", "--device", "tpu"])
    assert bad.exit_code == 1 and "device" in bad.output and "Traceback" not in bad.output


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is present")
def test_cuda_without_gpu_is_one_line_error():
    from attn_ir.api import CompileError

    with pytest.raises(CompileError, match="no CUDA GPU"):
        attn_ir.compile(attention((1, 1, 16, 8), (1, 1, 16, 8)), backend="torch",
                        device="cuda")


# -- on a GPU -----------------------------------------------------------------


def plain_bf16(q, k, v, mask_np):
    """A plain PyTorch bf16 attention (the numerical rule's peer)."""
    s = (q @ k.transpose(-1, -2)) * q.shape[-1] ** -0.5
    s = s.masked_fill(~mask_np, float("-inf"))
    return torch.softmax(s, dim=-1) @ v


@cuda
@pytest.mark.parametrize("text", [PATTERNS[11], PATTERNS[8], PATTERNS[6]])
@pytest.mark.parametrize("split", [False, True], ids=["default", "split"])
def test_cuda_bf16_error_at_most_twice_plain(text, split):
    """The default pipeline (no split at 2048 tokens) and every straggler
    split off (min_keys=0: the split-K rows kernel on a side stream)."""
    n = 2048
    pattern = parse_pattern(text.replace("left = 4, right = 4", "left = 256, right = 256"))
    module = attention((1, 4, n, 64), (1, 4, n, 64), pattern=pattern, dtype="bf16")
    pipeline = None
    if split:
        from attn_ir.backends.torch.backend import TorchBackend

        pipeline = re.sub(r"min_keys=\d+", "ratio=2 min_keys=0",
                          TorchBackend(device="cuda").default_pipeline(module))
    f = attn_ir.compile(module, backend="torch", device="cuda", pipeline=pipeline)
    if split and "global" in text:
        assert "tile.attention_part" in print_module(f.module)
    q, k, v = (torch.from_numpy(x).cuda().bfloat16() for x in qkv((1, 4, n, 64), seed=1))
    got = f(q, k, v).float().cpu().numpy()
    host = [x.float().cpu().numpy() for x in (q, k, v)]
    want = reference.attention(*host, pattern, None, 0.125, dtype=np.float64)
    mask = torch.as_tensor(pattern.dense_mask(n, n), device="cuda")
    plain = plain_bf16(q, k, v, mask).float().cpu().numpy()
    assert np.abs(got - want).max() <= 2 * np.abs(plain - want).max()


@cuda
def test_cuda_sparse_flash_equals_reference():
    module = hash_attention((1, 2, 1024, 64), buckets=8, seed=3)
    f = attn_ir.compile(module, backend="torch", device="cuda")
    args = qkv((1, 2, 1024, 64), seed=2)
    (want,) = reference_outputs(module, "hash_attention", args)
    np.testing.assert_allclose(f(*args), want, atol=1e-4)


@cuda
def test_cuda_hash_attention_backward_runs():
    module = hash_attention((1, 2, 512, 64), buckets=4, seed=1, dtype="bf16")
    f = attn_ir.compile(module, backend="torch", device="cuda")
    q, k, v = (torch.from_numpy(x).cuda().bfloat16().requires_grad_()
               for x in qkv((1, 2, 512, 64), seed=4))
    f(q, k, v).sum().backward()
    assert all(x.grad is not None and torch.isfinite(x.grad).all() for x in (q, k, v))


@cuda
def test_cuda_graph_replays_read_the_callers_current_data():
    """Static-buffer graph on the first call, a zero-copy graph on the same
    tensors from the second: every call equals the program run directly,
    also after the tensors change in place, and for other tensors."""
    n = 1024
    pattern = parse_pattern("#attn.union<[#attn.window<left = 64, right = 64>, "
                            "#attn.global<[0]>]>")
    f = attn_ir.compile(attention((1, 2, n, 64), (1, 2, n, 64), pattern=pattern),
                        backend="torch", device="cuda")
    program = f._call.program
    q, k, v = (torch.from_numpy(x).cuda() for x in qkv((1, 2, n, 64), seed=5))

    def check(*args):
        got = f(*args)
        want = program(*args)[0]
        torch.testing.assert_close(got, want, atol=1e-5, rtol=1e-5)
        return got

    first = check(q, k, v)
    second = check(q, k, v)
    torch.testing.assert_close(first, second)
    q.mul_(-1.5)
    v.add_(1.0)
    changed = check(q, k, v)
    assert not torch.allclose(changed, second)
    check(*(x.clone() for x in (q, k, v)))
    host = [x.cpu().numpy() for x in (q, k, v)]
    want = reference.attention(*host, pattern, None, 0.125, dtype=np.float64)
    np.testing.assert_allclose(check(q, k, v).cpu().numpy(), want, atol=1e-4)
