"""CPU benchmark: Sparse Flash Attention on the NumPy backend — hash-bucket
attention and QK-dropping, causal on the tokens' original positions —
against the emitted dense causal attention and PyTorch's causal SDPA, on
the same random inputs in the same run.

Workload: B=1, H=12, D=64 (the paper's GPT-2-small-like models: 12 heads
of 64; Pagliardini et al. 2023, "Faster Causal Attention Over Large
Sequences Through Sparse Flash Attention"), N = 8192 and 16384, causal.
Sparse configurations: hash attention with 8 and 16 buckets, QK-dropping
of 50 % and 75 % of the queries and of the keys per head (drawn at random,
as in the paper's runtime study).  Each is the full layer as the IR states
it: hashing, the stable sort by bucket (or the compaction), the tiled
attention with its run-time tile test, and the scatter back.

Reported: the minimum of ``--repeat`` interleaved timed runs of each
method after a warm-up; speed-ups over the emitted dense causal attention
and over torch's causal SDPA; the largest error of each output against
the float64 reference oracle (``attn_ir.reference.sparse_flash`` and
``attn_ir.reference``) on the first ``--check-heads`` heads (the oracle is
dense: O(N^2) in float64); the tile test's counts and the density of the
attended pairs.  Beside them: the paper's speed-ups (2.0x at 8k, 3.3x at
16k tokens), which are for training a whole language model on a GPU
against FlashAttention, not a CPU forward pass.

    python bench/sparse_flash.py                      # N = 8192 and 16384
    python bench/sparse_flash.py --seq-len 8192 --json

``--json`` prints one object per sequence length (a list when there are
several) with at least ``n``, ``hash_s`` and ``qkdrop_s`` (seconds by
bucket count and by dropped fraction), ``dense_causal_s``,
``sdpa_causal_s`` (null without torch) and ``max_abs_err`` (the largest
over the sparse configurations; per configuration in
``max_abs_err_by_method``).  torch is optional
(``pip install -e '.[bench]'``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

import attn_ir
from attn_ir import patterns as P
from attn_ir import reference
from attn_ir.reference import sparse_flash as SF
from attn_ir.builder import attention
from attn_ir.builder.sparse_flash import hash_attention, qk_drop_attention

HEADS = 12
HEAD_DIM = 64
BUCKETS = (8, 16)
DROPPED = (0.5, 0.75)
PAPER_SPEEDUP = {8192: 2.0, 16384: 3.3}
"""Pagliardini et al. 2023, abstract: training a language model at 8k and
16k tokens, 2.0x and 3.3x faster than with FlashAttention (GPU)."""

DENSE_PIPELINE = "attn-decompose,attn-fuse{passes=1},attn-tile{q=64 k=64},attn-coalesce"
SGEMM_N = 2048
"""Size of the n x n x n float32 product whose rate defines the bound."""
SPARSE_PIPELINE = "attn-tile{q=64 k=64}"


def keep_count(n: int, dropped: float) -> int:
    return n - int(round(n * dropped))


def methods(n: int, threads: int | None, seed: int) -> dict:
    """name → (compiled function, its reference on a head slice)."""
    shape = (1, HEADS, n, HEAD_DIM)
    out = {"dense_causal": (
        attn_ir.compile(attention(shape, shape, pattern="#attn.causal", name="causal"),
                        pipeline=DENSE_PIPELINE, threads=threads),
        lambda q, k, v: reference.attention(q, k, v, P.Causal(), dtype=np.float64))}
    for buckets in BUCKETS:
        out[f"hash{buckets}"] = (
            attn_ir.compile(hash_attention(shape, buckets=buckets, seed=seed),
                            pipeline=SPARSE_PIPELINE, threads=threads),
            lambda q, k, v, b=buckets: SF.hash_attention(q, k, v, b, seed, dtype=np.float64))
    for dropped in DROPPED:
        keep = keep_count(n, dropped)

        def oracle(q, k, v, keep=keep):
            h = q.shape[1]
            return SF.qk_drop_attention(
                q, k, v, SF.keep_random(1, HEADS, n, keep, seed)[:, :h],
                SF.keep_random(1, HEADS, n, keep, seed + 1)[:, :h], dtype=np.float64)

        out[f"qkdrop{int(dropped * 100)}"] = (
            attn_ir.compile(qk_drop_attention(shape, keep, keep, seed=seed),
                            pipeline=SPARSE_PIPELINE, threads=threads), oracle)
    return out


def peers(n: int, threads: int | None, seed: int) -> dict:
    """The runtimes before coalescing, as peers in the same run: dense
    causal by its tile table (no #tile.coalesced plan), and hash attention
    with 8 buckets by the tile test's merged units (not by key ranges)."""
    from attn_ir.backends.numpy import load_module
    from attn_ir.backends.numpy.backend import ParallelRunner

    shape = (1, HEADS, n, HEAD_DIM)
    tiled = attn_ir.compile(attention(shape, shape, pattern="#attn.causal", name="causal"),
                            pipeline=DENSE_PIPELINE, threads=threads, coalesce=False)
    source = attn_ir.compile(hash_attention(shape, buckets=8, seed=seed),
                             pipeline=SPARSE_PIPELINE, threads=threads).source
    module = load_module(source)
    module._SF_RANGES = False
    runner = ParallelRunner(threads)
    units = next(iter(module.FUNCTIONS.values()))
    return {"dense_causal_tiled": tiled,
            "hash8_units": lambda q, k, v: runner(units, q, k, v)}


def flex_causal(q, k, v, results: dict):
    import torch
    from torch.nn.attention.flex_attention import create_block_mask, flex_attention

    n = q.shape[2]
    tq, tk, tv = (torch.from_numpy(x) for x in (q, k, v))
    start = time.perf_counter()
    block_mask = create_block_mask(lambda b, h, qi, ki: ki <= qi, None, None, n, n,
                                   device="cpu")
    results["flex_block_mask_s"] = time.perf_counter() - start
    compiled = torch.compile(flex_attention)
    start = time.perf_counter()
    with torch.no_grad():
        compiled(tq, tk, tv, block_mask=block_mask)
    results["flex_compile_s"] = time.perf_counter() - start

    def call():
        with torch.no_grad():
            return compiled(tq, tk, tv, block_mask=block_mask).numpy()

    return call


def sdpa_causal(q, k, v, results: dict):
    import torch
    import torch.nn.functional as F

    results["torch_version"] = torch.__version__
    results["torch_threads"] = torch.get_num_threads()
    tq, tk, tv = (torch.from_numpy(x) for x in (q, k, v))

    def call():
        with torch.no_grad():
            return F.scaled_dot_product_attention(tq, tk, tv, is_causal=True).numpy()

    return call


def tile_counts(n: int, q, k, seed: int) -> dict:
    """Run-time tile classes (64 x 64) and density of each sparse method."""
    out = {}
    for buckets in BUCKETS:
        qo, qs = SF.sort_by_bucket(SF.hash_buckets(q, buckets, seed))
        ko, ks = SF.sort_by_bucket(SF.hash_buckets(k, buckets, seed))
        out[f"hash{buckets}"] = (SF.tile_classes(qo, ko, qs, ks, 64, 64),
                                 SF.attended_pairs(qo, ko, qs, ks).sum())
    for dropped in DROPPED:
        keep = keep_count(n, dropped)
        qk = SF.keep_random(1, HEADS, n, keep, seed)
        kk = SF.keep_random(1, HEADS, n, keep, seed + 1)
        out[f"qkdrop{int(dropped * 100)}"] = (SF.tile_classes(qk, kk, None, None, 64, 64),
                                               SF.attended_pairs(qk, kk).sum())
    causal_pairs = HEADS * n * (n + 1) // 2
    return {name: {"tiles_skipped": int((c == SF.SKIPPED).sum()),
                   "tiles_partial": int((c == SF.PARTIAL).sum()),
                   "tiles_full": int((c == SF.FULL).sum()),
                   "density_vs_causal": float(pairs / causal_pairs)}
            for name, (c, pairs) in out.items()}


def run_one(n: int, args) -> dict:
    results: dict = {"n": n, "batch": 1, "heads": HEADS, "head_dim": HEAD_DIM,
                     "repeat": args.repeat, "cpus": os.cpu_count(),
                     "dense_pipeline": DENSE_PIPELINE, "sparse_pipeline": SPARSE_PIPELINE}
    rng = np.random.default_rng(args.seed)
    q, k, v = (rng.standard_normal((1, HEADS, n, HEAD_DIM), dtype=np.float32)
               for _ in range(3))
    start = time.perf_counter()
    compiled = methods(n, args.threads, args.seed)
    results["compile_s"] = time.perf_counter() - start
    results["threads"] = compiled["dense_causal"][0].threads
    calls = {name: (lambda f=f: f(q, k, v)) for name, (f, _) in compiled.items()}
    if not args.skip_peers:
        calls.update({name: (lambda f=f: f(q, k, v))
                      for name, f in peers(n, args.threads, args.seed).items()})
    if not args.skip_torch:
        try:
            calls["sdpa_causal"] = sdpa_causal(q, k, v, results)
            if args.flex:
                calls["flex_causal"] = flex_causal(q, k, v, results)
        except ImportError:
            results["torch"] = "not installed (pip install -e '.[bench]')"
    # The sgemm rate is timed in the same rounds, so the bound sees the
    # same load from elsewhere on the machine.
    sq = np.random.default_rng(1).standard_normal((SGEMM_N, SGEMM_N), dtype=np.float32)
    sgemm_out = np.empty_like(sq)
    calls["sgemm"] = lambda: np.matmul(sq, sq, out=sgemm_out)
    outputs = {name: fn() for name, fn in calls.items()}  # warm-up
    del outputs["sgemm"]
    best = dict.fromkeys(calls, float("inf"))
    cpu = dict.fromkeys(calls, float("inf"))
    for _ in range(args.repeat):
        for name, fn in calls.items():
            t0, c0 = time.perf_counter(), time.process_time()
            fn()
            best[name] = min(best[name], time.perf_counter() - t0)
            cpu[name] = min(cpu[name], time.process_time() - c0)
    # CPU seconds of the process (all threads), per method: on a machine
    # shared with other work, a better measure of each method's own work.
    results["cpu_s"] = dict(cpu)
    results["dense_causal_s"] = best["dense_causal"]
    results["sdpa_causal_s"] = best.get("sdpa_causal")
    results["flex_causal_s"] = best.get("flex_causal")
    results["dense_causal_tiled_s"] = best.get("dense_causal_tiled")
    results["hash8_units_s"] = best.get("hash8_units")
    rate = 2 * SGEMM_N**3 / best.pop("sgemm") / 1e9
    useful = 4 * HEADS * HEAD_DIM * n * (n + 1) // 2
    results.update(sgemm_gflops=rate, bound_s=useful / (rate * 1e9))
    # The emitted dense causal attention against its peers (the keys of
    # bench/cpu_longformer.py; "sdpa_dense" is torch's causal SDPA here).
    results["numpy_vs_flex"] = (best["dense_causal"] / best["flex_causal"]
                                if "flex_causal" in best else None)
    results["numpy_vs_sdpa_dense"] = (best["dense_causal"] / best["sdpa_causal"]
                                      if "sdpa_causal" in best else None)
    results["numpy_vs_bound"] = best["dense_causal"] / results["bound_s"]
    cpu_rate = 2 * SGEMM_N**3 / cpu.pop("sgemm") / 1e9
    results["numpy_vs_flex_cpu"] = (cpu["dense_causal"] / cpu["flex_causal"]
                                    if "flex_causal" in cpu else None)
    results["numpy_vs_sdpa_dense_cpu"] = (cpu["dense_causal"] / cpu["sdpa_causal"]
                                          if "sdpa_causal" in cpu else None)
    results["numpy_vs_bound_cpu"] = cpu["dense_causal"] / (useful / (cpu_rate * 1e9))
    results["speedup_vs_dense_causal_cpu"] = {
        m: cpu["dense_causal"] / cpu[m] for m in cpu if m.startswith(("hash", "qkdrop"))}
    if "dense_causal_tiled" in cpu:
        results["numpy_vs_tiled_cpu"] = cpu["dense_causal"] / cpu["dense_causal_tiled"]
        results["hash8_vs_units_cpu"] = cpu["hash8"] / cpu["hash8_units"]
    if "dense_causal_tiled" in best:
        results["numpy_vs_tiled"] = best["dense_causal"] / best["dense_causal_tiled"]
        results["hash8_vs_units"] = best["hash8"] / best["hash8_units"]
    results["hash_s"] = {str(b): best[f"hash{b}"] for b in BUCKETS}
    results["qkdrop_s"] = {str(d): best[f"qkdrop{int(d * 100)}"] for d in DROPPED}
    sparse = [name for name in compiled if name != "dense_causal"]
    results["speedup_vs_dense_causal"] = {m: best["dense_causal"] / best[m] for m in sparse}
    if "sdpa_causal" in best:
        results["speedup_vs_sdpa_causal"] = {m: best["sdpa_causal"] / best[m]
                                             for m in [*sparse, "dense_causal"]}
    results["paper_training_speedup"] = PAPER_SPEEDUP.get(n)
    errors = {}
    heads = slice(0, max(0, min(HEADS, args.check_heads)))
    if args.check_heads > 0:
        for name, (_, oracle) in compiled.items():
            want = oracle(q[:, heads], k[:, heads], v[:, heads])
            errors[name] = float(np.abs(outputs[name][:, heads] - want).max())
            peer = {"dense_causal": "dense_causal_tiled", "hash8": "hash8_units"}.get(name)
            if peer in outputs:
                errors[peer] = float(np.abs(outputs[peer][:, heads] - want).max())
        if "sdpa_causal" in outputs:
            errors["sdpa_causal"] = float(np.abs(
                outputs["sdpa_causal"][:, heads] - outputs["dense_causal"][:, heads]).max())
    results["max_abs_err_by_method"] = errors
    results["max_abs_err"] = max((errors[m] for m in sparse if m in errors), default=None)
    results["checked_heads"] = heads.stop
    results["tiles"] = tile_counts(n, q, k, args.seed)
    return results


def print_table(all_results: list[dict]) -> None:
    r0 = all_results[0]
    print(f"Sparse Flash Attention, forward, CPU: B=1 H={HEADS} D={HEAD_DIM}, causal; "
          f"{r0['cpus']} CPUs, attn_ir threads {r0['threads']}; min of {r0['repeat']} "
          "interleaved runs")
    if "torch_version" in r0:
        print(f"torch {r0['torch_version']} ({r0['torch_threads']} threads)")
    print(f"dense: {DENSE_PIPELINE}; sparse: {SPARSE_PIPELINE} (hash / compaction, run-time "
          "tile test, scatter included)")
    print()
    header = (f"{'N':>6} {'method':14} {'time (s)':>9} {'vs dense':>9} {'vs SDPA':>8} "
              f"{'density':>8} {'skipped':>8} {'max err':>9}  paper (training, GPU)")
    print(header)
    print("-" * len(header))
    for r in all_results:
        n = r["n"]
        rows = [("dense_causal", r["dense_causal_s"]),
                ("dense_causal_tiled", r.get("dense_causal_tiled_s")),
                ("sdpa_causal", r["sdpa_causal_s"]), ("flex_causal", r.get("flex_causal_s")),
                ("hash8_units", r.get("hash8_units_s"))]
        rows += [(f"hash{b}", r["hash_s"][str(b)]) for b in BUCKETS]
        rows += [(f"qkdrop{int(d * 100)}", r["qkdrop_s"][str(d)]) for d in DROPPED]
        for name, seconds in rows:
            if seconds is None:
                continue
            vs_dense = r["dense_causal_s"] / seconds
            vs_sdpa = (f"{r['sdpa_causal_s'] / seconds:7.2f}x"
                       if r["sdpa_causal_s"] else f"{'-':>8}")
            tiles = r["tiles"].get(name)
            density = f"{tiles['density_vs_causal']:8.3f}" if tiles else f"{'1':>8}"
            skipped = (f"{tiles['tiles_skipped'] / sum(v for key, v in tiles.items() if key.startswith('tiles')):8.2f}"
                       if tiles else f"{'-':>8}")
            err = r["max_abs_err_by_method"].get(name)
            err_text = f"{err:9.2e}" if err is not None else f"{'-':>9}"
            paper = (f"  {r['paper_training_speedup']:.1f}x"
                     if name.startswith("hash") and r["paper_training_speedup"] else "")
            print(f"{n:>6} {name:14} {seconds:9.3f} {vs_dense:8.2f}x {vs_sdpa} {density} "
                  f"{skipped} {err_text}{paper}")
        print()
    for r in all_results:
        print(f"N={r['n']}: dense causal / SDPA causal {_ratio(r['numpy_vs_sdpa_dense'])}, "
              f"/ Flex {_ratio(r['numpy_vs_flex'])}, / useful-FLOP bound "
              f"{_ratio(r['numpy_vs_bound'])} (sgemm {r['sgemm_gflops']:.0f} GFLOP/s); "
              f"coalesced / tile table {_ratio(r.get('numpy_vs_tiled'))}; hash8 ranges / "
              f"units {_ratio(r.get('hash8_vs_units'))}")
        print(f"  in CPU time: / SDPA causal {_ratio(r['numpy_vs_sdpa_dense_cpu'])}, / Flex "
              f"{_ratio(r['numpy_vs_flex_cpu'])}, / bound {_ratio(r['numpy_vs_bound_cpu'])}; "
              f"coalesced / tile table {_ratio(r.get('numpy_vs_tiled_cpu'))}; hash8 ranges / "
              f"units {_ratio(r.get('hash8_vs_units_cpu'))}; hash8 speed-up over dense causal "
              f"{_ratio(r['speedup_vs_dense_causal_cpu'].get('hash8'))}")
    print()
    print("dense_causal_tiled: the same IR by its tile table; hash8_units: hash attention run "
          "by the tile test's units (the runtimes before coalescing).")
    print("vs dense / vs SDPA: speed-up of the method over the emitted dense causal attention "
          "and torch's causal SDPA.")
    print("density: attended pairs / causal pairs; skipped: fraction of 64 x 64 tile pairs the "
          "run-time test skips.")
    print(f"max err: against the float64 reference on the first "
          f"{all_results[0]['checked_heads']} head(s) (SDPA: against the emitted dense causal).")
    print("paper: Pagliardini et al. 2023, language-model training at 8k / 16k tokens vs "
          "FlashAttention on a GPU (not comparable to a CPU forward pass).")
    if len(all_results) > 1:
        first, last = all_results[0], all_results[-1]
        print()
        print(f"speed-up over dense causal from N={first['n']} to N={last['n']}: " + ", ".join(
            f"{m} {first['speedup_vs_dense_causal'][m]:.2f}x -> "
            f"{last['speedup_vs_dense_causal'][m]:.2f}x"
            for m in first["speedup_vs_dense_causal"]))


def _ratio(x) -> str:
    return "-" if x is None else f"{x:.2f}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seq-len", type=int, nargs="+", default=[8192, 16384])
    parser.add_argument("--repeat", type=int, default=3, help="timed runs (minimum reported)")
    parser.add_argument("--threads", type=int, default=None,
                        help="attn_ir worker threads (default: all CPUs)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--check-heads", type=int, default=1,
                        help="heads checked against the float64 reference (0: none)")
    parser.add_argument("--skip-torch", action="store_true")
    parser.add_argument("--skip-peers", action="store_true",
                        help="do not time the runtimes before coalescing")
    parser.add_argument("--flex", action="store_true",
                        help="also time FlexAttention (causal block mask, torch.compile)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args(argv)
    all_results = [run_one(n, args) for n in args.seq_len]
    if args.json:
        print(json.dumps(all_results[0] if len(all_results) == 1 else all_results))
    else:
        print_table(all_results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
