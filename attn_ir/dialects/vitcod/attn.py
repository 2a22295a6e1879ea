"""Fixed masks and polarised attention in the ``attn`` dialect (ViTCoD, You
et al., HPCA 2023): the mask pattern families, and the ops ``attn-polarize``
splits an attention into.

```mlir
%kp = attn.permute_keys %k by #attn.polar_part<source = #attn.mask_file<path = "deit.npz", key = "l0">, threshold = 50, part = "all">
        {queries = 197 : i64} : tensor<1x3x197x64xf32> -> tensor<1x3x197x64xf32>
%vp = attn.permute_keys %v by ... : ...
%od, %ld = attn.partial_attention %q, %kp, %vp
        pattern #attn.polar_part<source = ..., threshold = 50, part = "dense"> {format = "dense"}
        : (...) -> (tensor<1x3x197x64xf32>, tensor<1x3x197xf32>)
%os, %ls = attn.partial_attention %q, %kp, %vp
        pattern #attn.polar_part<source = ..., threshold = 50, part = "sparse"> {format = "coo"}
        : (...) -> (tensor<1x3x197x64xf32>, tensor<1x3x197xf32>)
%o, %l = attn.softmax_merge %od, %ld, %os, %ls : (...) -> (tensor<1x3x197x64xf32>, tensor<1x3x197xf32>)
```

| attribute | meaning |
|---|---|
| ``#attn.mask_file<path = "m.npz", key = "l3", layer = -1, kept = 1>`` | a fixed mask from a file (``attn_ir.patterns.vitcod.masks``) |
| ``#attn.synthetic_mask<heads = 3, layer = 0, seed = 0, kept_permille = 50>`` | ViTCoD-style synthetic masks from a seeded generator |
| ``#attn.polar_part<source = P, threshold = 50, part = "dense">`` | one part of P's polarisation, over reordered keys (``attn_ir.patterns.vitcod.polarization``) |

| op | semantics (``attn_ir.reference.vitcod``) |
|---|---|
| ``attn.permute_keys`` | each head's keys (of K or V) in the polarised order |
| ``attn.partial_attention`` | softmax attention over a pattern's pairs: the output and each row's log-sum-exp; ``format`` says how a backend computes it: ``dense`` (every pair of the key range, masked) or ``coo`` (only the listed pairs: SDDMM, then SpMM) |
| ``attn.softmax_merge`` | the online-softmax merge of two partial results |
"""

from __future__ import annotations

from typing import cast

from xdsl.dialects.builtin import (
    FloatAttr,
    IntAttr,
    IntegerAttr,
    StringAttr,
    TensorType,
    i64,
)
from xdsl.ir import Attribute, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    ParsePropInAttrDict,
    irdl_attr_definition,
    irdl_op_definition,
    operand_def,
    opt_prop_def,
    prop_def,
    result_def,
    traits_def,
)
from xdsl.parser import AttrParser
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException

from attn_ir import patterns as P
from attn_ir.dialects.utils import FLOAT_TYPES
from attn_ir.dialects.attn import PatternAttr, attention_shape
from attn_ir.patterns.vitcod.masks import MaskFile, SyntheticMask
from attn_ir.patterns.vitcod.polarization import PolarPart

FORMATS = ("dense", "coo")


@irdl_attr_definition
class MaskFileAttr(PatternAttr):
    """``#attn.mask_file<path = "m.npz", key = "l3", layer = -1, kept = 1>``."""

    name = "attn.mask_file"
    FAMILY = MaskFile
    path: StringAttr
    key: StringAttr
    layer: IntAttr
    kept: IntAttr


@irdl_attr_definition
class SyntheticMaskAttr(PatternAttr):
    """``#attn.synthetic_mask<heads = 3, layer = 0, seed = 0, kept_permille = 50>``."""

    name = "attn.synthetic_mask"
    FAMILY = SyntheticMask
    heads: IntAttr
    layer: IntAttr
    seed: IntAttr
    kept_permille: IntAttr


@irdl_attr_definition
class PolarPartAttr(PatternAttr):
    """``#attn.polar_part<source = P, threshold = 50, part = "dense">``."""

    name = "attn.polar_part"
    FAMILY = PolarPart
    source: PatternAttr
    threshold: IntAttr
    part: StringAttr

    @classmethod
    def _parse_param(cls, parser: AttrParser, key: str):
        if key != "source":
            return super()._parse_param(parser, key)
        pos = parser.pos
        attr = parser.parse_attribute()
        if not isinstance(attr, PatternAttr):
            parser.raise_error(f"#{cls.name}: parameter 'source' expects a pattern attribute, "
                               f"got {attr}", pos, parser.pos)
        return attr.pattern


ATTRIBUTES = [MaskFileAttr, SyntheticMaskAttr, PolarPartAttr]


def _float_type(op: IRDLOperation, what: str, t: TensorType):
    if not isinstance(t.element_type, FLOAT_TYPES):
        raise VerifyException(
            f"'{op.name}' {what} must have a float element type, got {t.element_type}")
    return t.element_type


def _pattern_error(op: IRDLOperation, e: P.PatternError) -> VerifyException:
    return VerifyException(f"'{op.name}' {e}")


@irdl_op_definition
class PermuteKeysOp(IRDLOperation):
    """Each head's keys of ``input`` ([B, H, Nk, D], K or V) in the order of
    the polarisation named by ``pattern`` (a ``#attn.polar_part``; every
    part of one polarisation has the same order) for ``queries`` queries:
    dense columns first."""

    name = "attn.permute_keys"
    input = operand_def(TensorType)
    pattern = prop_def(PolarPartAttr)
    queries = prop_def(IntegerAttr)
    output = result_def(TensorType)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$input `by` qualified($pattern) attr-dict `:` type($input) `->` type($output)"

    def __init__(self, value: SSAValue, pattern: PolarPartAttr | PolarPart, queries: int):
        if isinstance(pattern, P.Pattern):
            pattern = cast(PolarPartAttr, PatternAttr.from_pattern(pattern))
        super().__init__(operands=[value], result_types=[value.type],
                         properties={"pattern": pattern, "queries": IntegerAttr(queries, i64)})

    def verify_(self) -> None:
        t = attention_shape(self.input, "input", self.name)
        _float_type(self, "input", t)
        if self.output.type != self.input.type:
            raise VerifyException(f"'{self.name}' result type must equal the input type "
                                  f"{self.input.type}, got {self.output.type}")
        _, h, nk, _ = t.get_shape()
        nq = self.queries.value.data
        if nq <= 0:
            raise VerifyException(f"'{self.name}' queries must be positive, got {nq}")
        try:
            self.pattern.pattern.validate(nq, nk, h)
        except P.PatternError as e:
            raise _pattern_error(self, e) from None


@irdl_op_definition
class PartialAttentionOp(IRDLOperation):
    """Softmax attention of q [B, H, Nq, D], k [B, H, Nk, D], v [B, H, Nk, Dv]
    over the pairs ``pattern`` keeps: the normalised output [B, H, Nq, Dv]
    and each row's log-sum-exp of the scaled scores [B, H, Nq] (``-inf``, and
    an output row of 0, where a row keeps no pair).  ``format``: ``dense``
    computes every pair of the key range and masks, ``coo`` only the kept
    pairs (SDDMM and SpMM on a COO list).  ``scale`` defaults to 1/sqrt(D)."""

    name = "attn.partial_attention"
    q = operand_def(TensorType)
    k = operand_def(TensorType)
    v = operand_def(TensorType)
    pattern = prop_def(PatternAttr)
    format = prop_def(StringAttr)
    scale = opt_prop_def(FloatAttr)
    output = result_def(TensorType)
    lse = result_def(TensorType)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = ("$q `,` $k `,` $v `pattern` $pattern attr-dict `:` "
                       "functional-type(operands, results)")

    def __init__(self, q: SSAValue, k: SSAValue, v: SSAValue, pattern: PatternAttr | P.Pattern,
                 format: str, scale: float | None = None):
        if isinstance(pattern, P.Pattern):
            pattern = PatternAttr.from_pattern(pattern)
        qt, vt = cast(TensorType, q.type), cast(TensorType, v.type)
        b, h, nq, _ = qt.get_shape()
        props: dict[str, Attribute] = {"pattern": pattern, "format": StringAttr(format)}
        if scale is not None:
            props["scale"] = FloatAttr(scale, 64)
        super().__init__(
            operands=[q, k, v], properties=props,
            result_types=[TensorType(qt.element_type, [b, h, nq, vt.get_shape()[3]]),
                          TensorType(qt.element_type, [b, h, nq])])

    @property
    def scale_value(self) -> float:
        if self.scale is not None:
            return self.scale.value.data
        return 1.0 / float(cast(TensorType, self.q.type).get_shape()[3]) ** 0.5

    def verify_(self) -> None:
        name = self.name
        qt = attention_shape(self.q, "q", name)
        kt = attention_shape(self.k, "k", name)
        vt = attention_shape(self.v, "v", name)
        ot = attention_shape(self.output.type, "output", name)
        elements = {_float_type(self, w, t) for w, t in (("q", qt), ("k", kt), ("v", vt),
                                                        ("output", ot))}
        lt = self.lse.type
        if not isinstance(lt, TensorType) or len(lt.get_shape()) != 3:
            raise VerifyException(f"'{name}' lse must be a rank-3 tensor, got {lt}")
        elements.add(_float_type(self, "lse", lt))
        if len(elements) != 1:
            raise VerifyException(f"'{name}' q, k, v, output and lse must share one element "
                                  "type")
        b, h, nq, d = qt.get_shape()
        if tuple(kt.get_shape()[:2]) != (b, h) or tuple(vt.get_shape()[:2]) != (b, h):
            raise VerifyException(f"'{name}' q, k and v must agree on batch and heads")
        nk = kt.get_shape()[2]
        if kt.get_shape()[3] != d or vt.get_shape()[2] != nk:
            raise VerifyException(f"'{name}' k must be [B, H, Nk, {d}] and v [B, H, Nk, Dv]")
        dv = vt.get_shape()[3]
        if tuple(ot.get_shape()) != (b, h, nq, dv) or tuple(lt.get_shape()) != (b, h, nq):
            raise VerifyException(f"'{name}' results must be {b}x{h}x{nq}x{dv} and "
                                  f"{b}x{h}x{nq}")
        if self.format.data not in FORMATS:
            raise VerifyException(f"'{name}' format must be dense or coo, got "
                                  f"'{self.format.data}'")
        pattern = self.pattern.pattern
        if pattern.uses_mask:
            raise VerifyException(f"'{name}' takes no mask operand; its pattern must not "
                                  "use #attn.mask")
        try:
            pattern.validate(nq, nk, h)
        except P.PatternError as e:
            raise _pattern_error(self, e) from None


@irdl_op_definition
class SoftmaxMergeOp(IRDLOperation):
    """The online-softmax merge of two partial results (each a normalised
    output [B, H, Nq, Dv] and its rows' log-sum-exp [B, H, Nq]): the output
    of attention over the union of their pairs, and its log-sum-exp."""

    name = "attn.softmax_merge"
    out_a = operand_def(TensorType)
    lse_a = operand_def(TensorType)
    out_b = operand_def(TensorType)
    lse_b = operand_def(TensorType)
    output = result_def(TensorType)
    lse = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = ("$out_a `,` $lse_a `,` $out_b `,` $lse_b attr-dict `:` "
                       "functional-type(operands, results)")

    def __init__(self, out_a: SSAValue, lse_a: SSAValue, out_b: SSAValue, lse_b: SSAValue):
        super().__init__(operands=[out_a, lse_a, out_b, lse_b],
                         result_types=[out_a.type, lse_a.type])

    def verify_(self) -> None:
        for what, value in (("second output", self.out_b), ("result", self.output)):
            if value.type != self.out_a.type:
                raise VerifyException(f"'{self.name}' {what} must have the first output's type "
                                      f"{self.out_a.type}, got {value.type}")
        for what, value in (("second lse", self.lse_b), ("result lse", self.lse)):
            if value.type != self.lse_a.type:
                raise VerifyException(f"'{self.name}' {what} must have the first lse's type "
                                      f"{self.lse_a.type}, got {value.type}")
        ot = attention_shape(self.out_a, "outputs", self.name)
        lt = self.lse_a.type
        if not isinstance(lt, TensorType) or tuple(lt.get_shape()) != tuple(
                ot.get_shape()[:3]):
            raise VerifyException(f"'{self.name}' lse must be "
                                  + "x".join(map(str, ot.get_shape()[:3]))
                                  + f" (one value per output row), got {lt}")


OPS = [PermuteKeysOp, PartialAttentionOp, SoftmaxMergeOp]

