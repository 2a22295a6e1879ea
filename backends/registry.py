"""Backends by name, for ``attn-run`` and ``attn_ir.compile``.

A backend is a class with a ``name`` and a ``run(module, inputs)`` method
that executes one function of lowered IR on NumPy arrays and returns the
outputs and a ``RunReport``.  Adding one is a matter of registering it:

    @register_backend
    class HardwareModelBackend(Backend):
        name = "hwmodel"
        description = "functional, cycle-counting hardware model"

        def default_pipeline(self, module):
            return "convert-attn-to-accel{target=salo}"

        def run(self, module, inputs, function=None):
            ...
            return outputs, RunReport(self.name, function_name, {"cycles": n})

Built-in backends are listed in ``BUILTIN_BACKENDS``, each as a function
importing its class when asked for (as xDSL lists its passes), so listing
backends stays cheap.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar, cast

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, TensorType

def _hwmodel() -> type[Backend]:
    from attn_ir.backends.hwmodel.backend import HardwareModelBackend

    return HardwareModelBackend


def _torch() -> type[Backend]:
    from attn_ir.backends.torch.backend import TorchBackend

    return TorchBackend


def _numpy() -> type[Backend]:
    from attn_ir.backends.numpy.backend import NumpyBackend

    return NumpyBackend


BUILTIN_BACKENDS: dict[str, Callable[[], type[Backend]]] = {
    "hwmodel": _hwmodel,
    "numpy": _numpy,
    "torch": _torch,
}
"""Backends that ship with attn_ir: name → function returning the class."""

_REGISTERED: dict[str, type[Backend]] = {}


class BackendError(ValueError):
    """An unknown backend, function or input, or IR a backend cannot run:
    a one-line message for the user (backends subclass it for their own)."""


@dataclass
class RunReport:
    """What a backend says about one run: named figures, in order (seconds
    end in ``_s``, byte counts in ``_bytes``)."""

    backend: str
    function: str
    figures: dict[str, object] = field(default_factory=dict)

    def lines(self) -> list[str]:
        width = max((len(k) for k in self.figures), default=0)
        return [f"{k.ljust(width)}  {_format(v)}" for k, v in self.figures.items()]

    def to_json(self) -> dict[str, object]:
        return {"backend": self.backend, "function": self.function, **self.figures}


def _format(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


class Backend(ABC):
    """Executes lowered IR.  Subclasses set ``name`` and implement ``run``."""

    name: ClassVar[str]
    description: ClassVar[str] = ""

    def default_pipeline(self, module: ModuleOp) -> str:
        """The pipeline applied when the user gives none (may depend on the
        module's level)."""
        return ""

    @abstractmethod
    def run(self, module: ModuleOp, inputs: Mapping[str, np.ndarray],
            function: str | None = None) -> tuple[list[np.ndarray], RunReport]:
        """Run ``function`` (the module's only or first function when None)
        on ``inputs`` (by argument name); return its results and a report."""

    def compile(self, module: ModuleOp, function: str | None = None
                ) -> Callable[..., np.ndarray | tuple[np.ndarray, ...]]:
        """A Python callable taking the function's arguments as arrays (in
        order) and returning its result (a tuple for several)."""
        fn = select_function(module, function)
        names = argument_names(fn)

        def call(*arrays):
            if len(arrays) != len(names):
                raise TypeError(f"@{fn.sym_name.data} takes {len(names)} arrays, "
                                f"got {len(arrays)}")
            outputs, _ = self.run(module, dict(zip(names, arrays)), fn.sym_name.data)
            return outputs[0] if len(outputs) == 1 else tuple(outputs)

        return call


def register_backend(cls: type[Backend]) -> type[Backend]:
    """Class decorator: make ``cls`` available under ``cls.name``."""
    _REGISTERED[cls.name] = cls
    return cls


def available_backends() -> list[str]:
    return sorted(set(BUILTIN_BACKENDS) | set(_REGISTERED))


def get_backend(name: str, **options) -> Backend:
    """An instance of the backend called ``name``."""
    if name not in _REGISTERED and name in BUILTIN_BACKENDS:
        _REGISTERED.setdefault(name, BUILTIN_BACKENDS[name]())
    if name not in _REGISTERED:
        raise BackendError(f"unknown backend '{name}'; available: "
                           + ", ".join(available_backends()))
    return _REGISTERED[name](**options)


# -- functions and their arguments ---------------------------------------------


def select_function(module: ModuleOp, name: str | None = None) -> func.FuncOp:
    """The function called ``name``, or the module's first one (a body of
    one block: backends run straight-line functions)."""
    funcs = [op for op in module.ops if isinstance(op, func.FuncOp)]
    if name is None:
        if not funcs:
            raise BackendError("the module has no func.func")
        return _single_block(funcs[0])
    for op in funcs:
        if op.sym_name.data == name:
            return _single_block(op)
    raise BackendError(f"no function @{name}; the module has "
                       + (", ".join("@" + f.sym_name.data for f in funcs) or "none"))


def _single_block(fn: func.FuncOp) -> func.FuncOp:
    if not fn.body.blocks:
        raise BackendError(f"function @{fn.sym_name.data} is a declaration (no body) and "
                           "cannot be run")
    if len(fn.body.blocks) != 1:
        raise BackendError(f"function @{fn.sym_name.data} has {len(fn.body.blocks)} blocks; "
                           "backends run functions of one block")
    return fn


def argument_names(fn: func.FuncOp) -> list[str]:
    """Names of the function's arguments: their SSA names (``%q`` → ``q``),
    ``argN`` for unnamed ones."""
    return [arg.name_hint or f"arg{n}" for n, arg in enumerate(fn.body.block.args)]


def result_names(fn: func.FuncOp) -> list[str]:
    """Names of the function's results: the SSA names of the returned values
    where they are unique, ``resultN`` otherwise."""
    returned: Sequence = ()
    last = fn.body.block.last_op
    if isinstance(last, func.ReturnOp):
        returned = last.arguments
    names = [v.name_hint or f"result{n}" for n, v in enumerate(returned)]
    return [n if names.count(n) == 1 else f"result{i}" for i, n in enumerate(names)]


NUMPY_DTYPES = {"f16": np.float16, "bf16": np.float32, "f32": np.float32,
                "f64": np.float64, "i1": np.bool_, "i32": np.int32, "i64": np.int64}


def argument_dtype(t) -> np.dtype:
    """The NumPy dtype of an argument of type ``t``."""
    element = str(cast(TensorType, t).element_type)
    if element not in NUMPY_DTYPES:
        raise BackendError(f"arguments of element type {element} are not supported")
    return np.dtype(NUMPY_DTYPES[element])


def random_inputs(fn: func.FuncOp, seed: int = 0) -> dict[str, np.ndarray]:
    """Inputs for every argument: standard normal values (booleans with
    probability 1/2 for i1 masks) from ``numpy.random.default_rng(seed)``,
    drawn in argument order."""
    rng = np.random.default_rng(seed)
    inputs = {}
    for name, arg in zip(argument_names(fn), fn.body.block.args):
        if not isinstance(arg.type, TensorType):
            raise BackendError(f"argument %{name} is not a tensor ({arg.type})")
        shape = tuple(arg.type.get_shape())
        dtype = argument_dtype(arg.type)
        if dtype == np.bool_:
            inputs[name] = rng.random(shape) < 0.5
        else:
            inputs[name] = rng.standard_normal(shape).astype(dtype)
    return inputs


def check_inputs(fn: func.FuncOp, inputs: Mapping[str, np.ndarray]) -> list[np.ndarray]:
    """The inputs in argument order, checked against the argument types."""
    names = argument_names(fn)
    missing = [n for n in names if n not in inputs]
    if missing:
        raise BackendError("missing input for argument"
                           + ("s " if len(missing) > 1 else " ")
                           + ", ".join("%" + n for n in missing))
    extra = sorted(set(inputs) - set(names))
    if extra:
        raise BackendError(f"@{fn.sym_name.data} has no argument "
                           + ", ".join("%" + n for n in extra))
    arrays = []
    for name, arg in zip(names, fn.body.block.args):
        array = np.asarray(inputs[name])
        shape = tuple(cast(TensorType, arg.type).get_shape())
        if array.shape != shape:
            raise BackendError(f"input %{name} has shape {'x'.join(map(str, array.shape))}, "
                               f"expected {'x'.join(map(str, shape))}")
        arrays.append(array.astype(argument_dtype(arg.type), copy=False))
    return arrays
