"""The ``attn`` dialect: sparse attention on tensors, with value semantics.

``attn.attention`` computes ``softmax(scale * Q K^T restricted to a pattern) V``
per batch and head.  The pattern is an attribute with a textual form that is
written by hand:

```mlir
%o = attn.attention %q, %k, %v
       pattern #attn.union<[#attn.window<left = 256, right = 256>, #attn.global<[0]>]>
       : (tensor<1x12x4096x64xf32>, tensor<1x12x4096x64xf32>,
          tensor<1x12x4096x64xf32>) -> tensor<1x12x4096x64xf32>
```

Pattern attributes (the semantics of each is documented in
``attn_ir.patterns.families``, the single source of truth for who attends
whom):

| attribute | example |
|---|---|
| ``#attn.dense`` | every pair |
| ``#attn.causal`` | ``#attn.causal<offset = 1>`` |
| ``#attn.window`` | ``#attn.window<left = 256, right = 256, dilation = [1, 1, 2, 2]>`` |
| ``#attn.window2d`` | ``#attn.window2d<grid = [56, 56], window = [15, 15], offset = 1>`` |
| ``#attn.global`` | ``#attn.global<[0, 17]>`` |
| ``#attn.block_local`` | ``#attn.block_local<block = 64, left = 1, right = 1>`` |
| ``#attn.random_blocks`` | ``#attn.random_blocks<block = 64, count = 3, seed = 0>`` |
| ``#attn.strided`` | ``#attn.strided<stride = 128>`` |
| ``#attn.fixed`` | ``#attn.fixed<stride = 128, summary = 32>`` |
| ``#attn.mask`` | the op's mask operand |
| ``#attn.tiles`` | an explicit tile table (``attn_ir.patterns.tiles``) |
| ``#attn.union`` / ``#attn.intersect`` | ``#attn.union<[#attn.causal, #attn.global<[0]>]>`` |

Parameters equal to their default are omitted when printing.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence
from typing import ClassVar, cast

from xdsl.dialects.builtin import (
    ArrayAttr,
    Float64Type,
    FloatAttr,
    IntAttr,
    IntegerType,
    StringAttr,
    TensorType,
)
from xdsl.ir import Attribute, Dialect, Operation, ParametrizedAttribute, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    ParsePropInAttrDict,
    irdl_attr_definition,
    irdl_op_definition,
    operand_def,
    opt_operand_def,
    opt_prop_def,
    prop_def,
    result_def,
    traits_def,
)
from xdsl.parser import AttrParser
from xdsl.printer import Printer
from xdsl.traits import HasCanonicalizationPatternsTrait, Pure
from xdsl.utils.exceptions import VerifyException

from attn_ir import patterns as P
from attn_ir.dialects.utils import FLOAT_TYPES, tensor_shape



class PatternAttr(ParametrizedAttribute):
    """Base of the pattern attributes.  Each subclass mirrors one family of
    ``attn_ir.patterns``: its parameters have the family's field names, and
    the textual form is ``<key = value, ...>`` (or ``<[...]>`` for a family
    with one list parameter)."""

    FAMILY: ClassVar[type[P.Pattern]]

    # -- conversion to and from the pattern library -------------------------

    @property
    def pattern(self) -> P.Pattern:
        values = {}
        for name, _ in self.get_irdl_definition().parameters:
            values[name] = _to_python(getattr(self, name))
        return self.FAMILY(**values)

    @classmethod
    def from_pattern(cls, pattern: P.Pattern) -> PatternAttr:
        # Every system's pattern attributes, not only the core's below.
        from attn_ir.dialects import pattern_attributes

        attr_cls = pattern_attributes()[pattern.mnemonic]
        params = [
            _to_attr(getattr(pattern, name))
            for name, _ in attr_cls.get_irdl_definition().parameters
        ]
        return attr_cls(*params)

    # -- textual form ------------------------------------------------------

    @classmethod
    def _fields(cls) -> dict[str, dataclasses.Field]:
        return {f.name: f for f in dataclasses.fields(cls.FAMILY)}

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> Sequence[Attribute]:
        names = [n for n, _ in cls.get_irdl_definition().parameters]
        fields = cls._fields()
        if not names:
            return []
        values: dict[str, object] = {}
        if parser.parse_optional_punctuation("<") is not None:
            if cls.FAMILY.POSITIONAL:
                values[names[0]] = cls._parse_param(parser, names[0])
            else:
                while True:
                    pos = parser.pos
                    key = parser.parse_identifier(f" (a parameter of #{cls.name})")
                    if key not in fields:
                        parser.raise_error(
                            f"#{cls.name} has no parameter '{key}'; expected one of "
                            + ", ".join(names), pos, parser.pos)
                    if key in values:
                        parser.raise_error(
                            f"#{cls.name}: parameter '{key}' given twice", pos, parser.pos)
                    parser.parse_punctuation("=")
                    values[key] = cls._parse_param(parser, key)
                    if parser.parse_optional_punctuation(",") is None:
                        break
            parser.parse_punctuation(">")
        params = []
        for name in names:
            if name in values:
                value = values[name]
            elif fields[name].default is not dataclasses.MISSING:
                value = fields[name].default
            else:
                parser.raise_error(f"#{cls.name}: missing parameter '{name}'")
            if name in cls.FAMILY.SCALAR_OR_LIST and isinstance(value, int):
                value = (value,)
            params.append(_to_attr(value))
        return params

    @classmethod
    def _parse_param(cls, parser: AttrParser, key: str):
        """One parameter's value, checked against the family field's type:
        an integer, a list of integers (or one integer, for SCALAR_OR_LIST),
        or a list of patterns."""
        kind = str(cls._fields()[key].type)
        if kind == "int":
            return _parse_value(parser, cls.name, key, "int", list_ok=False)
        if kind == "str":
            value = parser.parse_optional_str_literal()
            if value is None:
                parser.raise_error(f"#{cls.name}: parameter '{key}' expects a string")
            return value
        item = "pattern" if "Pattern" in kind else "int"
        return _parse_value(parser, cls.name, key, item,
                            scalar_ok=key in cls.FAMILY.SCALAR_OR_LIST)

    def print_parameters(self, printer: Printer) -> None:
        # One textual form, the pattern library's (``str(pattern)`` too).
        printer.print_string(P.format_parameters(self.pattern))


def _to_python(attr: Attribute):
    if isinstance(attr, (IntAttr, StringAttr)):
        return attr.data
    if isinstance(attr, PatternAttr):
        return attr.pattern
    if isinstance(attr, ArrayAttr):
        return tuple(_to_python(a) for a in attr.data)
    raise TypeError(f"unexpected pattern parameter {attr}")


def _to_attr(value) -> Attribute:
    if isinstance(value, bool):
        raise TypeError("booleans are not pattern parameters")
    if isinstance(value, int):
        return IntAttr(value)
    if isinstance(value, str):
        return StringAttr(value)
    if isinstance(value, P.Pattern):
        return PatternAttr.from_pattern(value)
    if isinstance(value, tuple):
        return ArrayAttr([_to_attr(v) for v in value])
    raise TypeError(f"unexpected pattern parameter {value!r}")


PARAMETER_LIMIT = 1 << 40
"""Largest magnitude of an integer pattern parameter: far beyond any
sequence, and small enough that index arithmetic stays in int64."""


def _parse_value(parser: AttrParser, owner: str, key: str, item: str,
                 list_ok: bool = True, scalar_ok: bool = True):
    """A scalar or a ``[...]`` list of ``item`` ("int" or "pattern")."""
    pos = parser.pos
    if parser.parse_optional_punctuation("[") is not None:
        if not list_ok:
            parser.raise_error(
                f"#{owner}: parameter '{key}' expects an integer, got a list", pos, parser.pos)
        items = []
        if parser.parse_optional_punctuation("]") is None:
            while True:
                items.append(_parse_scalar(parser, owner, key, item))
                if parser.parse_optional_punctuation(",") is None:
                    break
            parser.parse_punctuation("]")
        return tuple(items)
    if not scalar_ok:
        what = "patterns" if item == "pattern" else "integers"
        parser.raise_error(f"#{owner}: parameter '{key}' expects a list of {what} [...]", pos)
    return _parse_scalar(parser, owner, key, item)


def _parse_scalar(parser: AttrParser, owner: str, key: str, item: str):
    pos = parser.pos
    if item == "int":
        value = parser.parse_optional_integer(allow_boolean=False, allow_negative=True)
        if value is not None:
            if abs(value) > PARAMETER_LIMIT:
                parser.raise_error(f"#{owner}: parameter '{key}' is {value}, out of range "
                                   f"(at most 2^40 in magnitude)", pos, parser.pos)
            return value
    attr = parser.parse_attribute()
    if item == "pattern" and isinstance(attr, PatternAttr):
        return attr.pattern
    what = "an integer" if item == "int" else "a pattern attribute"
    parser.raise_error(f"#{owner}: parameter '{key}' expects {what}, got {attr}",
                       pos, parser.pos)


IntList = ArrayAttr[IntAttr]


@irdl_attr_definition
class DenseAttr(PatternAttr):
    """``#attn.dense``: every query attends every key."""

    name = "attn.dense"
    FAMILY = P.Dense


@irdl_attr_definition
class CausalAttr(PatternAttr):
    """``#attn.causal<offset = k>``: query i attends keys j <= i + k."""

    name = "attn.causal"
    FAMILY = P.Causal
    offset: IntAttr


@irdl_attr_definition
class WindowAttr(PatternAttr):
    """``#attn.window<left = l, right = r, dilation = d>``: sliding window,
    dilation one value or one per head."""

    name = "attn.window"
    FAMILY = P.Window
    left: IntAttr
    right: IntAttr
    dilation: IntList


@irdl_attr_definition
class Window2DAttr(PatternAttr):
    """``#attn.window2d<grid = [rows, cols], window = [h, w], offset = o>``:
    local window on a 2-D token grid (ViL)."""

    name = "attn.window2d"
    FAMILY = P.Window2D
    grid: IntList
    window: IntList
    offset: IntAttr


@irdl_attr_definition
class GlobalAttr(PatternAttr):
    """``#attn.global<[i, ...]>``: global tokens."""

    name = "attn.global"
    FAMILY = P.Global
    indices: IntList


@irdl_attr_definition
class BlockLocalAttr(PatternAttr):
    """``#attn.block_local<block = b, left = l, right = r>``."""

    name = "attn.block_local"
    FAMILY = P.BlockLocal
    block: IntAttr
    left: IntAttr
    right: IntAttr


@irdl_attr_definition
class RandomBlocksAttr(PatternAttr):
    """``#attn.random_blocks<block = b, count = c, seed = s>`` (BigBird)."""

    name = "attn.random_blocks"
    FAMILY = P.RandomBlocks
    block: IntAttr
    count: IntAttr
    seed: IntAttr


@irdl_attr_definition
class StridedAttr(PatternAttr):
    """``#attn.strided<stride = l>`` (Sparse Transformer)."""

    name = "attn.strided"
    FAMILY = P.Strided
    stride: IntAttr


@irdl_attr_definition
class FixedAttr(PatternAttr):
    """``#attn.fixed<stride = l, summary = c>`` (Sparse Transformer)."""

    name = "attn.fixed"
    FAMILY = P.Fixed
    stride: IntAttr
    summary: IntAttr


@irdl_attr_definition
class MaskAttr(PatternAttr):
    """``#attn.mask``: the pattern is the op's boolean mask operand."""

    name = "attn.mask"
    FAMILY = P.MaskOperand


@irdl_attr_definition
class TilesAttr(PatternAttr):
    """``#attn.tiles<block = [bq, bk], shape = [nq, nk], ptr = [...], start = [...],
    count = [...], bitmap = [...], bitmaps = "hex">``: an explicit tile table
    with the bitmaps of its partial tiles (a FlexAttention ``mask_mod`` or a
    DeepSpeed layout imported without a closed form)."""

    name = "attn.tiles"
    FAMILY = P.Tiles
    block: IntList
    shape: IntList
    ptr: IntList
    start: IntList
    count: IntList
    bitmap: IntList
    bitmaps: StringAttr


@irdl_attr_definition
class UnionAttr(PatternAttr):
    """``#attn.union<[p, ...]>``: pairs attended by any pattern."""

    name = "attn.union"
    FAMILY = P.Union
    patterns: ArrayAttr[PatternAttr]


@irdl_attr_definition
class IntersectAttr(PatternAttr):
    """``#attn.intersect<[p, ...]>``: pairs attended by every pattern."""

    name = "attn.intersect"
    FAMILY = P.Intersection
    patterns: ArrayAttr[PatternAttr]


PATTERN_ATTRS: dict[str, type[PatternAttr]] = {
    a.FAMILY.mnemonic: a
    for a in (
        DenseAttr, CausalAttr, WindowAttr, Window2DAttr, GlobalAttr,
        BlockLocalAttr, RandomBlocksAttr, StridedAttr, FixedAttr, MaskAttr,
        TilesAttr, UnionAttr, IntersectAttr,
    )
}


class AttentionHasCanonicalizationPatterns(HasCanonicalizationPatternsTrait):
    @classmethod
    def get_canonicalization_patterns(cls):
        from attn_ir.passes.canonicalization.attn import SimplifyAttentionPattern

        return (SimplifyAttentionPattern(),)


def attention_shape(value: SSAValue | Attribute, what: str, owner: str) -> TensorType:
    """The value's type as a static, rank-4 float tensor, or a VerifyException."""
    tensor_shape(owner, value, what, rank=4)
    return cast(TensorType, value if isinstance(value, Attribute) else value.type)


def verify_scale(op: Operation, scale: float, element_type: Attribute) -> None:
    """The softmax scale must be finite in the type the engines compute in
    (f32, or f64 for f64 tensors): a larger one makes every score inf."""
    limit = 1.7976931348623157e308 if isinstance(element_type, Float64Type) else 3.4028234e38
    if not abs(scale) <= limit:
        raise VerifyException(f"'{op.name}' scale {scale:g} does not fit in "
                              f"{'f64' if limit > 1e300 else 'f32'}")


@irdl_op_definition
class AttentionOp(IRDLOperation):
    """Masked softmax attention under a sparsity pattern.

    Operands: q ``[B, H, Nq, D]``, k ``[B, H, Nk, D]``, v ``[B, H, Nk, Dv]``
    (f16, bf16, f32 or f64, all the same), and with ``#attn.mask`` a boolean
    mask ``[B or 1, H or 1, Nq, Nk]``.  Result ``[B, H, Nq, Dv]``.
    ``scale`` defaults to ``1/sqrt(D)``.  Rows that attend no key give 0.
    """

    name = "attn.attention"

    q = operand_def(TensorType)
    k = operand_def(TensorType)
    v = operand_def(TensorType)
    mask = opt_operand_def(TensorType)
    pattern = prop_def(PatternAttr)
    scale = opt_prop_def(FloatAttr)
    output = result_def(TensorType)

    traits = traits_def(Pure(), AttentionHasCanonicalizationPatterns())
    irdl_options = (ParsePropInAttrDict(),)

    assembly_format = (
        "$q `,` $k `,` $v (`mask` $mask^)? `pattern` $pattern "
        "attr-dict `:` functional-type(operands, results)"
    )

    def __init__(
        self,
        q: SSAValue,
        k: SSAValue,
        v: SSAValue,
        pattern: PatternAttr | P.Pattern,
        mask: SSAValue | None = None,
        scale: float | FloatAttr | None = None,
        result_type: Attribute | None = None,
    ):
        if isinstance(pattern, P.Pattern):
            pattern = PatternAttr.from_pattern(pattern)
        if isinstance(scale, float):
            scale = FloatAttr(scale, Float64Type())
        if result_type is None:
            qt = cast(TensorType, q.type)
            vt = cast(TensorType, v.type)
            b, h, nq, _ = qt.get_shape()
            result_type = TensorType(qt.element_type, [b, h, nq, vt.get_shape()[3]])
        super().__init__(
            operands=[q, k, v, mask],
            result_types=[result_type],
            properties={"pattern": pattern, "scale": scale},
        )

    @property
    def dims(self) -> tuple[int, int, int, int, int, int]:
        """(B, H, Nq, Nk, D, Dv)."""
        b, h, nq, d = cast(TensorType, self.q.type).get_shape()
        _, _, nk, dv = cast(TensorType, self.v.type).get_shape()
        return b, h, nq, nk, d, dv

    @property
    def scale_value(self) -> float:
        if self.scale is not None:
            return self.scale.value.data
        return 1.0 / float(self.dims[4]) ** 0.5

    def verify_(self) -> None:
        name = self.name
        qt = attention_shape(self.q, "q", name)
        kt = attention_shape(self.k, "k", name)
        vt = attention_shape(self.v, "v", name)
        ot = attention_shape(self.output.type, "result", name)
        for what, t in (("q", qt), ("k", kt), ("v", vt), ("result", ot)):
            if not isinstance(t.element_type, FLOAT_TYPES):
                raise VerifyException(
                    f"'{name}' {what} must have a float element type, got {t.element_type}")
        if len({qt.element_type, kt.element_type, vt.element_type, ot.element_type}) != 1:
            raise VerifyException(
                f"'{name}' q, k, v and result must share one element type, got "
                f"{qt.element_type}, {kt.element_type}, {vt.element_type}, {ot.element_type}")
        b, h, nq, d = qt.get_shape()
        kb, kh, nk, kd = kt.get_shape()
        vb, vh, vn, dv = vt.get_shape()
        if (kb, vb) != (b, b):
            raise VerifyException(
                f"'{name}' batch sizes disagree: q has {b}, k has {kb}, v has {vb}")
        if (kh, vh) != (h, h):
            raise VerifyException(
                f"'{name}' head counts disagree: q has {h}, k has {kh}, v has {vh}")
        if kd != d:
            raise VerifyException(
                f"'{name}' head dimension of k ({kd}) must equal that of q ({d})")
        if vn != nk:
            raise VerifyException(
                f"'{name}' k and v must have the same sequence length, got {nk} and {vn}")
        if self.scale is not None:
            verify_scale(self, self.scale.value.data, qt.element_type)
        if tuple(ot.get_shape()) != (b, h, nq, dv):
            raise VerifyException(
                f"'{name}' result must have shape {b}x{h}x{nq}x{dv}, got "
                + "x".join(map(str, ot.get_shape())))
        pattern = self.pattern.pattern
        if self.mask is not None:
            mt = attention_shape(self.mask, "mask", name)
            mb, mh, mq, mk = mt.get_shape()
            if mt.element_type != IntegerType(1):
                raise VerifyException(
                    f"'{name}' mask must have element type i1, got {mt.element_type}")
            if mb not in (1, b) or mh not in (1, h) or (mq, mk) != (nq, nk):
                raise VerifyException(
                    f"'{name}' mask shape {mb}x{mh}x{mq}x{mk} does not broadcast to "
                    f"{b}x{h}x{nq}x{nk}")
            if not pattern.uses_mask:
                raise VerifyException(
                    f"'{name}' has a mask operand but its pattern does not use "
                    "#attn.mask")
        elif pattern.uses_mask:
            raise VerifyException(
                f"'{name}' pattern uses #attn.mask but the op has no mask operand")
        try:
            pattern.validate(nq, nk, h)
        except P.PatternError as e:
            raise VerifyException(f"'{name}' {e}") from None


Attn = Dialect(
    "attn",
    [AttentionOp],
    list(PATTERN_ATTRS.values()),
)


@functools.cache
def _pattern_context():
    """builtin and the attn dialect (with every system's pattern
    attributes): all that pattern text can name."""
    from xdsl.context import Context
    from xdsl.dialects.builtin import Builtin

    from attn_ir.dialects import attn_dialect

    ctx = Context()
    ctx.load_dialect(Builtin)
    ctx.load_dialect(attn_dialect())
    return ctx


def parse_pattern(text: str) -> P.Pattern:
    """Build a pattern from its IR text, e.g. ``parse_pattern("#attn.causal")``."""
    from xdsl.parser import Parser
    from xdsl.utils.exceptions import ParseError

    parser = Parser(_pattern_context(), text, "<pattern>")
    try:
        attr = parser.parse_attribute()
        if parser.pos < len(text.rstrip()):
            parser.raise_error("unexpected text after the pattern")
    except ParseError as e:
        raise P.PatternError(str(e)) from None
    if not isinstance(attr, PatternAttr):
        raise P.PatternError(f"expected an #attn pattern attribute, got {attr}")
    return attr.pattern
