"""ViTCoD's Q/K auto-encoder (You et al., HPCA 2023, Sec. IV-B, Fig. 7).

ViTCoD cuts the DRAM traffic of Q and K by mixing the heads: an encoder (a
linear layer over the head axis, ``nn.Linear(num_heads, hidden)`` in its
``vision_transformer.py``, ``svd_type = "mix_head_fc_qk"``) compresses the
``H`` heads of every (token, feature) to ``hidden`` values before Q and K
are stored; a decoder (``nn.Linear(hidden, num_heads)``) restores ``H``
heads on chip before QK.  With DeiT-Tiny's 3 heads and ``hidden = 2`` the
ratio is 2/3, the ratio of ViTCoD's simulator.

    z[b, c, n, d] = sum_h E[c, h] x[b, h, n, d] + e[c]      (encode)
    y[b, h, n, d] = sum_c W[h, c] z[b, c, n, d] + w[h]      (decode)

Weights come from an ``.npz`` (``<encoder>.weight`` ``[hidden, H]``,
``<encoder>.bias`` ``[hidden]``, ``<decoder>.weight`` ``[H, hidden]``,
``<decoder>.bias`` ``[H]``: PyTorch's names, so a ViTCoD state dict saved
with ``numpy.savez`` is read with ``encoder = "blocks.0.attn.encoder_q"``),
or from a documented seeded stand-in for trained weights
(``seeded_weights``).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from functools import lru_cache

import numpy as np


class AutoEncoderError(ValueError):
    """Weights that cannot be read or do not fit (a one-line message)."""


@dataclass(frozen=True)
class AutoEncoderWeights:
    encoder_weight: np.ndarray
    """[hidden, H]"""
    encoder_bias: np.ndarray
    """[hidden]"""
    decoder_weight: np.ndarray
    """[H, hidden]"""
    decoder_bias: np.ndarray
    """[H]"""


def default_hidden(heads: int, ratio: float = 2 / 3) -> int:
    """Compressed heads for a ratio (ViTCoD: 2/3, so 3 heads -> 2, 6 -> 4)."""
    return max(1, math.ceil(heads * ratio - 1e-9))


def seeded_weights(heads: int, hidden: int, seed: int) -> AutoEncoderWeights:
    """The seeded stand-in for trained weights: ``Q`` = the orthonormal
    ``[H, hidden]`` factor of the QR decomposition of a standard normal
    ``[H, hidden]`` matrix from ``numpy.random.default_rng(seed)``; the
    encoder is ``Q^T``, the decoder ``Q``, biases zero.  decode(encode(x))
    is then the orthogonal projection of each (token, feature)'s head
    vector onto a ``hidden``-dimensional subspace (lossy, as a trained
    auto-encoder with ``hidden < H`` is)."""
    rng = np.random.default_rng(seed)
    q, r = np.linalg.qr(rng.standard_normal((heads, hidden)))
    q = q * np.where(np.diag(r) < 0, -1.0, 1.0)[None, :]  # a unique sign convention
    return AutoEncoderWeights(q.T.copy(), np.zeros(hidden), q.copy(), np.zeros(heads))


@lru_cache(maxsize=64)
def _file_weights(path: str, mtime_ns: int, encoder: str, decoder: str) -> AutoEncoderWeights:
    try:
        with np.load(path, allow_pickle=False) as data:
            names = [f"{encoder}.weight", f"{encoder}.bias", f"{decoder}.weight",
                     f"{decoder}.bias"]
            missing = [n for n in names if n not in data.files]
            if missing:
                raise AutoEncoderError(f"#attn.autoencoder: '{path}' has no array "
                                       + ", ".join(f"'{n}'" for n in missing))
            arrays = [np.asarray(data[n], np.float64) for n in names]
    except (OSError, ValueError, AttributeError) as e:
        raise AutoEncoderError(f"#attn.autoencoder: cannot read '{path}' as .npz ({e})") from None
    return AutoEncoderWeights(*arrays)


@dataclass(frozen=True)
class QKAutoEncoder:
    """The encoder and decoder of one tensor (Q or K) of one layer."""

    heads: int
    hidden: int
    seed: int = 0
    path: str = ""
    encoder: str = "encoder"
    decoder: str = "decoder"

    @property
    def ratio(self) -> float:
        return self.hidden / self.heads

    def weights(self) -> AutoEncoderWeights:
        if not self.path:
            w = seeded_weights(self.heads, self.hidden, self.seed)
        else:
            if not os.path.exists(self.path):
                raise AutoEncoderError(
                    f"#attn.autoencoder: cannot read '{self.path}': no such file")
            w = _file_weights(os.path.abspath(self.path), os.stat(self.path).st_mtime_ns,
                              self.encoder, self.decoder)
        expected = {"encoder.weight": (self.hidden, self.heads),
                    "encoder.bias": (self.hidden,),
                    "decoder.weight": (self.heads, self.hidden),
                    "decoder.bias": (self.heads,)}
        for (name, shape), array in zip(expected.items(), (
                w.encoder_weight, w.encoder_bias, w.decoder_weight, w.decoder_bias)):
            if array.shape != shape:
                raise AutoEncoderError(
                    f"#attn.autoencoder: {name} must have shape "
                    f"{'x'.join(map(str, shape))} for {self.heads} heads and hidden = "
                    f"{self.hidden}, got {'x'.join(map(str, array.shape))}")
        return w

    def validate(self) -> None:
        if self.heads <= 0 or self.hidden <= 0:
            raise AutoEncoderError("#attn.autoencoder: heads and hidden must be positive")
        if self.hidden > self.heads:
            raise AutoEncoderError(f"#attn.autoencoder: hidden ({self.hidden}) must not "
                                   f"exceed heads ({self.heads}); it compresses them")
        self.weights()

    def encode(self, x: np.ndarray, dtype=None) -> np.ndarray:
        """[B, H, N, D] -> [B, hidden, N, D]."""
        w = self.weights()
        dtype = np.dtype(dtype or np.result_type(x.dtype, np.float32))
        z = np.einsum("ch,bhnd->bcnd", w.encoder_weight.astype(dtype), x.astype(dtype))
        return (z + w.encoder_bias.astype(dtype)[None, :, None, None]).astype(dtype)

    def decode(self, z: np.ndarray, dtype=None) -> np.ndarray:
        """[B, hidden, N, D] -> [B, H, N, D]."""
        w = self.weights()
        dtype = np.dtype(dtype or np.result_type(z.dtype, np.float32))
        y = np.einsum("hc,bcnd->bhnd", w.decoder_weight.astype(dtype), z.astype(dtype))
        return (y + w.decoder_bias.astype(dtype)[None, :, None, None]).astype(dtype)

    def save(self, path: str) -> None:
        """Write the weights to an ``.npz`` this auto-encoder's names read."""
        w = self.weights()
        np.savez(path, **{f"{self.encoder}.weight": w.encoder_weight,
                          f"{self.encoder}.bias": w.encoder_bias,
                          f"{self.decoder}.weight": w.decoder_weight,
                          f"{self.decoder}.bias": w.decoder_bias})
