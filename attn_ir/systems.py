"""The systems attn_ir expresses, declared once.

A *system* is one family of attention computations and the hardware that
runs it: ``core`` (static patterns, the Einsum cascade, SALO, FuseMax and
FLAT), ``spatten`` (SpAtten's cascade pruning and progressive
quantisation), ``vitcod`` (ViTCoD's fixed masks, polarisation and Q/K
auto-encoder) and ``sparse_flash`` (Sparse Flash Attention's QK-dropping
and hash buckets).  Every layer of the toolchain is a package, and a system
that extends a layer does so with one module (or package) in it named after
the system, exporting ``EXTENSION``, a record of the type that layer
defines::

    attn_ir.dialects.<system>          DialectExtension   ops and attributes
    attn_ir.interpreter.<system>       InterpreterExtension
    attn_ir.presets.<system>           PresetExtension
    attn_ir.targets.<system>           TargetExtension    targets, latency models
    attn_ir.passes.<system>            PassExtension      passes, tile and accel patterns
    attn_ir.backends.hwmodel.<system>  HardwareExtension  kernels, costs, timing
    attn_ir.backends.numpy.<system>    NumpyExtension     emitters
    attn_ir.backends.torch.<system>    TorchExtension     lowerings to PyTorch

A layer assembles itself by asking each system in ``systems()`` for its
module (``System.extension``); a system that does not extend a layer has no
module there.  Nothing is registered as an import side effect.

Systems outside attn_ir (a plug-in, or a test's toy accelerator) are a
package whose submodules are named after the layers (``toy.dialects``,
``toy.interpreter``, ``toy.passes``, ``toy.hwmodel``, ...).  They are found
through the ``attn_ir.systems`` entry-point group or the ``ATTN_IR_SYSTEMS``
environment variable (comma-separated package names).
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import os
from dataclasses import dataclass
from types import ModuleType

BUILTIN_SYSTEMS: tuple[str, ...] = ("core", "spatten", "vitcod", "sparse_flash")
"""The systems that ship with attn_ir, in the order layers assemble them."""

LAYERS: dict[str, str] = {
    "dialects": "attn_ir.dialects",
    "interpreter": "attn_ir.interpreter",
    "presets": "attn_ir.presets",
    "targets": "attn_ir.targets",
    "passes": "attn_ir.passes",
    "hwmodel": "attn_ir.backends.hwmodel",
    "numpy": "attn_ir.backends.numpy",
    "torch": "attn_ir.backends.torch",
}
"""Layer name → the package whose submodules extend it."""

ENTRY_POINT_GROUP = "attn_ir.systems"
ENVIRONMENT_VARIABLE = "ATTN_IR_SYSTEMS"


class SystemNotFound(ImportError):
    """A declared external system cannot be imported."""


@dataclass(frozen=True)
class System:
    """One system: its name, and for a system outside attn_ir the package
    that holds its layer modules."""

    name: str
    package: str | None = None

    def module_name(self, layer: str) -> str:
        if self.package is None:
            return f"{LAYERS[layer]}.{self.name}"
        return f"{self.package}.{layer}"

    def extension(self, layer: str):
        """The system's ``EXTENSION`` record for ``layer``, or None when the
        system does not extend that layer."""
        module = _import_if_present(self.module_name(layer))
        return None if module is None else module.EXTENSION


def _import_if_present(name: str) -> ModuleType | None:
    try:
        spec = importlib.util.find_spec(name)
    except ModuleNotFoundError:
        return None
    return None if spec is None else importlib.import_module(name)


@functools.cache
def systems() -> tuple[System, ...]:
    """The built-in systems, then external ones (entry points, then the
    environment variable), each once."""
    found = [System(name) for name in BUILTIN_SYSTEMS]
    packages: list[str] = []
    from importlib.metadata import entry_points

    packages += [ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)]
    packages += [p.strip() for p in os.environ.get(ENVIRONMENT_VARIABLE, "").split(",")
                 if p.strip()]
    names = set(BUILTIN_SYSTEMS)
    for package in packages:
        name = package.rsplit(".", 1)[-1]
        if name in names:
            continue
        if importlib.util.find_spec(package) is None:
            raise SystemNotFound(f"system package '{package}' (from {ENVIRONMENT_VARIABLE} or the "
                               f"'{ENTRY_POINT_GROUP}' entry points) cannot be imported")
        names.add(name)
        found.append(System(name, package))
    return tuple(found)


def extensions(layer: str) -> list:
    """Every system's ``EXTENSION`` for ``layer``, in system order."""
    return [ext for system in systems() if (ext := system.extension(layer)) is not None]
