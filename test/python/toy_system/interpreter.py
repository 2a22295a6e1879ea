import numpy as np
from xdsl.interpreter import InterpreterFunctions, impl, register_impls

from attn_ir.interpreter import InterpreterExtension
from toy_system.dialects import ToyScaleOp


@register_impls
class ToyFunctions(InterpreterFunctions):
    @impl(ToyScaleOp)
    def run_scale(self, interpreter, op: ToyScaleOp, args):
        return (np.asarray(args[0]) * op.factor.value.data,)


EXTENSION = InterpreterExtension(functions=(ToyFunctions,))
