"""Verifier helpers shared by every dialect: each raises a
``VerifyException`` whose message names the op (``owner``: the op or its
name), the value and what was expected, and what was found."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from xdsl.dialects.builtin import (
    BFloat16Type,
    FloatAttr,
    Float16Type,
    Float32Type,
    Float64Type,
    IntegerAttr,
    TensorType,
)
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.utils.exceptions import VerifyException

FLOAT_TYPES = (Float16Type, BFloat16Type, Float32Type, Float64Type)


def _name(owner: str | Operation) -> str:
    return owner if isinstance(owner, str) else owner.name


def shape_text(shape: Sequence[int]) -> str:
    return "x".join(map(str, shape)) if len(shape) else "scalar"


def type_of(value: SSAValue | Attribute) -> Attribute:
    return value if isinstance(value, Attribute) else value.type


def element_type(value: SSAValue | Attribute) -> Attribute:
    t = type_of(value)
    return t.element_type if isinstance(t, TensorType) else t


def tensor_shape(owner: str | Operation, value: SSAValue | Attribute, what: str,
                 rank: int | None = None) -> tuple[int, ...]:
    """The static shape of a tensor (of ``rank`` dims, when given).  Every
    value passed here is declared ``operand_def``/``result_def(TensorType)``,
    so xDSL has already rejected anything but a ranked tensor."""
    t = cast(TensorType, type_of(value))
    if rank is not None and len(t.get_shape()) != rank:
        raise VerifyException(f"'{_name(owner)}' {what} must be a rank-{rank} tensor, got {t}")
    shape = tuple(t.get_shape())
    if any(d < 0 for d in shape):
        raise VerifyException(f"'{_name(owner)}' {what} must have a static shape, got {t}")
    return shape


def expect_shape(owner: str | Operation, what: str, got: Sequence[int],
                 want: Sequence[int]) -> None:
    if tuple(got) != tuple(want):
        raise VerifyException(f"'{_name(owner)}' {what} must have shape {shape_text(want)}, "
                              f"got {shape_text(got)}")


def expect_float(owner: str | Operation, what: str, value: SSAValue | Attribute,
                 types: tuple = FLOAT_TYPES) -> None:
    if not isinstance(element_type(value), types):
        names = "f64" if types == (Float64Type,) else "a float"
        raise VerifyException(f"'{_name(owner)}' {what} must have {names} element type, "
                              f"got {element_type(value)}")


def int_prop(attr: IntegerAttr | None) -> int | None:
    return None if attr is None else attr.value.data


def float_prop(attr: FloatAttr | None) -> float | None:
    return None if attr is None else attr.value.data
