"""The core system's presets: published models with static sparsity
(Longformer, BigBird, ViL, Sparse Transformer) and dense or causal
baselines (BERT, GPT-2)."""

from __future__ import annotations

from attn_ir import patterns as P
from attn_ir.presets import Preset, PresetError, PresetExtension


def longformer_pattern(layer: int, seq_len: int) -> P.Pattern:
    """Longformer (Beltagy, Peters, Cohan 2020, "Longformer: The
    Long-Document Transformer", arXiv:2004.05150) as released in
    ``allenai/longformer-base-4096`` and ``allenai/longformer-large-4096``
    (Hugging Face ``config.json``: ``attention_window = 512`` in every layer,
    ``max_position_embeddings = 4098``, i.e. 4096 tokens): a sliding window of
    256 keys on each side, and global attention on the first token (``<s>``,
    the classification token), the setting of the paper's classification
    tasks and of SALO's Longformer workload (L = 4096, w = 512)."""
    return P.Union((P.Window(left=256, right=256), P.Global((0,))))


BIGBIRD_BLOCK = 64
BIGBIRD_RANDOM_BLOCKS = 3


def bigbird_pattern(layer: int, seq_len: int) -> P.Pattern:
    """BigBird ITC (Zaheer et al. 2020, "Big Bird: Transformers for Longer
    Sequences", arXiv:2007.14062) as released in ``google/bigbird-roberta-base``
    (Hugging Face ``config.json``: ``attention_type = "block_sparse"``,
    ``block_size = 64``, ``num_random_blocks = 3``,
    ``max_position_embeddings = 4096``): a sliding window of three blocks,
    three random key blocks per query block (seeded with the layer index,
    as each layer draws its own), and the first and last blocks global."""
    b = BIGBIRD_BLOCK
    first = tuple(range(b))
    last = tuple(range(seq_len - b, seq_len))
    return P.Union((
        P.BlockLocal(block=b, left=1, right=1),
        P.RandomBlocks(block=b, count=BIGBIRD_RANDOM_BLOCKS, seed=layer),
        P.Global(first + last),
    ))


VIL_STAGES = (
    # (grid rows, grid cols, layers): stage 1 then stage 2 of ViL, 224x224 input.
    (56, 56, 1),
    (28, 28, 2),
)
VIL_WINDOW = (15, 15)
VIL_GLOBAL_TOKENS = 1


def _vil_stage(layer: int) -> tuple[int, int]:
    for rows, cols, layers in VIL_STAGES:
        if layer < layers:
            return rows, cols
        layer -= layers
    raise PresetError(f"ViL has no layer {layer}")


def vil_seq_len(layer: int, seq_len: int) -> int:
    rows, cols = _vil_stage(layer)
    return VIL_GLOBAL_TOKENS + rows * cols


def vil_pattern(layer: int, seq_len: int) -> P.Pattern:
    """Vision Longformer (Zhang et al. 2021, "Multi-Scale Vision Longformer",
    arXiv:2103.15358) in the shapes the SALO accelerator evaluates (Shen et
    al., DAC 2022, "SALO: An Efficient Spatial Accelerator Enabling Hybrid
    Sparse Attention Mechanisms for Long Sequences", evaluation: ViL stage
    1 L = 3136, stage 2 L = 784, window 15x15 (w = 225), hidden 384 with 6
    heads, d = 64).  A 224x224 image gives a 56x56 token grid in stage 1 and
    28x28 in stage 2; each grid is preceded by one global token (ViL's
    ``nglo = 1``), so N = 1 + 3136 and 1 + 784.  Every grid token attends its
    15x15 neighbourhood, clipped at the grid's edges, plus the global token.
    This preset has SALO's two workloads as layers: one layer at stage 1,
    then two at stage 2; SALO uses the same head count and head dimension
    for both stages, and so does this preset."""
    rows, cols = _vil_stage(layer)
    return P.Union((
        P.Window2D(grid=(rows, cols), window=VIL_WINDOW, offset=VIL_GLOBAL_TOKENS),
        P.Global(tuple(range(VIL_GLOBAL_TOKENS))),
    ))


SPARSE_TRANSFORMER_STRIDE = 128
SPARSE_TRANSFORMER_SUMMARY = 32


def sparse_transformer_strided_pattern(layer: int, seq_len: int) -> P.Pattern:
    """Sparse Transformer, strided pattern (Child, Gray, Radford, Sutskever
    2019, "Generating Long Sequences with Sparse Transformers",
    arXiv:1904.10509): causal, each query attends the previous
    128 positions and every 128th position before it.  The shape is that of
    the paper's enwik8 model (30 layers, model width 512 with 8 heads, so
    d = 64, context 12,288, stride 128).  That model used the fixed
    pattern; the strided pattern is the paper's choice for images and is
    given here at the same shape so the two compare directly.  Both factorised
    heads are merged into one pattern (their union), as in the paper's
    merged-head attention."""
    return P.Strided(stride=SPARSE_TRANSFORMER_STRIDE)


def sparse_transformer_fixed_pattern(layer: int, seq_len: int) -> P.Pattern:
    """Sparse Transformer, fixed pattern (Child et al. 2019,
    arXiv:1904.10509) with the enwik8 model's settings (stride l = 128,
    c = 32, merged heads; 30 layers, 8 heads, d = 64, context 12,288): causal, each query attends its own block of 128 positions and
    the last 32 positions of every earlier block.  Both heads are merged into
    one pattern (their union)."""
    return P.Fixed(stride=SPARSE_TRANSFORMER_STRIDE, summary=SPARSE_TRANSFORMER_SUMMARY)


def bert_pattern(layer: int, seq_len: int) -> P.Pattern:
    """BERT-base (Devlin et al. 2019, "BERT: Pre-training of Deep
    Bidirectional Transformers for Language Understanding",
    arXiv:1810.04805; 12 layers, hidden 768, 12 heads, so d = 64, 512
    positions): dense bidirectional attention."""
    return P.Dense()


def gpt2_pattern(layer: int, seq_len: int) -> P.Pattern:
    """GPT-2 small (Radford et al. 2019, "Language Models are Unsupervised
    Multitask Learners"; Hugging Face ``gpt2`` ``config.json``: ``n_layer =
    12``, ``n_head = 12``, ``n_embd = 768``, so d = 64, ``n_ctx = 1024``):
    causal attention."""
    return P.Causal()


EXTENSION = PresetExtension(presets={p.name: p for p in (
    Preset("longformer-base-4096",
           "Longformer base: window 512 (256 each side) + global <s>, 12 layers x 12 heads",
           layers=12, heads=12, head_dim=64, seq_len=4096, batch=1,
           pattern=longformer_pattern),
    Preset("longformer-large-4096",
           "Longformer large: window 512 (256 each side) + global <s>, 24 layers x 16 heads",
           layers=24, heads=16, head_dim=64, seq_len=4096, batch=1,
           pattern=longformer_pattern),
    Preset("bigbird-roberta-base",
           "BigBird ITC: 3-block window + 3 random blocks + first/last block global, "
           "block 64, 12 layers x 12 heads",
           layers=12, heads=12, head_dim=64, seq_len=4096, batch=1,
           pattern=bigbird_pattern, seq_len_multiple=BIGBIRD_BLOCK,
           # Hugging Face's BigBird falls back to full attention up to
           # (5 + 2 * num_random_blocks) * block_size tokens.
           min_seq_len=(6 + 2 * BIGBIRD_RANDOM_BLOCKS) * BIGBIRD_BLOCK),
    Preset("vil-small",
           "Vision Longformer as in SALO: 15x15 window on a 56x56 grid (1 layer), "
           "then 28x28 (2 layers), + 1 global token, 6 heads",
           layers=sum(n for _, _, n in VIL_STAGES), heads=6, head_dim=64,
           seq_len=vil_seq_len(0, 0), batch=1,
           pattern=vil_pattern, layer_seq_len=vil_seq_len,
           fixed_seq_len="ViL's token grids (56x56, then 28x28, plus one global "
                         "token) are fixed by the 224x224 input; use --layers instead"),
    Preset("sparse-transformer-strided",
           "Sparse Transformer strided (stride 128), enwik8 shape: 30 layers x 8 heads",
           layers=30, heads=8, head_dim=64, seq_len=12288, batch=1,
           pattern=sparse_transformer_strided_pattern),
    Preset("sparse-transformer-fixed",
           "Sparse Transformer fixed (stride 128, summary 32), enwik8 shape: "
           "30 layers x 8 heads",
           layers=30, heads=8, head_dim=64, seq_len=12288, batch=1,
           pattern=sparse_transformer_fixed_pattern),
    Preset("bert-base",
           "BERT base: dense attention, 12 layers x 12 heads, 512 tokens",
           layers=12, heads=12, head_dim=64, seq_len=512, batch=1,
           pattern=bert_pattern),
    Preset("gpt2",
           "GPT-2 small: causal attention, 12 layers x 12 heads, 1024 tokens",
           layers=12, heads=12, head_dim=64, seq_len=1024, batch=1,
           pattern=gpt2_pattern),
)})
