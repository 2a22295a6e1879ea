"""Expected outputs of a function: every attention computed by the
reference oracle (``attn_ir.reference``, in float64), whatever the level.

``attn.attention`` and ``tile.attention`` ops are evaluated by the oracle
from their operands, pattern and scale; ``cascade`` ops, which are single
Einsums, by the interpreter's definitions.  Backends are checked against
this (``attn-run --check``, the tests).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from xdsl.dialects.builtin import ModuleOp
from xdsl.interpreter import Interpreter, InterpreterFunctions, impl, register_impls
from xdsl.interpreters.func import FuncFunctions

from attn_ir import reference
from attn_ir.dialects import attn, tile
from attn_ir.interpreter import CascadeFunctions


@register_impls
class OracleFunctions(InterpreterFunctions):
    @impl(attn.AttentionOp)
    def run_attention(self, interpreter: Interpreter, op: attn.AttentionOp, args):
        q, k, v, *mask = args
        return (reference.attention(q, k, v, op.pattern.pattern, mask[0] if mask else None,
                                    op.scale_value, dtype=np.float64),)

    @impl(tile.TiledAttentionOp)
    def run_tiled(self, interpreter: Interpreter, op: tile.TiledAttentionOp, args):
        q, k, v, *mask = args
        return (reference.attention(q, k, v, op.pattern.pattern, mask[0] if mask else None,
                                    op.scale.value.data, dtype=np.float64),)


def reference_outputs(module: ModuleOp, function: str,
                      arrays: Sequence[np.ndarray]) -> list[np.ndarray]:
    """The results of ``func.func @function`` on ``arrays``, every
    attention op computed by the reference oracle."""
    from attn_ir.interpreter import call_function, extension_functions

    interpreter = Interpreter(module)
    for functions in (FuncFunctions(), OracleFunctions(), CascadeFunctions(),
                      *extension_functions()):
        interpreter.register_implementations(functions)
    return [np.asarray(x) for x in call_function(interpreter, function, arrays)]
