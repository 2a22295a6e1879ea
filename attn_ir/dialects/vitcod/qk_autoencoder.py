"""ViTCoD's Q/K auto-encoder in the ``attn`` dialect (``attn_ir.reference.vitcod_autoencoder``
has the definition and the weights).

```mlir
%qc = attn.qk_encode %q with #attn.autoencoder<heads = 3, hidden = 2, seed = 0>
        : tensor<1x3x197x64xf32> -> tensor<1x2x197x64xf32>
%qd = attn.qk_decode %qc with #attn.autoencoder<heads = 3, hidden = 2, seed = 0>
        : tensor<1x2x197x64xf32> -> tensor<1x3x197x64xf32>
```

``#attn.autoencoder<heads = H, hidden = C, seed = s>`` names the seeded
stand-in weights; ``#attn.autoencoder<heads = H, hidden = C, path = "w.npz",
encoder = "blocks.0.attn.encoder_q", decoder = "blocks.0.attn.decoder_q">``
trained ones.  Encoding runs where Q and K are produced, before they are
stored; ``convert-polarized-to-accel`` fuses the decode into the attention
kernel, which reads the compressed tensors from DRAM.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, cast

from xdsl.dialects.builtin import IntAttr, StringAttr, TensorType
from xdsl.ir import Attribute, ParametrizedAttribute, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    irdl_attr_definition,
    irdl_op_definition,
    operand_def,
    prop_def,
    result_def,
    traits_def,
)
from xdsl.parser import AttrParser
from xdsl.printer import Printer
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException

from attn_ir.dialects.utils import FLOAT_TYPES
from attn_ir.dialects.attn import attention_shape
from attn_ir.reference.vitcod_autoencoder import AutoEncoderError, QKAutoEncoder

_FIELDS = (("heads", int), ("hidden", int), ("seed", int), ("path", str), ("encoder", str),
           ("decoder", str))
_DEFAULTS = {"seed": 0, "path": "", "encoder": "encoder", "decoder": "decoder"}


@irdl_attr_definition
class AutoEncoderAttr(ParametrizedAttribute):
    """``#attn.autoencoder<heads = 3, hidden = 2, seed = 0>`` (see the module doc);
    parameters equal to their default are not printed."""

    name = "attn.autoencoder"
    heads: IntAttr
    hidden: IntAttr
    seed: IntAttr
    path: StringAttr
    encoder: StringAttr
    decoder: StringAttr

    @staticmethod
    def get(codec: QKAutoEncoder) -> AutoEncoderAttr:
        return AutoEncoderAttr(*[IntAttr(getattr(codec, n)) if kind is int
                                 else StringAttr(getattr(codec, n)) for n, kind in _FIELDS])

    @property
    def codec(self) -> QKAutoEncoder:
        return QKAutoEncoder(**{n: getattr(self, n).data for n, _ in _FIELDS})

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> Sequence[Attribute]:
        values: dict[str, object] = {}
        kinds = dict(_FIELDS)
        with parser.in_angle_brackets():
            while True:
                pos = parser.pos
                key = parser.parse_identifier(" (a parameter of #attn.autoencoder)")
                if key not in kinds:
                    parser.raise_error(f"#attn.autoencoder has no parameter '{key}'; expected "
                                       "one of " + ", ".join(kinds), pos, parser.pos)
                if key in values:
                    parser.raise_error(f"#attn.autoencoder: parameter '{key}' given twice",
                                       pos, parser.pos)
                parser.parse_punctuation("=")
                if kinds[key] is int:
                    values[key] = parser.parse_integer(allow_boolean=False)
                else:
                    values[key] = parser.parse_str_literal(f" for parameter '{key}'")
                if parser.parse_optional_punctuation(",") is None:
                    break
        out: list[Attribute] = []
        for key, kind in _FIELDS:
            if key not in values and key not in _DEFAULTS:
                parser.raise_error(f"#attn.autoencoder: missing parameter '{key}'")
            value = values.get(key, _DEFAULTS.get(key))
            out.append(IntAttr(value) if kind is int else StringAttr(value))
        return out

    def print_parameters(self, printer: Printer) -> None:
        shown = [(key, kind, getattr(self, key).data) for key, kind in _FIELDS
                 if not (key in _DEFAULTS and getattr(self, key).data == _DEFAULTS[key])]
        with printer.in_angle_brackets():
            for n, (key, kind, value) in enumerate(shown):
                printer.print_string(f"{', ' if n else ''}{key} = ")
                if kind is int:
                    printer.print_string(str(value))
                else:
                    printer.print_string_literal(value)

    def verify(self) -> None:
        try:
            self.codec.validate()
        except AutoEncoderError as e:
            raise VerifyException(str(e)) from None


ATTRIBUTES = [AutoEncoderAttr]


def _check(op: IRDLOperation, value, what: str, heads: int, codec: QKAutoEncoder) -> TensorType:
    t = attention_shape(value, what, op.name)
    if not isinstance(t.element_type, FLOAT_TYPES):
        raise VerifyException(f"'{op.name}' {what} must have a float element type, got "
                              f"{t.element_type}")
    if t.get_shape()[1] != heads:
        raise VerifyException(
            f"'{op.name}' {what} must have {heads} heads (#attn.autoencoder heads = "
            f"{codec.heads}, hidden = {codec.hidden}), got {t.get_shape()[1]}")
    return t


class _CodecOp(IRDLOperation):
    input = operand_def(TensorType)
    autoencoder = prop_def(AutoEncoderAttr)
    output = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = "$input `with` qualified($autoencoder) attr-dict `:` type($input) `->` type($output)"

    ENCODES: ClassVar[bool]

    def __init__(self, value: SSAValue, autoencoder: AutoEncoderAttr | QKAutoEncoder):
        if isinstance(autoencoder, QKAutoEncoder):
            autoencoder = AutoEncoderAttr.get(autoencoder)
        t = cast(TensorType, value.type)
        b, _, n, d = t.get_shape()
        codec = autoencoder.codec
        heads = codec.hidden if self.ENCODES else codec.heads
        super().__init__(operands=[value], properties={"autoencoder": autoencoder},
                         result_types=[TensorType(t.element_type, [b, heads, n, d])])

    def verify_(self) -> None:
        codec = self.autoencoder.codec
        into, out = (codec.heads, codec.hidden) if self.ENCODES else (codec.hidden, codec.heads)
        it = _check(self, self.input, "input", into, codec)
        ot = _check(self, self.output, "result", out, codec)
        shape_in, shape_out = it.get_shape(), ot.get_shape()
        if (shape_in[0], shape_in[2], shape_in[3]) != (shape_out[0], shape_out[2], shape_out[3]) \
                or it.element_type != ot.element_type:
            raise VerifyException(f"'{self.name}' input and result must agree on batch, tokens, "
                                  "head dimension and element type")


@irdl_op_definition
class QKEncodeOp(_CodecOp):
    """Compress the heads of Q or K: [B, H, N, D] -> [B, hidden, N, D]."""

    name = "attn.qk_encode"
    ENCODES: ClassVar[bool] = True


@irdl_op_definition
class QKDecodeOp(_CodecOp):
    """Restore the heads of Q or K: [B, hidden, N, D] -> [B, H, N, D]."""

    name = "attn.qk_decode"
    ENCODES: ClassVar[bool] = False


OPS = [QKEncodeOp, QKDecodeOp]

