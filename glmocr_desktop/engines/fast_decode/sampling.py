"""The official decoding rule on the device: greedy, repetition penalty, EOS ban for forced lengths.

Why a module of its own: the fast path must pick exactly the token stock ``generate`` picks
(transformers' RepetitionPenaltyLogitsProcessor, then MinNewTokensLengthLogitsProcessor, then argmax), in
tensor code that a CUDA graph can capture. Token identity with stock in float32 is tested.
"""

from __future__ import annotations

#: the vocabulary is reduced in this many chunks first when the argmax is split in two stages
ARGMAX_CHUNKS = 64


def first_argmax(scores, split: bool = True):
    """argmax over the last dim (first index on ties), optionally in two stages (chunks, then the chunk
    maxima): the same rule, with the reduction spread over many blocks instead of one per row."""
    rows, vocab = scores.shape
    if not split or vocab % ARGMAX_CHUNKS:
        return scores.argmax(-1)
    width = vocab // ARGMAX_CHUNKS
    chunk_max, chunk_index = scores.view(rows, ARGMAX_CHUNKS, width).max(-1)
    best_chunk = chunk_max.argmax(-1)
    return chunk_index.gather(1, best_chunk[:, None])[:, 0] + best_chunk * width


def pick_next(logits, seen, finished, n_generated, min_new, eos_mask, pad: int, penalty: float,
              split_argmax: bool):
    """The next token of every row from float logits (B, V); finished rows get ``pad``.

    ``seen`` (B, V) bool: tokens penalised (divided by ``penalty`` when positive, multiplied when not);
    ``eos_mask`` (B, V) bool or None: EOS ids, banned while ``n_generated < min_new``.
    """
    import torch

    scores = logits.to(torch.float32)
    penalised = torch.where(scores < 0, scores * penalty, scores / penalty)
    scores = torch.where(seen, penalised, scores)
    if eos_mask is not None:
        banned = (n_generated < min_new)[:, None] & eos_mask
        scores = scores.masked_fill(banned, float("-inf"))
    chosen = first_argmax(scores, split_argmax)
    return torch.where(finished, torch.full_like(chosen, pad), chosen)
