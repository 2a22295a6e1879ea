from xdsl.dialects.builtin import FloatAttr, TensorType
from xdsl.irdl import (
    IRDLOperation,
    ParsePropInAttrDict,
    irdl_op_definition,
    operand_def,
    prop_def,
    result_def,
)
from xdsl.utils.exceptions import VerifyException

from attn_ir.dialects import DialectExtension
from attn_ir.dialects.accel import TargetAttr


class _Scale(IRDLOperation):
    input = operand_def(TensorType)
    factor = prop_def(FloatAttr)
    output = result_def(TensorType)
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$input attr-dict `:` type($input) `->` type($output)"

    def verify_(self) -> None:
        if self.input.type != self.output.type:
            raise VerifyException(f"'{self.name}' result type must equal the input type")


@irdl_op_definition
class ToyScaleOp(_Scale):
    name = "attn.toy_scale"


@irdl_op_definition
class ToyScaleKernelOp(_Scale):
    name = "accel.toy_scale_kernel"
    target = prop_def(TargetAttr)


EXTENSION = DialectExtension(ops={"attn": [ToyScaleOp], "accel": [ToyScaleKernelOp]})
