"""Runtime of emitted modules: what every emitted function uses.

Copied (below the ``EMITTED BELOW`` marker) into every emitted module.
"""

import numpy as np

# --- EMITTED BELOW ---


class InputError(ValueError):
    """Input data a function cannot take: a shape, or an index out of range
    (the backend reports it as the user's error, in one line)."""


def _argument(value, name, shape, dtype=None):
    """``value`` as an array of the declared ``shape`` (bool for i1)."""
    array = np.asarray(value) if dtype is None else np.asarray(value, dtype)
    if array.shape != shape:
        raise InputError(f"argument {name} must have shape {shape}, got {array.shape}")
    if dtype is None and array.dtype.kind not in "fiu":
        raise TypeError(f"argument {name} must hold numbers, got {array.dtype}")
    return array


def _result(value, dtype):
    """A function result in its declared element type."""
    return np.asarray(value).astype(dtype, copy=False)
