"""xDSL plug-in registration: makes ``xdsl-opt`` (and ``attn-opt``) see
attn_ir's dialects and passes through the ``xdsl.universe`` entry point.

Both come from the same registries that the rest of attn_ir uses
(``attn_ir.dialects.dialect`` and ``attn_ir.passes.all_passes``), which
assemble every system's extensions; the entry point loads this module
cheaply and nothing is imported until a dialect or pass is asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from xdsl.universe import Universe

from attn_ir.dialects import DIALECT_NAMES


def _dialect_factory(name: str) -> Callable:
    def factory():
        from attn_ir.dialects import dialect

        return dialect(name)

    return factory


class _LazyPasses(Mapping):
    """The pass registry, read when xDSL first asks for a pass."""

    def _passes(self):
        from attn_ir.passes import all_passes

        return all_passes()

    def __getitem__(self, name: str):
        return self._passes()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._passes())

    def __len__(self) -> int:
        return len(self._passes())


ATTN_IR_UNIVERSE = Universe(
    all_dialects={name: _dialect_factory(name) for name in DIALECT_NAMES},
    all_passes=_LazyPasses(),
)
