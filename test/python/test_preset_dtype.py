"""Presets in f16 and bf16 (``build_module(..., dtype=)``, ``--dtype``): the
same IR as f32 with every f32 tensor in the chosen type, verified, printed
and parsed back; numerics against the reference oracle on the NumPy
backend."""

from __future__ import annotations

import re

import numpy as np
import pytest

from attn_ir.pipeline import print_module, process
from attn_ir.presets import PresetError, all_presets, build_module, get_preset

TENSOR = re.compile(r"tensor<[0-9x]*x(\w+)>")


def _element_types(text: str) -> list[str]:
    return TENSOR.findall(text)


@pytest.mark.parametrize("dtype", ["f16", "bf16"])
@pytest.mark.parametrize("name", sorted(all_presets()))
def test_every_preset_builds_in_16_bits(name, dtype):
    """Every f32 tensor becomes ``dtype``; other element types (SpAtten's
    integer planes and f64 importance, masks, indices) are untouched; the IR
    verifies and round-trips."""
    preset = all_presets()[name]
    seq_len = None if preset.fixed_seq_len else max(preset.min_seq_len, 128)
    seq_len = seq_len and -(-seq_len // preset.seq_len_multiple) * preset.seq_len_multiple
    f32 = print_module(build_module(preset, seq_len=seq_len, layers=1))
    text = print_module(build_module(preset, seq_len=seq_len, layers=1, dtype=dtype))
    assert "f32>" not in text
    assert _element_types(text) == [dtype if t == "f32" else t for t in _element_types(f32)]
    assert TENSOR.sub("", text) == TENSOR.sub("", f32)
    result = process(text, name)
    assert result.ok, [str(d) for d in result.diagnostics]
    assert print_module(result.module) == text


def test_default_is_f32_and_other_types_are_rejected():
    lf = get_preset("longformer-base-4096")
    assert print_module(build_module(lf, seq_len=512, layers=1)) == print_module(
        build_module(lf, seq_len=512, layers=1, dtype="f32"))
    with pytest.raises(PresetError, match="dtype must be one of f32, f16, bf16, got 'f64'"):
        build_module(lf, dtype="f64")


def test_hugging_face_preset_takes_a_dtype():
    from attn_ir.interop.hf import preset_from_config

    preset = preset_from_config({"model_type": "gpt2", "n_layer": 1, "n_head": 2,
                                 "n_embd": 64, "n_positions": 64})
    assert set(_element_types(print_module(build_module(preset, dtype="bf16")))) == {"bf16"}


@pytest.mark.parametrize("dtype, tolerance", [("f16", 1e-2), ("bf16", 1e-4)])
def test_16_bit_preset_runs_as_the_reference_computes(dtype, tolerance):
    """Longformer at 512 tokens in f16 / bf16 on the NumPy backend against
    the reference oracle on the same (rounded) inputs."""
    from attn_ir.backends.registry import (
        argument_names,
        check_inputs,
        get_backend,
        random_inputs,
        select_function,
    )
    from attn_ir.reference.oracle import reference_outputs

    text = print_module(build_module(get_preset("longformer-base-4096"), seq_len=512,
                                     layers=1, dtype=dtype))
    source = process(text, "lf").module
    backend = get_backend("numpy")
    from attn_ir.pipeline import parse_pipeline

    lowered = process(text, "lf", parse_pipeline(backend.default_pipeline(source))).module
    fn = select_function(lowered, None)
    arrays = check_inputs(fn, random_inputs(fn, 0))
    outputs, _ = backend.run(lowered, dict(zip(argument_names(fn), arrays)), fn.sym_name.data)
    expected = reference_outputs(source, fn.sym_name.data, arrays)
    error = float(np.max(np.abs(np.asarray(outputs[0], np.float64) - expected[0])))
    assert error <= tolerance
