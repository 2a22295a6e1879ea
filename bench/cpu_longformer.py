"""CPU benchmark: a Longformer-base attention layer on the NumPy backend
against PyTorch (dense SDPA, SDPA with a boolean mask, FlexAttention under
torch.compile), on the same random inputs.

Workload: B=1, H=12, N=4096, D=64, a sliding window of 512 (256 keys on each
side) and token 0 global (Beltagy et al. 2020, allenai/longformer-base-4096;
SALO's Longformer workload).  Reported: the minimum of ``--repeat`` timed
runs of each method after a warm-up, FlexAttention's compile time
separately, the bound of the useful FLOPs (4 * nnz * D per head) at the
machine's measured sgemm rate, the ratios, the largest difference between
every pair of outputs (dense SDPA attends every key, so it differs from the
others by design: it is a timing reference), and peak memory.

    python bench/cpu_longformer.py
    python bench/cpu_longformer.py --json
    python bench/cpu_longformer.py --seq-len 65536 --repeat 3
    python bench/cpu_longformer.py --profile

torch is optional (``pip install -e '.[bench]'``); past ``--torch-max-len``
(16384) the torch baselines are skipped: dense SDPA is O(N^2) in time and
the boolean mask and FlexAttention's block-mask construction O(N^2) in
memory.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from collections import Counter

import numpy as np

import attn_ir
from attn_ir import patterns as P
from attn_ir.backends.numpy import load_module
from attn_ir.builder import attention

WINDOW = 256
HEADS = 12
HEAD_DIM = 64
PATTERN = P.Union((P.Window(WINDOW, WINDOW), P.Global((0,))))
TARGETS = {"flex": 0.4, "sdpa_dense": 0.2, "bound": 2.0}
"""The emitted module's time must be at most this fraction of each (issue
19's goals; ``bound`` is the useful-FLOP bound at the measured sgemm
rate)."""


SGEMM_N = 2048
"""Size of the n x n x n float32 product whose rate defines the bound."""

BLAS_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
"""Set on some machines to pin an older OpenBLAS kernel; they slow a
current NumPy, so the benchmark runs without them unless --keep-blas-env."""


def blas_description() -> str:
    from threadpoolctl import threadpool_info

    found = [f"{i.get('internal_api')} {i.get('version')} {i.get('architecture')} kernel, "
             f"{i.get('num_threads')} threads" for i in threadpool_info()
             if i.get("user_api") == "blas"]
    return "; ".join(found) or "unknown"


def best_time(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def sgemm_gflops(repeat: int = 5, n: int = 2048) -> float:
    """NumPy's float32 matmul rate on an n x n x n product (all BLAS threads)."""
    a = np.random.default_rng(0).standard_normal((n, n), dtype=np.float32)
    out = np.empty_like(a)
    np.matmul(a, a, out=out)
    return 2 * n**3 / best_time(lambda: np.matmul(a, a, out=out), repeat) / 1e9


def numpy_peak_bytes(fn, args) -> int:
    """Peak bytes NumPy allocates during one call (tracemalloc), over what
    was allocated before it (the inputs)."""
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        fn(*args)
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


class _TimedNumPy:
    """Stands in for ``np`` in an emitted module: times the NumPy calls the
    runtime makes, by name (CPU time of the calling thread, summed)."""

    TIMED = ("matmul", "exp", "copyto", "multiply", "divide", "zeros", "ascontiguousarray",
             "where", "maximum")

    def __init__(self, times: Counter):
        self._times = times

    def __getattr__(self, name):
        real = getattr(np, name)
        if name not in self.TIMED:
            return real
        times = self._times

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return real(*args, **kwargs)
            finally:
                times[name] += time.perf_counter() - start

        return timed


def profile(source: str, args) -> dict[str, float]:
    """Seconds per NumPy function in one serial call of the emitted module
    (BLAS on one thread, as each worker thread runs it); array methods
    (max, sum, in-place arithmetic) and Python overhead are 'other'."""
    from threadpoolctl import threadpool_limits

    module = load_module(source)
    times: Counter = Counter()
    function = module.FUNCTIONS["longformer"]
    with threadpool_limits(1, user_api="blas"):
        function(*args)
        module.np = _TimedNumPy(times)
        start = time.perf_counter()
        function(*args)
        total = time.perf_counter() - start
    out = {name: times[name] for name in _TimedNumPy.TIMED if times[name]}
    out["other (max, sum, arithmetic, Python)"] = total - sum(times.values())
    out["total"] = total
    return out


def torch_baselines(q, k, v, n: int, results: dict) -> dict:
    """Callables for the torch methods (each computes one output), after
    their setup: the boolean mask, FlexAttention's block mask and its
    compilation (timed separately)."""
    import torch
    import torch.nn.functional as F
    from torch.nn.attention.flex_attention import create_block_mask, flex_attention

    tq, tk, tv = (torch.from_numpy(x) for x in (q, k, v))
    results["torch_version"] = torch.__version__
    results["torch_threads"] = torch.get_num_threads()
    i = torch.arange(n)
    allowed = ((i[:, None] - i[None, :]).abs() <= WINDOW) | (i[:, None] == 0) \
        | (i[None, :] == 0)

    def longformer_mask(b, h, q_idx, kv_idx):
        return ((q_idx - kv_idx).abs() <= WINDOW) | (q_idx == 0) | (kv_idx == 0)

    start = time.perf_counter()
    block_mask = create_block_mask(longformer_mask, None, None, n, n, device="cpu")
    results["flex_block_mask_s"] = time.perf_counter() - start
    compiled = torch.compile(flex_attention)
    start = time.perf_counter()
    with torch.no_grad():
        compiled(tq, tk, tv, block_mask=block_mask)
    results["flex_compile_s"] = time.perf_counter() - start

    def run(fn):
        def call():
            with torch.no_grad():
                return fn().numpy()
        return call

    return {
        "flex": run(lambda: compiled(tq, tk, tv, block_mask=block_mask)),
        "sdpa_dense": run(lambda: F.scaled_dot_product_attention(tq, tk, tv)),
        "sdpa_mask": run(lambda: F.scaled_dot_product_attention(tq, tk, tv,
                                                                 attn_mask=allowed)),
    }


def time_interleaved(methods: dict, repeat: int, results: dict) -> dict:
    """Each method's output, and the minimum of ``repeat`` timed runs in
    ``results[name + "_s"]``; runs are interleaved (one of each method per
    round) so that load from elsewhere on the machine hits all alike."""
    outputs = {name: fn() for name, fn in methods.items()}  # warm-up
    best = dict.fromkeys(methods, float("inf"))
    cpu = dict.fromkeys(methods, float("inf"))
    for _ in range(repeat):
        for name, fn in methods.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            fn()
            best[name] = min(best[name], time.perf_counter() - start)
            cpu[name] = min(cpu[name], time.process_time() - start_cpu)
    for name, seconds in best.items():
        results[f"{name}_s"] = seconds
        # CPU seconds of the process (all threads): on a machine shared with
        # other work, a better measure of each method's own work than wall
        # time (torch's OpenMP threads may spin while waiting, which counts).
        results[f"{name}_cpu_s"] = cpu[name]
    return outputs


def run(args) -> dict:
    n = args.seq_len
    results: dict = {"seq_len": n, "batch": 1, "heads": HEADS, "head_dim": HEAD_DIM,
                     "window": 2 * WINDOW, "repeat": args.repeat, "cpus": os.cpu_count(),
                     "pipeline": args.pipeline}
    module = attention((1, HEADS, n, HEAD_DIM), (1, HEADS, n, HEAD_DIM), pattern=PATTERN,
                       name="longformer")
    start = time.perf_counter()
    compiled = attn_ir.compile(module, pipeline=args.pipeline, threads=args.threads)
    results["numpy_compile_s"] = time.perf_counter() - start
    results["threads"] = compiled.threads
    rng = np.random.default_rng(0)
    q, k, v = (rng.standard_normal((1, HEADS, n, HEAD_DIM), dtype=np.float32)
               for _ in range(3))
    results["blas"] = blas_description()
    rate = sgemm_gflops()
    nnz = PATTERN.nnz(n, n)
    useful = 4 * nnz * HEAD_DIM * HEADS
    results.update(sgemm_gflops=rate, useful_gflop=useful / 1e9,
                   density=nnz / n / n, bound_s=useful / (rate * 1e9))
    methods = {"numpy": lambda: compiled(q, k, v)}
    if not args.skip_tiled:
        # The same IR run by its tile table (no #tile.coalesced plan): the
        # runtime before coalescing, as a peer in the same run.
        tiled = attn_ir.compile(module, pipeline=args.pipeline, threads=args.threads,
                                coalesce=False)
        methods["numpy_tiled"] = lambda: tiled(q, k, v)
    if not args.skip_torch and n <= args.torch_max_len:
        try:
            methods.update(torch_baselines(q, k, v, n, results))
        except ImportError:
            results["torch"] = "not installed (pip install -e '.[bench]')"
    else:
        results["torch"] = (f"skipped: N = {n} > --torch-max-len {args.torch_max_len}"
                            if not args.skip_torch else "skipped (--skip-torch)")
    # The sgemm rate is timed in the same rounds as the methods, so the
    # bound sees the same load from elsewhere on the machine.
    sq = np.random.default_rng(1).standard_normal((SGEMM_N, SGEMM_N), dtype=np.float32)
    sgemm_out = np.empty_like(sq)
    methods["sgemm"] = lambda: np.matmul(sq, sq, out=sgemm_out)
    outputs = time_interleaved(methods, args.repeat, results)
    del outputs["sgemm"]
    rate = max(rate, 2 * SGEMM_N**3 / results.pop("sgemm_s") / 1e9)
    cpu_rate = 2 * SGEMM_N**3 / results.pop("sgemm_cpu_s") / 1e9
    results.update(sgemm_gflops=rate, bound_s=useful / (rate * 1e9),
                   sgemm_cpu_gflops=cpu_rate, bound_cpu_s=useful / (cpu_rate * 1e9))
    results["numpy_peak_bytes"] = numpy_peak_bytes(compiled, (q, k, v))
    results["input_bytes"] = 3 * q.nbytes
    if args.profile:
        results["numpy_profile_s"] = profile(compiled.source, (q, k, v))
    names = list(outputs)
    results["max_diff"] = {
        f"{a}-{b}": float(np.abs(outputs[a].astype(np.float64) - outputs[b]).max())
        for i, a in enumerate(names) for b in names[i + 1:]}
    for other, target in TARGETS.items():
        if f"{other}_s" in results:
            results[f"numpy_vs_{other}"] = results["numpy_s"] / results[f"{other}_s"]
    for other in (*TARGETS, "tiled"):
        if f"{other}_cpu_s" in results:
            results[f"numpy_vs_{other}_cpu"] = (results["numpy_cpu_s"]
                                                / results[f"{other}_cpu_s"])
    if "numpy_tiled_s" in results:
        results["numpy_vs_tiled"] = results["numpy_s"] / results["numpy_tiled_s"]
    results["max_rss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return results


def print_table(r: dict) -> None:
    gib = 1 << 30
    print(f"Longformer-base layer: B=1 H={r['heads']} N={r['seq_len']} D={r['head_dim']}, "
          f"window {r['window']} (256 each side), token 0 global; density {r['density']:.4f}")
    print(f"machine: {r['cpus']} CPUs, numpy sgemm {r['sgemm_gflops']:.0f} GFLOP/s; "
          f"attn_ir threads {r['threads']}; pipeline {r['pipeline']}; "
          f"min of {r['repeat']} interleaved runs")
    dropped = f" (unset for this run: {r['blas_env_dropped']})" if r["blas_env_dropped"] else ""
    print(f"numpy BLAS: {r['blas']}{dropped}")
    if "torch_version" in r:
        print(f"torch {r['torch_version']}, {r['torch_threads']} threads")
    print()
    rows = [("attn_ir emitted NumPy", "numpy_s", "coalesced plan (#tile.coalesced)"),
            ("  same IR by its tile table", "numpy_tiled_s", "the runtime before coalescing")]
    if "flex_s" in r:
        rows.append(("torch FlexAttention (compiled)", "flex_s",
                     f"compile {r['flex_compile_s']:.1f} s and block mask "
                     f"{r['flex_block_mask_s']:.2f} s not included"))
    rows += [("torch SDPA dense", "sdpa_dense_s", "attends every key"),
             ("torch SDPA boolean mask", "sdpa_mask_s", ""),
             ("useful-FLOP bound at sgemm rate", "bound_s",
              f"{r['useful_gflop']:.2f} GFLOP")]
    print(f"{'method':34} {'time (s)':>10} {'numpy / this':>13} {'CPU (s)':>9} "
          f"{'numpy / this':>13}  note")
    for label, key, note in rows:
        if key in r:
            ckey = key[:-2] + "_cpu_s"
            cpu = (f"{r[ckey]:9.4f} {r['numpy_cpu_s'] / r[ckey]:12.2f}x" if ckey in r
                   else f"{'':9} {'':13}")
            print(f"{label:34} {r[key]:10.4f} {r['numpy_s'] / r[key]:12.2f}x {cpu}  {note}")
    if "torch" in r:
        print(f"torch baselines: {r['torch']}")
    print()
    for other, target in TARGETS.items():
        if f"numpy_vs_{other}" in r:
            ratio = r[f"numpy_vs_{other}"]
            cpu = r.get(f"numpy_vs_{other}_cpu")
            print(f"numpy / {other}: {ratio:.3f} (target <= {target}): "
                  f"{'met' if ratio <= target else 'NOT met'}"
                  + (f"; in CPU time {cpu:.3f}: {'met' if cpu <= target else 'NOT met'}"
                     if cpu is not None else ""))
    print()
    print("max |difference| between outputs:")
    for pair, diff in r["max_diff"].items():
        print(f"  {pair:24} {diff:.3g}")
    print()
    print(f"peak memory: NumPy call {r['numpy_peak_bytes'] / gib:.3f} GiB above its inputs "
          f"({r['input_bytes'] / gib:.3f} GiB) by tracemalloc; process max RSS "
          f"{r['max_rss_bytes'] / gib:.3f} GiB")
    if "numpy_profile_s" in r:
        print()
        print("profile of one serial call (BLAS on 1 thread), seconds:")
        for name, seconds in r["numpy_profile_s"].items():
            print(f"  {name:40} {seconds:8.4f}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seq-len", type=int, default=4096)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs (minimum reported)")
    parser.add_argument("--threads", type=int, default=None,
                        help="attn_ir worker threads (default: all CPUs)")
    parser.add_argument("--pipeline", default="attn-decompose,attn-fuse{passes=1},"
                                                "attn-tile{q=64 k=64},attn-coalesce")
    parser.add_argument("--skip-tiled", action="store_true",
                        help="do not time the tile-table runtime (coalesce=False) as a peer")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--profile", action="store_true",
                        help="time the NumPy calls of one serial run")
    parser.add_argument("--skip-torch", action="store_true")
    parser.add_argument("--torch-max-len", type=int, default=16384)
    parser.add_argument("--keep-blas-env", action="store_true",
                        help=f"keep {' and '.join(BLAS_ENV)} (by default the run is "
                             "restarted without them)")
    parser.add_argument("--warm-inductor-cache", action="store_true",
                        help="reuse torch.compile's on-disk cache (by default a fresh one, "
                             "so flex_compile_s is a cold compile)")
    args = parser.parse_args(argv)
    if not args.keep_blas_env and any(v in os.environ for v in BLAS_ENV):
        env = {k: v for k, v in os.environ.items() if k not in BLAS_ENV}
        env["ATTN_IR_BENCH_DROPPED"] = ",".join(
            f"{v}={os.environ[v]}" for v in BLAS_ENV if v in os.environ)
        os.execve(sys.executable, [sys.executable, *sys.argv], env)
    if not args.warm_inductor_cache and "TORCHINDUCTOR_CACHE_DIR" not in os.environ:
        os.environ["TORCHINDUCTOR_CACHE_DIR"] = tempfile.mkdtemp(prefix="attn_ir_bench_")
    results = run(args)
    results["blas_env_dropped"] = os.environ.get("ATTN_IR_BENCH_DROPPED", "")
    if args.json:
        print(json.dumps(results))
    else:
        print_table(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
