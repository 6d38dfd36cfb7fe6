"""Speculative decoding of one region with the MTP draft layer: k drafts, one verify pass, greedy accept.

Why a module of its own: a decode step reads all decoder weights for one token; a verify pass reads them
once for ``k + 1`` tokens. The MTP layer (:mod:`.mtp`) guesses ``k`` tokens, the decoder checks them all
in one forward, and the longest prefix that matches the decoder's own greedy picks is kept, plus the
decoder's next token. The picks use the official rule position by position (the repetition penalty over
everything seen up to that position), so the output is exactly plain greedy decoding, whatever the drafts.

One round is a fixed-shape function of static buffers (only the attended cache length varies, in
``len_step`` buckets), so on CUDA it is captured as one graph per bucket and replayed with a single
device-to-host copy of its tokens. Cache bookkeeping needs no rollback: a round writes the slots it
verifies, attention never reads past a query's own slot, and the next round overwrites what was rejected.

Slot convention (the official servers'): the draft at slot ``p`` reads token ``x[p+1]`` and the decoder's
final-norm hidden ``H[p]``, and guesses ``x[p+2]``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from glmocr_desktop.engines.fast_decode.attention import prefill_attention
from glmocr_desktop.engines.fast_decode.buckets import round_up
from glmocr_desktop.engines.fast_decode.delivery import HostRows
from glmocr_desktop.engines.fast_decode.errors import FastDecodeUnavailable
from glmocr_desktop.engines.fast_decode.graphs import GraphPool, GraphRunner
from glmocr_desktop.engines.fast_decode.mtp import DraftModel
from glmocr_desktop.engines.fast_decode.sampling import first_argmax

log = logging.getLogger(__name__)


@dataclass
class RoundBuffers:
    """Everything a round reads and writes, at fixed addresses (batch of one)."""

    slot: Any  # (1,) long: cache slot of the last accepted token x[n] (the verify's first input)
    hist_tokens: Any  # (k+1,) long: x[n-k] .. x[n]
    hist_hidden: Any  # (k+1, hidden): H[n-k-1] .. H[n-1]
    seen: Any  # (1, vocab) bool: tokens the repetition penalty applies to
    n_generated: Any  # (1,) long: tokens generated so far (x[n] included)
    min_new: Any  # (1,) long
    eos_mask: Any  # (vocab,) bool
    cos: Any  # (slots, rotary dims): rope of every cache slot (the prompt's M-RoPE, then text positions)
    sin: Any
    mtp_keys: Any  # (1, kv_heads, slots, head_dim): the MTP layer's own cache
    mtp_values: Any
    out_tokens: Any  # (k+1,) long: the round's picks y[0..k]
    out_count: Any  # (1,) long: how many of them are accepted (1 .. k+1)
    oracle_tokens: Any = None  # benchmarks only: (slots,) the known greedy output, drafts right ...
    oracle_hits: Any = None  # ... where this (slots,) bool says so

    UPDATED = ("slot", "hist_tokens", "hist_hidden", "seen", "n_generated", "out_tokens", "out_count")

    def snapshot(self) -> dict[str, Any]:
        return {n: getattr(self, n).clone() for n in self.UPDATED}

    def restore(self, saved: dict[str, Any]) -> None:
        for n, t in saved.items():
            getattr(self, n).copy_(t)


def _grouped_attention(decoder, keys, values, slots, key_bias):
    """Attention of queries at cache ``slots`` (T,) against a cache (B, kv, S, hd) they were just written
    to; ``key_bias`` (T, L) is 0 where a key may be read, -inf elsewhere."""
    import torch

    group = decoder.n_heads // decoder.n_kv_heads
    attended = key_bias.shape[-1]

    def attend(index: int, q, k, v):
        layer_keys, layer_values = keys(index), values(index)
        layer_keys.index_copy_(2, slots, k)
        layer_values.index_copy_(2, slots, v)
        batch, _, tokens, head_dim = q.shape
        grouped = q.reshape(batch, decoder.n_kv_heads, group * tokens, head_dim)
        scores = torch.matmul(grouped, layer_keys[:, :, :attended].transpose(-1, -2)).to(torch.float32)
        scores = scores.view(batch, decoder.n_kv_heads, group, tokens, attended) * decoder.scaling
        probs = torch.softmax(scores + key_bias, dim=-1).to(q.dtype)
        out = torch.matmul(probs.view(batch, decoder.n_kv_heads, group * tokens, attended),
                           layer_values[:, :, :attended])
        out = out.view(batch, decoder.n_heads, tokens, head_dim)
        return out.transpose(1, 2).reshape(batch, tokens, decoder.q_dim)

    return attend


class SpeculativeDecoder:
    """Batch-1 speculative decoding on a :class:`~.fast_decoder.FastDecoder`'s decoder and cache."""

    def __init__(self, fast, draft: DraftModel, draft_tokens: int = 3) -> None:
        if draft_tokens < 1:
            raise ValueError("draft_tokens must be at least 1")
        self.fast = fast
        self.draft = draft
        self.k = int(draft_tokens)
        self.graphs = GraphRunner(GraphPool(), fast._capture_gate)
        self._buffers: RoundBuffers | None = None
        self._buffer_key: tuple | None = None
        #: benchmarks: drafts replaced by the known output where ``oracle_hits`` says so
        self.oracle: tuple[Any, Any] | None = None
        self.stats: dict[str, Any] = {"rounds": 0, "drafted": 0, "accepted": 0}

    # --- buffers ---------------------------------------------------------------------------------

    def _round_buffers(self, slots: int, cache) -> RoundBuffers:
        import torch

        d, dev = self.fast.decoder, self.fast.device
        key = (slots, id(cache.keys[0]), self.oracle is not None)
        if self._buffers is not None and self._buffer_key == key:
            return self._buffers
        self.graphs.clear()  # graphs hold the old buffers' addresses
        k1 = self.k + 1

        def zeros(*shape, dtype=torch.long):
            return torch.zeros(*shape, dtype=dtype, device=dev)

        cache_shape = (1, d.n_kv_heads, slots, d.head_dim)
        self._buffers = RoundBuffers(
            slot=zeros(1), hist_tokens=zeros(k1), hist_hidden=zeros(k1, d.hidden, dtype=d.embed.dtype),
            seen=zeros(1, d.vocab, dtype=torch.bool), n_generated=zeros(1), min_new=zeros(1),
            eos_mask=zeros(d.vocab, dtype=torch.bool),
            cos=zeros(slots, d.rotary_dims, dtype=d.embed.dtype), sin=zeros(slots, d.rotary_dims, dtype=d.embed.dtype),
            mtp_keys=zeros(*cache_shape, dtype=d.embed.dtype), mtp_values=zeros(*cache_shape, dtype=d.embed.dtype),
            out_tokens=zeros(k1), out_count=zeros(1),
            oracle_tokens=zeros(slots) if self.oracle is not None else None,
            oracle_hits=zeros(slots, dtype=torch.bool) if self.oracle is not None else None,
        )
        self._buffer_key = key
        return self._buffers

    # --- the round -------------------------------------------------------------------------------

    def _penalised(self, logits, seen, penalty: float):
        import torch

        scores = logits.to(torch.float32)
        return torch.where(seen, torch.where(scores < 0, scores * penalty, scores / penalty), scores)

    def round(self, b: RoundBuffers, keys: list, values: list, attended: int, penalty: float):
        """One draft-and-verify round on static buffers (the captured function)."""
        import torch

        d, draft, k = self.fast.decoder, self.draft, self.k
        k1 = k + 1
        dev = b.slot.device
        steps = torch.arange(k1, device=dev)
        key_slots = torch.arange(attended, device=dev)

        def bias(query_slots):
            allowed = key_slots[None, :] <= query_slots[:, None]
            return torch.zeros(allowed.shape, dtype=torch.float32, device=dev).masked_fill(~allowed, float("-inf"))

        def rope(query_slots):
            return b.cos.index_select(0, query_slots)[None], b.sin.index_select(0, query_slots)[None]

        mtp_keys, mtp_values = (lambda i: b.mtp_keys), (lambda i: b.mtp_values)
        # 1. the draft layer catches up on the last k+1 slots (true hidden states), guesses x[n+1]
        catch_up = b.slot - 1 - k + steps
        cos, sin = rope(catch_up)
        g = draft.hidden(b.hist_tokens[None], b.hist_hidden[None], cos, sin,
                         _grouped_attention(d, mtp_keys, mtp_values, catch_up, bias(catch_up)))[:, -1:]
        seen = b.seen
        drafts = []
        for j in range(k):
            guess = first_argmax(self._penalised(draft.logits(g[:, 0]), seen, penalty), self.fast.split_argmax)
            if b.oracle_tokens is not None:  # benchmarks: the known output where the coin says right
                at = (b.n_generated + j).clamp(max=b.oracle_tokens.shape[0] - 1)
                right = b.oracle_tokens.index_select(0, at)
                guess = torch.where(b.oracle_hits.index_select(0, at), right, (right + 1) % d.vocab)
            drafts.append(guess)
            seen = seen.scatter(1, guess[:, None], True)
            if j + 1 < k:  # the next guess reads this one and the draft's own hidden state
                at_slot = b.slot + j
                cos, sin = rope(at_slot)
                g = draft.hidden(guess[None], g, cos, sin,
                                 _grouped_attention(d, mtp_keys, mtp_values, at_slot, bias(at_slot)))
        draft_tokens = torch.cat(drafts)  # (k,)
        # 2. the decoder verifies x[n], d1..dk in one pass over slots n..n+k
        verify = b.slot + steps
        tokens = torch.cat([b.hist_tokens[-1:], draft_tokens])
        cos, sin = rope(verify)
        x = torch.nn.functional.embedding(tokens[None], d.embed)
        hidden = d.forward(x, cos, sin, _grouped_attention(d, lambda i: keys[i], lambda i: values[i], verify,
                                                           bias(verify)))[0]
        normed = d.rms_norm(hidden, d.final_norm)  # H[n] .. H[n+k]
        logits = torch.nn.functional.linear(normed, d.lm_head)
        # 3. the official pick at every position, with what was seen up to it
        onehots = torch.zeros(k1, d.vocab, dtype=torch.long, device=dev)
        onehots[1:].scatter_(1, draft_tokens[:, None], 1)
        seen_rows = b.seen | (onehots.cumsum(0) > 0)
        scores = self._penalised(logits, seen_rows, penalty)
        banned = ((b.n_generated + steps) < b.min_new)[:, None] & b.eos_mask[None]
        picks = first_argmax(scores.masked_fill(banned, float("-inf")), self.fast.split_argmax)
        count = torch.cumprod((draft_tokens == picks[:k]).long(), 0).sum() + 1
        # 4. book the accepted picks
        b.out_tokens.copy_(picks)
        b.out_count.copy_(count.view(1))
        kept = torch.where(steps < count, picks, picks[:1])
        b.seen.scatter_(1, kept[None], True)
        window = count + steps
        b.hist_tokens.copy_(torch.cat([b.hist_tokens, picks]).index_select(0, window))
        b.hist_hidden.copy_(torch.cat([b.hist_hidden, normed]).index_select(0, window))
        b.slot.add_(count)
        b.n_generated.add_(count)
        return b.out_tokens

    def _run_round(self, b: RoundBuffers, cache, attended: int, penalty: float):
        if not self.fast.use_graphs:
            return self.round(b, cache.keys, cache.values, attended, penalty)
        key = (attended, penalty)
        if not self.graphs.can_run(key):
            saved = b.snapshot()
            t0 = time.perf_counter()
            self.graphs.capture(key, lambda: self.round(b, cache.keys, cache.values, attended, penalty),
                                restore=lambda: b.restore(saved))
            self.stats.setdefault("captures", []).append(round(time.perf_counter() - t0, 3))
        return self.graphs.replay(key)

    # --- a check on the device ------------------------------------------------------------------

    def self_check(self, *, pad: int, eos_ids: list[int], penalty: float) -> str:
        """Run one short speculative generation on a text-only prompt on this device (capturing the first
        round graph): "" when it works, else why not. The warm-up calls it, so a device where the rounds
        fail never gets a user's region."""
        import torch

        ids = torch.arange(100, 124, device=self.fast.device)[None]
        got: list[int] = []
        try:
            self.generate({"input_ids": ids, "attention_mask": torch.ones_like(ids)},
                          max_new_tokens=2 * self.k + 3, eos_ids=eos_ids, pad=pad, penalty=penalty,
                          on_step=lambda tok: got.append(int(tok[0])), min_new_tokens=2 * self.k + 3)
        except Exception as exc:  # any failure: decode without drafts
            return f"speculative decoding failed its check on this device: {exc!r}"[:500]
        finally:
            self.stats.update(rounds=0, drafted=0, accepted=0)
        return "" if len(got) == 2 * self.k + 3 else f"speculative check gave {len(got)} tokens"

    # --- a whole generation ----------------------------------------------------------------------

    def generate(self, inputs: dict, *, max_new_tokens: int, eos_ids: list[int], pad: int, penalty: float,
                 on_step: Callable, min_new_tokens: int = 0) -> None:
        """Decode one prompt (batch of one) speculatively; ``on_step`` as :meth:`FastDecoder.generate`'s."""
        import torch

        fd, d, k = self.fast, self.fast.decoder, self.k
        ids = inputs["input_ids"]
        if ids.shape[0] != 1:
            raise FastDecodeUnavailable("speculative decoding runs one region at a time")
        length = ids.shape[1]
        if length < k + 2:
            raise FastDecodeUnavailable("prompt too short for speculative decoding")
        budget = int(max_new_tokens)
        need = length + budget + 2 * k + 2
        state = fd.decode_state(1, need, pad)
        cache = state.cache
        if need > cache.capacity:
            raise FastDecodeUnavailable(f"prompt {length} + {budget} new tokens exceed the cache")
        slots = cache.capacity + fd.buckets.len_step
        b = self._round_buffers(slots, cache)
        t0 = time.perf_counter()
        # the prompt: every hidden state is needed (the drafts read them), so it runs whole here
        prompt = fd.prefill.prepare(inputs)
        hidden = d.forward(prompt.embeddings, prompt.cos, prompt.sin,
                           prefill_attention(d, cache, prompt.valid, True))
        normed = d.rms_norm(hidden[0], d.final_norm)  # H[0] .. H[T-1]
        b.seen.zero_()
        b.seen[0, ids[0]] = True
        b.eos_mask.zero_()
        if eos_ids:
            b.eos_mask[torch.as_tensor(list(eos_ids), device=fd.device)] = True
        b.min_new.fill_(int(min_new_tokens))
        first_scores = self._penalised(torch.nn.functional.linear(normed[-1:], d.lm_head), b.seen, penalty)
        if eos_ids and min_new_tokens > 0:
            first_scores = first_scores.masked_fill(b.eos_mask[None], float("-inf"))
        first = first_argmax(first_scores, fd.split_argmax)  # (1,)
        b.seen.scatter_(1, first[:, None], True)
        b.n_generated.fill_(1)
        # rope of every slot: the prompt's own (M-RoPE over the image), then text positions after it
        b.cos[:length].copy_(prompt.cos[0])
        b.sin[:length].copy_(prompt.sin[0])
        later = torch.arange(length, slots, device=fd.device) - length + prompt.last_positions[0] + 1
        cos, sin = d.text_rope(later, d.embed.dtype)
        b.cos[length:].copy_(cos[:, 0])
        b.sin[length:].copy_(sin[:, 0])
        # the draft layer over the prompt: slot p reads x[p+1] and H[p], p = 0 .. T-2
        prompt_slots = torch.arange(length - 1, device=fd.device)
        zero = (prompt_slots == 0)[None]
        empty_cache = type(cache)(keys=[b.mtp_keys], values=[b.mtp_values], capacity=cache.capacity)
        self.draft.hidden(ids[:, 1:], normed[None, :-1], prompt.cos[:, :-1], prompt.sin[:, :-1],
                          prefill_attention(d, empty_cache, prompt.valid[:, :-1], True), zero_embed=zero)
        b.slot.fill_(length)
        b.hist_tokens.copy_(torch.cat([ids[0, length - k:], first]))
        b.hist_hidden.copy_(normed[length - k - 1:])
        if self.oracle is not None:
            tokens, hits = self.oracle
            n = min(len(tokens), slots)
            b.oracle_tokens.zero_()
            b.oracle_hits.zero_()
            b.oracle_tokens[:n].copy_(tokens[:n])
            b.oracle_hits[:n].copy_(hits[:n])
        host = HostRows([budget], eos_ids, pad, on_step, lambda rows: None)
        fd.stats["ttft_s"] = time.perf_counter() - t0
        if host.deliver([int(first.item())]):
            return
        pinned = fd.device.type == "cuda"
        out = torch.empty(k + 2, dtype=torch.long, pin_memory=pinned)
        event = torch.cuda.Event() if pinned else None
        n = length
        while True:
            attended = round_up(n + k + 1, fd.buckets.len_step)
            if attended > slots:
                raise FastDecodeUnavailable("cache exhausted")  # cannot happen: need was checked
            picks = self._run_round(b, cache, attended, penalty)
            out[: k + 1].copy_(picks, non_blocking=pinned)
            out[k + 1:].copy_(b.out_count, non_blocking=pinned)
            if event is not None:
                event.record()
                event.synchronize()
            values = out.tolist()
            count = values[-1]
            self.stats["rounds"] += 1
            self.stats["drafted"] += k
            self.stats["accepted"] += count - 1
            n += count
            for token in values[:count]:
                if host.deliver([token]):
                    return
