"""The NumPy backend: emitted modules compute what the reference oracle
computes (every pattern family, unions, intersections, presets, ragged
sizes, empty rows, f16/bf16/f64), at every level the emitter accepts, and
the emitted text is safe (hostile names), deterministic, lint-clean and
imports only NumPy."""

from __future__ import annotations

import ast
import tracemalloc
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attn_ir import patterns as P
from attn_ir import presets, reference
from attn_ir.backends.numpy import EmitError, EmitOptions, emit_module, load_module
from attn_ir.backends.numpy.names import Namer, python_name, safe_text
from attn_ir.backends.numpy.predicates import FAMILY_FUNCTIONS, PredicateSource
from attn_ir.builder import attention
from attn_ir.pipeline import parse_pipeline, print_module, process

from conftest import FAMILIES, PATTERNS, SHAPES, cases

TILED = "attn-decompose,attn-fuse{passes=1},attn-tile{q=64 k=64}"
SMALL_TILES = "attn-decompose,attn-fuse{passes=1 m0=5},attn-tile{q=4 k=5}"

def lower(module, spec: str = TILED):
    result = process(print_module(module), "test", parse_pipeline(spec) if spec else None)
    assert result.ok, [str(d) for d in result.diagnostics]
    return result.module


def inputs_for(shape, with_mask: bool, seed: int = 0, dtype=np.float32):
    b, h, nq, nk, d, dv = shape
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s).astype(dtype)
              for s in ((b, h, nq, d), (b, h, nk, d), (b, h, nk, dv))]
    if with_mask:
        mask = rng.random((b, 1, nq, nk)) < 0.4
        mask[0, 0, 1] = False  # a row that attends nothing through the mask
        arrays.append(mask)
    return arrays


def build(pattern, shape, dtype: str = "f32"):
    b, h, nq, nk, d, dv = shape
    return attention((b, h, nq, d), (b, h, nk, d), (b, h, nk, dv), pattern=pattern,
                     dtype=dtype, mask_shape=(b, 1, nq, nk) if pattern.uses_mask else None)


def emitted_function(module, **options):
    return load_module(emit_module(module, EmitOptions(**options))).FUNCTIONS["attention"]


def fits(pattern: P.Pattern, shape) -> bool:
    try:
        pattern.validate(shape[2], shape[3], shape[1])
        return True
    except P.PatternError:
        return False


# -- every family, union and intersection against the reference ----------------


@pytest.mark.parametrize("pattern_name,shape", [  # only the patterns that fit the shape
    pytest.param(n, s, id=f"{n}-{'x'.join(map(str, s))}")
    for n in sorted(PATTERNS) for s in SHAPES if fits(PATTERNS[n], s)])
@pytest.mark.parametrize("spec", [TILED, SMALL_TILES], ids=["tiles64", "tiles4x5"])
def test_emitted_matches_reference(spec, pattern_name, shape):
    pattern = PATTERNS[pattern_name]
    fn = emitted_function(lower(build(pattern, shape), spec))
    args = inputs_for(shape, pattern.uses_mask)
    out = fn(*args)
    expected = reference.attention(*args[:3], pattern, args[3] if pattern.uses_mask else None,
                                   dtype=np.float64)
    assert out.dtype == np.float32 and out.shape == expected.shape
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out, expected, atol=1e-5, rtol=0)


@settings(max_examples=40, deadline=None)
@given(case=cases(max_n=40), tiles=st.tuples(st.integers(1, 12), st.integers(1, 12)),
       seed=st.integers(0, 2**16))
def test_random_patterns_match_reference(case, tiles, seed):
    """Random patterns (every family, nested unions and intersections),
    shapes and tile sizes."""
    nq, nk, heads, pattern, mask = case
    shape = (1, heads, nq, nk, 4, 3)
    spec = f"attn-decompose,attn-fuse{{passes=1}},attn-tile{{q={tiles[0]} k={tiles[1]}}}"
    fn = emitted_function(lower(build(pattern, shape), spec))
    args = inputs_for(shape, False, seed)
    if mask is not None:
        # conftest draws one [heads, nq, nk] mask; the op takes [B, 1, nq, nk].
        args.append(mask[:1][None])
    out = fn(*args)
    expected = reference.attention(*args[:3], pattern, args[3] if mask is not None else None,
                                   dtype=np.float64)
    np.testing.assert_allclose(out, expected, atol=1e-5, rtol=0)


@settings(max_examples=25, deadline=None)
@given(data=st.data())
@pytest.mark.parametrize("family", FAMILIES)
def test_emitted_predicate_is_the_library_predicate(family, data):
    """The NumPy predicate emitted for each family (and combinations) says
    exactly what the pattern library's ``attends`` says, on every pair."""
    nq, nk, heads, pattern, mask = data.draw(cases(family))
    source = PredicateSource()
    name = source.add(pattern, nq, nk, "_attends_0")
    namespace = {"np": np}
    exec(source.family_source() + "".join(f"{n} = {e}\n" for n, e in source.constants)
         + source.functions[0], namespace)
    i, j = np.arange(nq)[:, None], np.arange(nk)[None, :]
    for head in range(heads):
        data_mask = None if mask is None else mask[head]
        got = np.broadcast_to(namespace[name](i, j, head, data_mask), (nq, nk))
        np.testing.assert_array_equal(got, pattern.dense_mask(nq, nk, head, data_mask))


def test_every_family_has_an_emitted_predicate():
    leaves = {cls.mnemonic for cls in P.ALL_FAMILIES} - {"union", "intersect"}
    assert leaves == set(FAMILY_FUNCTIONS)


# -- presets, levels, precisions, empty rows -----------------------------------------


PRESET_SIZES = {
    # name: (seq_len, layers) small enough for the reference; None keeps ViL's grid.
    "longformer-base-4096": (640, 1),
    "longformer-large-4096": (384, 1),
    "bigbird-roberta-base": (768, 1),
    "vil-small": (None, 1),
    "sparse-transformer-strided": (512, 1),
    "sparse-transformer-fixed": (512, 1),
    "bert-base": (256, 1),
    "gpt2": (256, 1),
}


@pytest.mark.parametrize("name", sorted(n for n, p in presets.all_presets().items()
                                     if p.builder is None))
def test_presets_match_reference(name):
    seq_len, layers = PRESET_SIZES[name]
    preset = presets.get_preset(name)
    module = presets.build_module(preset, seq_len=seq_len, layers=layers)
    lowered = lower(module)
    fn = load_module(emit_module(lowered)).FUNCTIONS[preset.name.replace("-", "_")
                                                     .replace(".", "_")]
    n = preset.layer_seq_len(0, seq_len or preset.seq_len)
    rng = np.random.default_rng(1)
    args = [rng.standard_normal((preset.batch, preset.heads, n, preset.head_dim))
            .astype(np.float32) for _ in range(3)]
    with ThreadPoolExecutor(2) as pool:
        out = fn(*args, parallel_map=pool.map)
    # The oracle takes nothing from the IR: the preset's own pattern for
    # layer 0 and the default softmax scale 1/sqrt(head_dim), stated here.
    expected = reference.attention(*args, preset.pattern(0, n),
                                   scale=1.0 / np.sqrt(preset.head_dim), dtype=np.float64)
    np.testing.assert_allclose(out, expected, atol=1e-5, rtol=0)


@pytest.mark.parametrize("spec", [
    "attn-decompose",
    "attn-decompose,attn-fuse{passes=2}",
    "attn-decompose,attn-fuse{passes=1 m0=4}",
])
@pytest.mark.parametrize("pattern_name", ["union", "mask-union", "window-dilated-per-head",
                                          "causal-empty-rows"])
def test_cascade_levels_match_reference(spec, pattern_name):
    pattern = PATTERNS[pattern_name]
    shape = SHAPES[1]
    fn = emitted_function(lower(build(pattern, shape), spec))
    args = inputs_for(shape, pattern.uses_mask)
    expected = reference.attention(*args[:3], pattern, args[3] if pattern.uses_mask else None,
                                   dtype=np.float64)
    np.testing.assert_allclose(fn(*args), expected, atol=1e-5, rtol=0)


def test_fully_masked_rows_are_zero_not_nan():
    pattern = P.Union((P.MaskOperand(), P.Causal(-70)))
    shape = (1, 2, 100, 100, 8, 8)
    fn = emitted_function(lower(build(pattern, shape)))
    args = inputs_for(shape, True)
    args[3][:] = False
    args[3][0, 0, 80] = True
    out = fn(*args)
    assert np.isfinite(out).all()
    assert (out[:, :, :70] == 0).all()
    expected = reference.attention(*args[:3], pattern, args[3], dtype=np.float64)
    np.testing.assert_allclose(out, expected, atol=1e-5, rtol=0)


@pytest.mark.parametrize("dtype,state,atol", [
    ("f16", None, 2e-3), ("bf16", None, 1e-5), ("f64", None, 1e-12), ("f32", "f64", 1e-6),
])
def test_precisions(dtype, state, atol):
    """f16 inputs are computed with f32 softmax state and returned as f16;
    f64 keeps f64 state; ``state_dtype="f64"`` raises f32's."""
    shape = (1, 2, 70, 70, 16, 16)
    pattern = PATTERNS["union"]
    module = lower(build(pattern, shape, dtype))
    source = emit_module(module, EmitOptions(state_dtype=state))
    expected_state = "np.float64" if dtype == "f64" or state == "f64" else "np.float32"
    assert f"state_dtype={expected_state}" in source
    numpy_dtype = {"f16": np.float16, "bf16": np.float32, "f32": np.float32,
                   "f64": np.float64}[dtype]
    args = inputs_for(shape, False, dtype=numpy_dtype)
    out = load_module(source).FUNCTIONS["attention"](*args)
    assert out.dtype == numpy_dtype
    expected = reference.attention(*args, pattern, dtype=np.float64)
    np.testing.assert_allclose(out.astype(np.float64), expected, atol=atol, rtol=0)


def test_parallel_map_gives_the_same_result():
    shape = (2, 3, 300, 300, 16, 16)
    pattern = P.Union((P.Window(40, 40), P.Global((0, 7))))
    fn = emitted_function(lower(build(pattern, shape), "attn-decompose,attn-fuse,"
                                                       "attn-tile{q=16 k=32}"))
    args = inputs_for(shape, False)
    with ThreadPoolExecutor(3) as pool:
        np.testing.assert_array_equal(fn(*args), fn(*args, parallel_map=pool.map))


def test_long_steps_use_online_softmax():
    """A query tile with more keys than one step holds (a global row over a
    long sequence) is visited in several steps."""
    shape = (1, 1, 3000, 5000, 8, 8)
    pattern = P.Union((P.Window(3, 3), P.Global((0, 4999 - 2000))))
    module = lower(build(pattern, shape), "attn-decompose,attn-fuse,attn-tile{q=32 k=32}")
    loaded = load_module(emit_module(module))
    assert max(len(g.steps) for g in loaded._SCHEDULE_0["groups"]) > 1
    args = inputs_for(shape, False)
    expected = reference.attention(*args, pattern, dtype=np.float64)
    np.testing.assert_allclose(loaded.FUNCTIONS["attention"](*args), expected, atol=1e-5,
                               rtol=0)


def test_no_n_by_n_array_for_a_window_at_16k():
    """The emitted module's memory follows the non-empty tiles, not N x N."""
    n = 16384
    shape = (1, 1, n, n, 16, 16)
    pattern = P.Union((P.Window(64, 64), P.Global((0,))))
    fn = emitted_function(lower(build(pattern, shape)))
    args = inputs_for(shape, False)
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        out = fn(*args)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert peak < 64 << 20, peak  # N x N f32 would be 1 GiB
    rows = [0, 1, 5000, n - 1]
    expected = reference.attention(*(a[:, :, :] for a in args), pattern,
                                   dtype=np.float64)[:, :, rows]
    np.testing.assert_allclose(out[:, :, rows], expected, atol=1e-5, rtol=0)


def test_skipped_tiles_are_never_touched():
    """NaN in keys and values of skipped tiles does not reach the output."""
    shape = (1, 1, 256, 256, 8, 8)
    pattern = P.BlockLocal(64)
    fn = emitted_function(lower(build(pattern, shape)))
    q, k, v = inputs_for(shape, False)
    k[:, :, 64:], v[:, :, 64:] = np.nan, np.nan
    out = fn(q, k, v)
    assert np.isfinite(out[:, :, :64]).all() and np.isnan(out[:, :, 64:]).all()


# -- the emitted text ------------------------------------------------------------------


def all_levels_source() -> list[str]:
    module = build(PATTERNS["mask-union"], SHAPES[1])
    return [emit_module(lower(module, spec)) for spec in (
        TILED, "attn-decompose", "attn-decompose,attn-fuse{passes=1}")] + [
        emit_module(lower(presets.build_module(presets.get_preset(name), seq_len=768,
                                               layers=2)))
        for name in ("bigbird-roberta-base", "longformer-base-4096")]


@pytest.fixture(scope="module")
def sources() -> list[str]:
    return all_levels_source()


def test_emitted_modules_import_only_numpy(sources):
    forbidden_calls = {"eval", "exec", "compile", "__import__", "open", "getattr", "globals"}
    for source in sources:
        tree = ast.parse(source)
        imports = [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]
        assert [(a.name, a.asname) for n in imports for a in n.names] == [("numpy", "np")]
        assert all(isinstance(n, ast.Import) for n in imports)
        called = {n.func.id for n in ast.walk(tree)
                  if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
        assert not called & forbidden_calls


def test_emitted_modules_compile_and_lint_clean(sources, tmp_path):
    import py_compile

    pyflakes_api = pytest.importorskip("pyflakes.api")
    from pyflakes.reporter import Reporter
    import io

    for n, source in enumerate(sources):
        path = tmp_path / f"m{n}.py"
        path.write_text(source)
        py_compile.compile(str(path), doraise=True)
        out = io.StringIO()
        assert pyflakes_api.check(source, str(path), Reporter(out, out)) == 0, out.getvalue()


def test_emission_is_deterministic():
    first, second = all_levels_source(), all_levels_source()
    assert first == second


def test_emitted_text_is_readable():
    source = emit_module(lower(presets.build_module(presets.get_preset("longformer-base-4096"),
                                                    seq_len=1024, layers=1)))
    assert "def longformer_base_4096(q0, k0, v0, *, parallel_map=None):" in source
    assert "# tile.attention(q0, k0, v0) -> o0" in source
    assert "#   pattern #attn.union<[#attn.window<left = 256, right = 256>, " \
           "#attn.global<[0]>]>" in source
    assert "def _attends_window(i, j, left, right, dilation):" in source
    assert "def _attends_random_blocks" not in source  # only the families used
    assert max(len(line) for line in source.splitlines()
               if not line.lstrip().startswith(('"""', "#"))) <= 100


HOSTILE = '''
func.func @"x; import os\\n__import__('os').system('touch PWNED')"(%len: tensor<1x1x8x4xf32>, %np: tensor<1x1x8x4xf32>, %_tiled_attention: tensor<1x1x8x4xf32>) -> tensor<1x1x8x4xf32> {
  %FUNCTIONS = attn.attention %len, %np, %_tiled_attention pattern #attn.causal : (tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>) -> tensor<1x1x8x4xf32>
  %r = func.call @"def"(%FUNCTIONS) : (tensor<1x1x8x4xf32>) -> tensor<1x1x8x4xf32>
  func.return %r : tensor<1x1x8x4xf32>
}
func.func @"def"(%parallel_map: tensor<1x1x8x4xf32>) -> tensor<1x1x8x4xf32> {
  func.return %parallel_map : tensor<1x1x8x4xf32>
}
func.func @"\\"\\"\\"; import os #"(%0: tensor<1x1x8x4xf32>) -> tensor<1x1x8x4xf32> {
  func.return %0 : tensor<1x1x8x4xf32>
}
'''


def test_hostile_symbol_names_are_mangled_and_never_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = process(HOSTILE, "hostile.mlir", parse_pipeline(TILED))
    assert result.ok, [str(d) for d in result.diagnostics]
    source = emit_module(result.module)
    tree = ast.parse(source)
    defined = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)
               and not n.name.startswith("_")]
    assert all(name.isidentifier() and name.isascii() for name in defined)
    assert "def_" in defined and "len_" in source and "np_" in source
    assert "import os" not in "".join(line for line in source.splitlines()
                                      if not line.lstrip().startswith(("#", '"', "'")))
    loaded = load_module(source)
    assert not (tmp_path / "PWNED").exists()
    # Looked up by their IR names, the functions work.
    names = set(loaded.FUNCTIONS)
    assert names == {"x; import os\n__import__('os').system('touch PWNED')", "def",
                     '"""; import os #'}
    q = np.random.default_rng(0).standard_normal((1, 1, 8, 4)).astype(np.float32)
    hostile = loaded.FUNCTIONS["x; import os\n__import__('os').system('touch PWNED')"]
    expected = reference.attention(q, q, q, P.Causal(), dtype=np.float64)
    np.testing.assert_allclose(hostile(q, q, q), expected, atol=1e-6)
    assert not (tmp_path / "PWNED").exists()


def test_names():
    assert python_name("x; import os", "f") == "x_import_os"
    assert python_name("0abc", "v") == "v_0abc"
    assert python_name("__dunder__", "v") == "dunder"
    assert python_name("", "arg0") == "arg0"
    assert python_name("class", "v") == "class_"
    assert python_name("len", "v") == "len_"
    assert python_name("np", "v") == "np_"
    assert python_name("é" * 5, "v") == "v"
    assert len(python_name("a" * 500, "v")) <= 48
    namer = Namer()
    assert [namer.fresh("x", "v") for _ in range(3)] == ["x", "x_1", "x_2"]
    assert safe_text('a"b\\c\nd') == "a?b?c?d"


# -- what the emitter refuses -------------------------------------------------------------


def test_unlowered_attention_is_an_emit_error():
    with pytest.raises(EmitError, match="attn.attention must be lowered"):
        emit_module(build(P.Causal(), SHAPES[0]))


def test_unknown_op_is_an_emit_error():
    text = '''
    func.func @f(%a: tensor<2xf32>) -> tensor<2xf32> {
      %b = arith.addf %a, %a : tensor<2xf32>
      func.return %b : tensor<2xf32>
    }'''
    result = process(text, "t")
    assert result.ok
    with pytest.raises(EmitError, match="cannot emit op 'arith.addf'"):
        emit_module(result.module)


def test_argument_shapes_are_checked():
    fn = emitted_function(lower(build(P.Causal(), SHAPES[0])))
    q, k, v = inputs_for(SHAPES[0], False)
    with pytest.raises(ValueError, match=r"argument q must have shape \(1, 2, 13, 8\)"):
        fn(q[:, :1], k, v)


# -- the schedule ----------------------------------------------------------------------------


def schedule_of(pattern, n, spec=TILED, heads=1):
    module = lower(build(pattern, (1, heads, n, n, 8, 8)), spec)
    return load_module(emit_module(module))._SCHEDULE_0


def test_full_tiles_get_no_mask_work():
    schedule = schedule_of(P.BlockLocal(64, 1, 1), 1024)
    assert all(not masks for g in schedule["groups"] for _, _, masks in g.steps)
    # A window's band: only the two triangle tiles at its ends are masked.
    schedule = schedule_of(P.Window(256, 256), 4096)
    band = max(schedule["groups"], key=lambda g: len(g.rows))
    (width, pieces, masks), = band.steps
    assert width == 576 and [(m.col0, m.col1) for m in masks] == [(0, 64), (512, 576)]
    assert [p.key_step for p in pieces] == [1]  # one strided view, no gather


def test_global_row_and_column_are_not_computed_as_whole_tiles():
    schedule = schedule_of(P.Union((P.Window(256, 256), P.Global((0,)))), 4096)
    shapes = {(g.rows.shape[1], g.keys.shape[1]) for g in schedule["groups"]}
    assert (1, 64) in shapes and (63, 5) in shapes  # row 0 split off tile 0
    assert (64, 64) not in shapes
    band = max(schedule["groups"], key=lambda g: len(g.rows))
    (width, pieces, _), = band.steps
    # The global token's key tile contributes its one attended column, read
    # by one matmul shared by all the band's tiles.
    assert width == 577 and [(p.width, p.key_step) for p in pieces] == [(1, 0), (576, 1)]


def test_large_logits_use_the_exact_softmax():
    """Logits past f32's exp range: the unshifted fast path cannot prove
    its sums, and the max-shifted path gives the right answer, silently."""
    import warnings

    shape = (1, 2, 200, 200, 16, 16)
    pattern = P.Union((P.Window(20, 20), P.Global((0,))))
    fn = emitted_function(lower(build(pattern, shape)))
    q, k, v = inputs_for(shape, False)
    q *= 30
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = fn(q, k, v)
    expected = reference.attention(q, k, v, pattern, dtype=np.float64)
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out, expected, atol=1e-4, rtol=0)
