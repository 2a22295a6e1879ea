"""The torch backend: tiled attn_ir IR run with PyTorch on CUDA or CPU
(installed as ``attn_ir.backends.torch``; torch is the optional ``torch``
extra, imported only when this backend is asked for).

    import attn_ir
    f = attn_ir.compile(module, backend="torch", device="cuda")
    out = f(q, k, v)            # torch tensors in, torch tensors out

``tile.attention`` and the parts of ``attn-split-parts`` run as
FlexAttention with a BlockMask built from their tile tables
(``block_masks``) and a mask_mod written as index arithmetic
(``attn_ir.interop.flex``); the few global rows of a rows part run as split-K dense
rows (``kernels``); each system's ops by its ``TorchExtension``
(``attn_ir.backends.torch.<system>``).
``attn-run --backend torch --device cuda`` runs a file or a preset.
"""
