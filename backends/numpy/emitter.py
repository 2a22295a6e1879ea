"""IR → one standalone Python module that imports only NumPy.

``emit_module`` turns every ``func.func`` of a module into a Python function
of the same (mangled) name whose arguments and results are arrays.  It
emits the tiled level (``tile.attention``: the fast path, see
``runtime_tiled``), and the decomposed and fused levels (``cascade`` ops:
whole-tensor Einsums, for debugging a pipeline), with ``func.call`` and
``func.return`` between them.  ``attn.attention`` must be lowered first.

The text is deterministic and readable: values are named after their SSA
name hints, each statement carries a comment naming the op it came from,
and the module holds the runtime it uses, the pattern predicates
(``predicates``), and the tile tables as compact run arrays.  Nothing read
from the IR is copied into code unchecked (``names``, ``literals``).

    source = emit_module(module)             # a str of Python source
    functions = load_module(source)          # a module object
    out = functions.FUNCTIONS["f"](q, k, v)
"""

from __future__ import annotations

import importlib.resources
import types
from dataclasses import dataclass
from typing import cast

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    BFloat16Type,
    Float16Type,
    Float32Type,
    Float64Type,
    IntegerType,
    ModuleOp,
    TensorType,
)
from xdsl.ir import Operation, SSAValue

import attn_ir
from attn_ir.backends.numpy.literals import array_literal, float_literal, int_literal
from attn_ir.backends.numpy.names import RESERVED, Namer, safe_text
from attn_ir.backends.numpy.predicates import PredicateSource
from attn_ir.backends.registry import BackendError
from attn_ir.dialects import attn, cascade, tile

RUNTIME_MARKER = "# --- EMITTED BELOW ---"
STATE_DTYPES = {"f32": "np.float32", "f64": "np.float64"}

EXTENSIONS: list[str] = [
    "attn_ir.backends.numpy.sparse_flash",
    "attn_ir.backends.numpy.spatten",
    "attn_ir.backends.numpy.polarized",
    "attn_ir.backends.numpy.parts",
]
"""Modules that emit the ops of dialect extensions: each exports
``EMITTERS``, op class → ``fn(emitter, op, use, define) -> lines``; such a
function may call ``emitter.add_runtime(title, source)`` for code its
lines use (added to the module once)."""


class EmitError(BackendError):
    """The IR cannot be emitted (an op this backend does not know, an
    unlowered ``attn.attention``, an external function): one line that
    names the op."""


def runtime_source(part: str) -> str:
    """The code of ``runtime_<part>.py`` below its marker line."""
    text = importlib.resources.files("attn_ir.backends.numpy").joinpath(
        f"runtime_{part}.py").read_text(encoding="utf-8")
    return text.split(RUNTIME_MARKER, 1)[1].strip("\n") + "\n"


def storage_dtype(t) -> str:
    """The NumPy dtype that holds a tensor of type ``t`` (bf16, which NumPy
    lacks, is held in f32)."""
    element = cast(TensorType, t).element_type
    if isinstance(element, Float16Type):
        return "np.float16"
    if isinstance(element, (BFloat16Type, Float32Type)):
        return "np.float32"
    if isinstance(element, Float64Type):
        return "np.float64"
    if element == IntegerType(1):
        return "np.bool_"
    if element in (IntegerType(32), IntegerType(64)):  # token index arrays
        return f"np.int{element.width.data}"
    raise EmitError(f"the NumPy backend does not support element type {element}")


def _shape(t) -> tuple[int, ...]:
    if not isinstance(t, TensorType):
        raise EmitError(f"the NumPy backend supports tensor values only, got {t}")
    shape = tuple(t.get_shape())
    if any(d < 0 for d in shape):
        raise EmitError(f"the NumPy backend needs static shapes, got {t}")
    return shape


def _type_text(t) -> str:
    element = cast(TensorType, t).element_type
    return "x".join(str(d) for d in _shape(t)) + " " + safe_text(str(element))


def table_runs(table: tile.TileTableAttr) -> tuple[np.ndarray, ...]:
    """(ptr, start, count, full) of a tile table as runs of consecutive key
    tiles with the same full flag: run r of query tile t (``ptr[t] <= r <
    ptr[t + 1]``) covers key tiles ``start[r] .. start[r] + count[r] - 1``."""
    tile_ptr, key, full = (np.asarray(a) for a in table.arrays)
    key = key.astype(np.int64)
    full = full.astype(bool)
    query = np.repeat(np.arange(len(tile_ptr) - 1), np.diff(tile_ptr))
    new_run = np.ones(len(key), bool)
    new_run[1:] = ((query[1:] != query[:-1]) | (key[1:] != key[:-1] + 1)
                   | (full[1:] != full[:-1]))
    first = np.flatnonzero(new_run)
    count = np.diff(np.append(first, len(key)))
    ptr = np.searchsorted(query[first], np.arange(len(tile_ptr)))
    return ptr, key[first], count, full[first]


@dataclass(frozen=True)
class EmitOptions:
    state_dtype: str | None = None
    """"f32" or "f64" for the softmax state; None: f64 for f64 tensors,
    f32 otherwise."""
    source_name: str | None = None
    """Where the IR came from, for the module docstring."""
    pipeline: str | None = None
    """The pipeline that produced the IR, for the module docstring."""

    def __post_init__(self):
        if self.state_dtype not in (None, *STATE_DTYPES):
            raise EmitError(f"state_dtype must be one of {', '.join(STATE_DTYPES)}, "
                            f"got '{self.state_dtype}'")


class ModuleEmitter:
    def __init__(self, module: ModuleOp, options: EmitOptions):
        self.module = module
        self.options = options
        self.globals = Namer(RESERVED)
        self.functions: dict[str, str] = {}
        """IR symbol name → Python name."""
        self.predicates = PredicateSource()
        self.predicate_names: dict[tuple[str, int, int], str] = {}
        self.schedules: list[str] = []
        self.bodies: list[str] = []
        self.runtime = {"common"}
        self.extension_runtime: dict[str, str] = {}
        """Runtime sections of extension ops: title → source."""

    # -- the module ---------------------------------------------------------

    def emit(self) -> str:
        funcs = []
        for op in self.module.ops:
            if not isinstance(op, func.FuncOp):
                raise EmitError(f"the NumPy backend cannot emit top-level op '{op.name}'")
            if op.is_declaration:
                raise EmitError(f"func.func @{safe_text(op.sym_name.data)} has no body; "
                                "the NumPy backend needs every function's body")
            self.functions[op.sym_name.data] = self.globals.fresh(op.sym_name.data, "function")
            funcs.append(op)
        for op in funcs:
            self.bodies.append(self._function(op))
        return self._assemble()

    def _assemble(self) -> str:
        o = self.options
        origin = f" from {safe_text(o.source_name)}" if o.source_name else ""
        lines = [
            f'"""Generated by attn_ir {attn_ir.__version__} (NumPy backend){origin}.',
            "",
        ]
        if o.pipeline:
            lines += [f"Pipeline: {safe_text(o.pipeline, 400)}", ""]
        lines += [
            "One function per func.func: arguments and results are NumPy arrays.",
            "Keyword parallel_map (default: the builtin map) runs independent chunks",
            "of work; pass a thread pool's map to use several cores.  This module",
            "imports only NumPy.  Do not edit: regenerate with attn-translate.",
            '"""',
            "",
            "import numpy as np",
            "",
        ]
        sections = [("runtime: function arguments and results", runtime_source("common"))]
        if "tiled" in self.runtime:
            sections.append(("runtime: block-sparse attention over tile tables",
                             runtime_source("tiled")))
        if "cascade" in self.runtime:
            sections.append(("runtime: the attention cascade's Einsums",
                             runtime_source("cascade")))
        sections += list(self.extension_runtime.items())
        family = self.predicates.family_source().strip("\n")
        if family:
            sections.append(("pattern families (attn_ir.patterns.families)", family + "\n"))
        constants = "".join(f"{name} = {expr}\n" for name, expr in self.predicates.constants)
        if constants:
            sections.append(("pattern data, computed at compile time", constants))
        if self.predicates.functions:
            sections.append(("pattern predicates", "\n\n".join(self.predicates.functions)))
        if self.schedules:
            sections.append(("tile tables, as runs of consecutive key tiles",
                             "\n\n".join(self.schedules)))
        sections.append(("functions", "\n\n".join(self.bodies)))
        table = "".join(f"    {ascii(sym)}: {name},\n" for sym, name in self.functions.items())
        sections.append(("functions by IR symbol name",
                         "FUNCTIONS = {\n" + table + "}\n"))
        text = "\n".join(lines)
        for title, body in sections:
            text += f"\n\n# {'-' * 4} {title} {'-' * max(4, 70 - len(title))}\n\n"
            text += body.rstrip("\n") + "\n"
        return text.rstrip("\n") + "\n"

    # -- functions --------------------------------------------------------------

    def _function(self, op: func.FuncOp) -> str:
        local = Namer(self.globals.taken)
        names: dict[SSAValue, str] = {}
        block = op.body.block
        args = []
        for n, arg in enumerate(block.args):
            names[arg] = local.fresh(arg.name_hint, f"arg{n}")
            args.append(arg)
        out_types = list(op.function_type.outputs.data)
        signature = ", ".join(names[a] for a in args)
        results = ", ".join(_type_text(t) for t in out_types) or "nothing"
        doc = [
            f'    """func.func @{safe_text(op.sym_name.data)}: '
            + (", ".join(f"{names[a]} [{_type_text(a.type)}]" for a in args) or "no arguments")
            + f" -> {results}.",
            "",
            "    Returns " + ("one array" if len(out_types) == 1 else
                              "a tuple of arrays" if out_types else "None") + ".",
            '    """',
        ]
        body = []
        for a in args:
            dtype = ", np.bool_" if storage_dtype(a.type) == "np.bool_" else ""
            body.append(f"    {names[a]} = _argument({names[a]}, {ascii(names[a])}, "
                        f"{self._shape_literal(a.type)}{dtype})")
        for inner in block.ops:
            body.extend("    " + line for line in self._op(inner, names, local))
        head = (f"def {self.functions[op.sym_name.data]}({signature}"
                f"{', ' if signature else ''}*, parallel_map=None):")
        return "\n".join([head, *doc, *body]) + "\n"

    @staticmethod
    def _shape_literal(t) -> str:
        shape = _shape(t)
        inner = ", ".join(int_literal(d) for d in shape)
        return f"({inner}{',' if len(shape) == 1 else ''})"

    def _op(self, op: Operation, names: dict[SSAValue, str], local: Namer) -> list[str]:
        def use(value: SSAValue) -> str:
            return names[value]

        def define(value: SSAValue, fallback: str) -> str:
            names[value] = local.fresh(value.name_hint, fallback)
            return names[value]

        match op:
            case func.ReturnOp():
                values = [f"_result({use(v)}, {storage_dtype(v.type)})" for v in op.arguments]
                if not values:
                    return ["# func.return", "return None"]
                text = values[0] if len(values) == 1 else "(" + ", ".join(values) + ")"
                return ["# func.return", f"return {text}"]
            case func.CallOp():
                callee = op.callee.root_reference.data
                if callee not in self.functions:
                    raise EmitError(f"func.call: @{safe_text(callee)} is not a function "
                                    "of this module")
                call = (f"{self.functions[callee]}("
                        + "".join(f"{use(a)}, " for a in op.arguments)
                        + "parallel_map=parallel_map)")
                outs = [define(r, "result") for r in op.results]
                comment = f"# func.call @{safe_text(callee)}"
                if not outs:
                    return [comment, call]
                target = outs[0] if len(outs) == 1 else ", ".join(outs)
                return [comment, f"{target} = {call}"]
            case tile.TiledAttentionOp():
                return self._tiled(op, use, define)
            case cascade.CascadeOp():
                return self._cascade(op, use, define)
            case attn.AttentionOp():
                raise EmitError(
                    "attn.attention must be lowered before the NumPy backend emits it; "
                    "run the pipeline 'attn-decompose,attn-fuse{passes=1},attn-tile'")
        emit = _extension_emitters().get(type(op))
        if emit is not None:
            return emit(self, op, use, define)
        raise EmitError(f"the NumPy backend cannot emit op '{safe_text(op.name)}'")

    def add_runtime(self, title: str, source: str) -> None:
        """Add a runtime section (once per title) for an extension op."""
        self.extension_runtime.setdefault(title, source)

    # -- the tiled level --------------------------------------------------------

    def _state_dtype(self, value: SSAValue) -> str:
        if self.options.state_dtype is not None:
            return STATE_DTYPES[self.options.state_dtype]
        return "np.float64" if storage_dtype(value.type) == "np.float64" else "np.float32"

    def _predicate(self, pattern, nq: int, nk: int) -> str:
        key = (str(pattern), nq, nk)
        if key not in self.predicate_names:
            name = f"_attends_{len(self.predicate_names)}"
            try:
                self.predicate_names[key] = self.predicates.add(pattern, nq, nk, name)
            except NotImplementedError as e:
                raise EmitError(str(e)) from None
        return self.predicate_names[key]

    def _tiled(self, op: tile.TiledAttentionOp, use, define) -> list[str]:
        self.runtime.add("tiled")
        b, h, nq, nk, _, _ = op.dims
        bq, bk = op.block_q.value.data, op.block_k.value.data
        pattern = op.pattern.pattern
        predicate = self._predicate(pattern, nq, nk)
        schedules = []
        full = partial = 0
        for n, table in enumerate(op.tables.data):
            name = f"_SCHEDULE_{len(self.schedules)}"
            ptr, start, count, flags = table_runs(table)
            full += int(count[flags].sum())
            partial += int(count[~flags].sum())
            heads = "all heads" if len(op.tables.data) == 1 else f"head {n}"
            self.schedules.append(
                f"# tile table of {heads}: {len(ptr) - 1} query tiles of {bq} rows, "
                f"{-(-nk // bk)} key tiles of {bk} columns; {int(count.sum())} tiles "
                f"in {len(start)} runs\n"
                f"{name} = _tile_schedule(\n"
                f"    {array_literal(ptr, 'int32', indent=4)},\n"
                f"    {array_literal(start, 'int32', indent=4)},\n"
                f"    {array_literal(count, 'int32', indent=4)},\n"
                f"    {array_literal(flags.astype(np.int8), 'int8', indent=4)},\n"
                f"    nq={int_literal(nq)}, nk={int_literal(nk)}, "
                f"block_q={int_literal(bq)}, block_k={int_literal(bk)},\n"
                f"    attends={predicate}, head={int_literal(n)}, "
                f"uses_mask={pattern.uses_mask})\n")
            schedules.append(name)
        per = len(op.tables.data)
        total = -(-nq // bq) * -(-nk // bk) * per
        out = define(op.output, "out")
        mask = use(op.mask) if op.mask is not None else "None"
        return [
            f"# tile.attention({use(op.q)}, {use(op.k)}, {use(op.v)}"
            f"{', mask ' + mask if op.mask is not None else ''}) -> {out}",
            f"#   pattern {safe_text(str(pattern), 300)}",
            f"#   tiles {bq}x{bk}: {full} full, {partial} partial, "
            f"{total - full - partial} skipped",
            f"{out} = _tiled_attention(",
            f"    {use(op.q)}, {use(op.k)}, {use(op.v)}, {mask}, "
            f"({', '.join(schedules)}{',' if len(schedules) == 1 else ''}),",
            f"    scale={float_literal(op.scale.value.data)}, "
            f"state_dtype={self._state_dtype(op.output)}, "
            f"out_dtype={storage_dtype(op.output.type)}, parallel_map=parallel_map)",
        ]

    # -- the cascade levels -----------------------------------------------------

    def _cascade(self, op: cascade.CascadeOp, use, define) -> list[str]:
        self.runtime.add("cascade")
        comment = (f"# {op.name}(" + ", ".join(use(v) for v in op.operands) + ")")
        out = define(op.results[0], "t")
        match op:
            case cascade.QKOp():
                b, h, nq, _ = _shape(op.q.type)
                nk = _shape(op.k.type)[2]
                predicate = self._predicate(op.pattern.pattern, nq, nk)
                mask = use(op.mask) if op.mask is not None else "None"
                split = op.split
                text = (f"_cascade_qk({use(op.q)}, {use(op.k)}, {mask}, {predicate}, "
                        f"scale={float_literal(op.scale.value.data)}, "
                        f"dtype={self._state_dtype(op.scores)}, "
                        f"split={'None' if split is None else int_literal(split)})")
                comment += f" pattern {safe_text(str(op.pattern.pattern), 300)}"
            case cascade.MaxOp():
                text = f"{use(op.input)}.max(axis=-1, initial=-np.inf)"
            case cascade.SumOp():
                text = f"{use(op.input)}.sum(axis=-1)"
            case cascade.SubExpOp():
                text = f"_exp_shifted({use(op.lhs)}, {use(op.rhs)}[..., None])"
            case cascade.NormalizeOp() | cascade.DivRowsOp():
                text = f"_divide({use(op.lhs)}, {use(op.rhs)}[..., None])"
            case cascade.AVOp():
                text = f"_cascade_av({use(op.p)}, {use(op.v)})"
            case cascade.RunningMaxOp():
                text = f"np.maximum.accumulate({use(op.input)}, axis=-1)"
            case cascade.RescaleOp():
                text = f"_rescale({use(op.input)})"
            case cascade.RunningSumOp():
                text = f"_running_sum({use(op.local)}, {use(op.factor)})"
            case cascade.RunningAVOp():
                text = f"_running_av({use(op.local)}, {use(op.factor)})"
            case _:
                raise EmitError(f"the NumPy backend cannot emit op '{op.name}'")
        return [comment + f" -> {out}", f"{out} = {text}"]


def _extension_emitters() -> dict:
    import importlib

    out: dict = {}
    for name in EXTENSIONS:
        out.update(importlib.import_module(name).EMITTERS)
    return out


def untiled_ops() -> tuple[type, ...]:
    """Ops of dialect extensions that must be lowered (tiled) before they
    are emitted: each extension's ``NEEDS_TILING``."""
    import importlib

    return tuple(cls for name in EXTENSIONS
                 for cls in getattr(importlib.import_module(name), "NEEDS_TILING", ()))


def emit_module(module: ModuleOp, options: EmitOptions | None = None) -> str:
    """Python source of a module that computes ``module``'s functions with
    NumPy alone.  Raises EmitError for IR it cannot emit."""
    return ModuleEmitter(module, options or EmitOptions()).emit()


def load_module(source: str, name: str = "attn_ir_numpy_module") -> types.ModuleType:
    """Execute emitted source as a fresh module object (not added to
    ``sys.modules``)."""
    module = types.ModuleType(name)
    module.__dict__["__file__"] = f"<{name}>"
    exec(compile(source, f"<{name}>", "exec"), module.__dict__)  # noqa: S102 - our own output
    return module
