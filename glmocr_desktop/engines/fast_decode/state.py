"""Everything a decode step reads and updates for one batch, as named tensors at fixed addresses.

Why a module of its own: a captured decode graph replays on the same tensors every time, so the state of
a batch (last tokens, positions, the cache slot, which tokens were seen, which rows are finished, ...) is
allocated once per batch bucket and reset in place for each new batch. Seeding it is also where the
decoding rule's batch independence lives: only real prompt tokens count as seen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from glmocr_desktop.engines.fast_decode.kv_cache import KVCache


@dataclass
class DecodeState:
    """One batch bucket's decode state; row ``r`` of every tensor is batch row ``r``."""

    batch: int  # the batch bucket: rows past the real batch stay finished
    cache: KVCache
    tokens: Any  # (batch,) long: the last token of every row, the next step's input
    positions: Any  # (batch,) long: that token's rope position
    slot: Any  # (1,) long: the cache slot the next step writes (the same for every row)
    kv_valid: Any  # (batch, slots) bool: cache slots a row attends to (left padding is not valid)
    seen: Any  # (batch, vocab) bool: tokens the repetition penalty applies to
    finished: Any  # (batch,) bool
    n_generated: Any  # (batch,) long
    max_new: Any  # (batch,) long: token budget per row
    min_new: Any  # (batch,) long: EOS is banned until a row has this many tokens
    eos_mask: Any  # (batch, vocab) bool
    #: per attended length, an empty tensor of that length: the step reads its length as a (dynamic) size
    attended_markers: dict[int, Any] = field(default_factory=dict)

    #: what a step changes; a capture's warm-up runs put these back
    STEP_UPDATED = ("tokens", "positions", "slot", "kv_valid", "seen", "finished", "n_generated")

    @classmethod
    def allocate(cls, batch: int, cache: KVCache, vocab: int, pad: int, len_step: int, device) -> DecodeState:
        import torch

        def longs(n: int):
            return torch.zeros(n, dtype=torch.long, device=device)

        return cls(
            batch=batch,
            cache=cache,
            tokens=torch.full((batch,), pad, dtype=torch.long, device=device),
            positions=longs(batch),
            slot=longs(1),
            kv_valid=torch.zeros(batch, cache.capacity + len_step, dtype=torch.bool, device=device),
            seen=torch.zeros(batch, vocab, dtype=torch.bool, device=device),
            finished=torch.ones(batch, dtype=torch.bool, device=device),
            n_generated=longs(batch),
            max_new=longs(batch),
            min_new=longs(batch),
            eos_mask=torch.zeros(batch, vocab, dtype=torch.bool, device=device),
        )

    def attended_marker(self, length: int):
        marker = self.attended_markers.get(length)
        if marker is None:
            import torch

            marker = torch.empty(length, dtype=torch.int8, device=self.slot.device)
            self.attended_markers[length] = marker
        return marker

    def step_tensors(self, attended_len: int) -> tuple:
        """The decode step's tensor arguments, in :meth:`DecodeStep.step`'s order."""
        return (self.tokens, self.positions, self.slot, self.cache.keys, self.cache.values, self.kv_valid,
                self.attended_marker(attended_len), self.seen, self.finished, self.n_generated, self.max_new,
                self.min_new, self.eos_mask)

    def snapshot(self) -> dict[str, Any]:
        return {name: getattr(self, name).clone() for name in self.STEP_UPDATED}

    def restore(self, snapshot: dict[str, Any]) -> None:
        for name, saved in snapshot.items():
            getattr(self, name).copy_(saved)

    def start(self, input_ids, attention_mask, eos_ids: Sequence[int], max_new: Sequence[int],
              min_new: Sequence[int], pad: int) -> None:
        """Reset every row for a new batch of ``len(input_ids)`` prompts (left-padded)."""
        import torch

        rows, length = input_ids.shape
        device = self.slot.device
        self.kv_valid.zero_()
        self.kv_valid[:rows, :length] = attention_mask.bool()
        # Only real prompt tokens count as seen: left padding uses the pad id (also an EOS id), and
        # penalising it would make a row's text depend on the batch it ran in.
        real_counts = torch.zeros(rows, self.seen.shape[1], dtype=torch.long, device=device)
        real_counts.scatter_add_(1, input_ids, attention_mask.long())
        self.seen.zero_()
        self.seen[:rows] = real_counts > 0
        self.eos_mask.zero_()
        if eos_ids:
            self.eos_mask[:, torch.as_tensor(list(eos_ids), device=device)] = True
        self.n_generated.zero_()
        self.max_new.zero_()
        self.max_new[:rows] = torch.as_tensor(list(max_new), device=device)
        self.min_new.zero_()
        self.min_new[:rows] = torch.as_tensor(list(min_new), device=device)
        self.finished.fill_(True)
        self.finished[:rows] = False
        self.positions.zero_()
        self.tokens.fill_(pad)

    def accept_first(self, first, last_positions, prompt_len: int, rows: int, check_eos: bool) -> None:
        """Book the token picked from the prompt's logits, as a decode step books its own."""
        self.seen.scatter_(1, first[:, None], True)
        self.n_generated.add_(1)
        if check_eos:
            self.finished |= self.eos_mask.gather(1, first[:, None])[:, 0]
        self.finished |= self.n_generated >= self.max_new
        self.tokens.copy_(first)
        self.positions[:rows] = last_positions + 1
        self.slot.fill_(prompt_len)
