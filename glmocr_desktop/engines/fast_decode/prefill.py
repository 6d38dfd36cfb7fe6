"""The prompt pass: image features scattered into the embeddings, M-RoPE positions, the decoder over all
prompt tokens (filling the KV cache), and the logits of the first new token.

Why a module of its own: a region's prompt is a few hundred tokens, so its pass is launch-bound like a
decode step. Prompts are padded on the right to a length bucket and run from static buffers that a CUDA
graph can capture per (batch bucket, prompt bucket); causal attention keeps the padding away from the
real tokens. Longer prompts (whole pages) are compute-bound and run eagerly, with the same math.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from glmocr_desktop.engines.fast_decode.attention import prefill_attention
from glmocr_desktop.engines.fast_decode.buckets import BucketPolicy
from glmocr_desktop.engines.fast_decode.decoder import TextDecoder
from glmocr_desktop.engines.fast_decode.graphs import GraphRunner
from glmocr_desktop.engines.fast_decode.kv_cache import KVCache
from glmocr_desktop.engines.fast_decode.state import DecodeState
from glmocr_desktop.engines.fast_decode.vision import VisionEncoder


@dataclass
class PromptInputs:
    """A batch of prompts ready for the decoder."""

    embeddings: Any  # (B, T, hidden), image features in place of the image tokens
    cos: Any  # (B, T, rotary dims)
    sin: Any
    valid: Any  # (B, T) bool: real (not padding) tokens
    last_positions: Any  # (B,) rope position of every row's last prompt token
    unpadded: bool  # every token is real: the plain causal kernel applies


@dataclass
class PrefillBuffers:
    """Static inputs of one (batch bucket, prompt bucket): views into buffers shared by all buckets."""

    embeddings: Any  # (batch bucket, prompt bucket, hidden)
    cos: Any
    sin: Any
    valid: Any
    last: Any  # (batch bucket,) index of the token whose logits are wanted
    unpadded: bool


class Prefill:
    """Runs prompts through the decoder into a :class:`DecodeState`'s cache."""

    def __init__(self, model, decoder: TextDecoder, vision: VisionEncoder, buckets: BucketPolicy,
                 graphs: GraphRunner, *, device, max_batch: int, bucketed: bool) -> None:
        self.model = model
        self.decoder = decoder
        self.vision = vision
        self.buckets = buckets
        self.graphs = graphs
        self.device = device
        self.max_batch = max_batch
        self.bucketed = bucketed
        self.buffers: dict[tuple[int, int, bool], PrefillBuffers] = {}
        self._flat: dict[str, Any] = {}

    def prepare(self, inputs: dict) -> PromptInputs:
        """Prompt embeddings (image features scattered in), M-RoPE cos/sin, validity, last positions."""
        import torch

        ids = inputs["input_ids"]
        mask = inputs.get("attention_mask")
        if mask is None:
            mask = torch.ones_like(ids)
        batch, length = ids.shape
        emb = torch.nn.functional.embedding(ids, self.decoder.embed)
        pixels = inputs.get("pixel_values")
        grid = inputs.get("image_grid_thw")
        if pixels is not None:
            image = self.vision.encode(pixels, grid).to(emb.dtype)
            emb = emb.masked_scatter((ids == self.decoder.image_token_id).unsqueeze(-1), image)
        token_types = inputs.get("mm_token_type_ids")
        if grid is not None and token_types is not None:
            pos3, _ = self.model.model.get_rope_index(
                ids, mm_token_type_ids=token_types, image_grid_thw=grid, video_grid_thw=None,
                attention_mask=mask,
            )
        else:
            pos = (mask.long().cumsum(-1) - 1).masked_fill(mask == 0, 0)
            pos3 = pos[None].expand(3, batch, length)
        cos, sin = self.model.model.language_model.rotary_emb(emb, pos3)
        valid = mask.bool()
        return PromptInputs(emb, cos, sin, valid, pos3[0, :, -1], batch == 1 or bool(valid.all()))

    def run(self, x, cos, sin, cache: KVCache, valid, unpadded: bool, last=None):
        """The decoder over whole prompts: fills cache rows ``[:B]`` slots ``[:T]``, returns the logits of
        the token at ``last`` (default: the final position) of every row."""
        attend = prefill_attention(self.decoder, cache, valid, unpadded)
        hidden = self.decoder.forward(x, cos, sin, attend)
        if last is None:
            hidden = hidden[:, -1]
        else:
            batch = hidden.shape[0]
            hidden = hidden.gather(1, last.view(batch, 1, 1).expand(batch, 1, hidden.shape[-1]))[:, 0]
        return self.decoder.logits(hidden)

    def static_buffers(self, batch_bucket: int, prompt_bucket: int, unpadded: bool) -> PrefillBuffers:
        key = (batch_bucket, prompt_bucket, unpadded)
        found = self.buffers.get(key)
        if found is not None:
            return found
        flat = self._shared_flat_buffers()
        hidden, rot = self.decoder.hidden, self.decoder.rotary_dims
        rows = batch_bucket * prompt_bucket
        found = self.buffers[key] = PrefillBuffers(
            embeddings=flat["embeddings"][: rows * hidden].view(batch_bucket, prompt_bucket, hidden),
            cos=flat["cos"][: rows * rot].view(batch_bucket, prompt_bucket, rot),
            sin=flat["sin"][: rows * rot].view(batch_bucket, prompt_bucket, rot),
            valid=flat["valid"][:rows].view(batch_bucket, prompt_bucket),
            last=flat["last"][:batch_bucket],
            unpadded=unpadded,
        )
        return found

    def _shared_flat_buffers(self) -> dict[str, Any]:
        """One set of buffers big enough for the largest bucket; every bucket's inputs view it."""
        if not self._flat:
            import torch

            rows = self.buckets.largest_batch(self.max_batch) * self.buckets.prompt[-1]
            rot, dtype, dev = self.decoder.rotary_dims, self.decoder.embed.dtype, self.device
            self._flat.update(
                embeddings=torch.zeros(rows * self.decoder.hidden, dtype=dtype, device=dev),
                cos=torch.zeros(rows * rot, dtype=dtype, device=dev),
                sin=torch.zeros(rows * rot, dtype=dtype, device=dev),
                valid=torch.zeros(rows, dtype=torch.bool, device=dev),
                last=torch.zeros(max(self.buckets.batch), dtype=torch.long, device=dev),
            )
        return self._flat

    def run_static(self, state: DecodeState, buffers: PrefillBuffers):
        """The captured function: the prompt pass over one bucket's static buffers."""
        return self.run(buffers.embeddings, buffers.cos, buffers.sin, state.cache, buffers.valid,
                        buffers.unpadded, buffers.last)

    @staticmethod
    def graph_key(state: DecodeState, prompt_bucket: int, unpadded: bool) -> tuple:
        return (state.batch, state.cache.capacity, prompt_bucket, unpadded)

    def __call__(self, state: DecodeState, inputs: dict):
        """Run the prompts (images included) into ``state``'s cache; returns the first logits (one row per
        batch-bucket row) and every row's last prompt position."""
        import torch

        prompt = self.prepare(inputs)
        batch, length = prompt.embeddings.shape[:2]
        bucket = self.buckets.prompt_bucket(length) if self.bucketed else None
        if bucket is None:
            logits = self.run(prompt.embeddings, prompt.cos, prompt.sin, state.cache, prompt.valid,
                              prompt.unpadded)
            if state.batch > batch:
                logits = torch.cat([logits, logits.new_zeros(state.batch - batch, logits.shape[-1])])
            return logits, prompt.last_positions
        unpadded = state.batch == 1  # batches always take the masked graph (left padding is the rule there)
        buffers = self.static_buffers(state.batch, bucket, unpadded)
        buffers.embeddings[:batch, :length].copy_(prompt.embeddings)
        buffers.cos[:batch, :length].copy_(prompt.cos)
        buffers.sin[:batch, :length].copy_(prompt.sin)
        if not unpadded:
            buffers.valid.zero_()
            buffers.valid[:batch, :length].copy_(prompt.valid)
        buffers.last.fill_(length - 1)
        key = self.graph_key(state, bucket, unpadded)
        if self.graphs.can_run(key):
            return self.graphs.replay(key), prompt.last_positions
        return self.run_static(state, buffers), prompt.last_positions

    def capture_all(self, state: DecodeState) -> None:
        """Capture the prompt pass of every prompt bucket for ``state``'s batch bucket (CUDA)."""
        unpadded = state.batch == 1
        for bucket in self.buckets.prompt:
            key = self.graph_key(state, bucket, unpadded)
            if self.graphs.can_run(key):
                continue
            buffers = self.static_buffers(state.batch, bucket, unpadded)
            buffers.last.fill_(bucket - 1)
            self.graphs.capture(key, lambda buffers=buffers: self.run_static(state, buffers))
