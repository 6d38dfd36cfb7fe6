"""The vision tower per image, padded to a patch-count bucket so that it can be replayed as a graph.

Why a module of its own: the stock tower syncs with the host in every layer and handles all images of a
batch in one variable-length pass, so it cannot be captured. Here each image is copied into the static
buffers of its bucket, padding patches are masked out of the attention keys, and the captured tower runs
in one launch. Every other op is per patch or per 2x2 merge group, so padding never changes the real
patches' outputs (tested against the stock tower).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

from glmocr_desktop.engines.fast_decode.buckets import BucketPolicy
from glmocr_desktop.engines.fast_decode.graphs import GraphRunner

#: image grids whose rotary tables are kept (a few grids recur: the same region size again and again)
ROPE_CACHE_SIZE = 64


@dataclass
class VisionInputs:
    """Static inputs of one patch-count bucket: an image's patches and rotary tables, padded."""

    pixels: Any  # (patches, patch dim)
    cos: Any  # (patches, head dim) float32
    sin: Any
    count: Any  # (1,) long: real patches
    index: Any  # (patches,) arange, for the key mask


class VisionEncoder:
    """Image embeddings for the placeholder tokens of a prompt."""

    def __init__(self, model, device, buckets: BucketPolicy, graphs: GraphRunner, bucketed: bool) -> None:
        self.visual = model.model.visual
        self.model = model
        self.device = device
        self.buckets = buckets
        self.graphs = graphs
        self.bucketed = bucketed
        self.inputs: dict[int, VisionInputs] = {}  # per patch-count bucket
        self._rope_cache: dict[tuple, tuple] = {}
        module = sys.modules[type(self.visual).__module__]
        # another transformers layout lacks these: the stock tower runs instead
        self._position_ids = getattr(module, "get_vision_position_ids", None)
        self._apply_rope = getattr(module, "apply_rotary_pos_emb_vision", None)

    @property
    def patch_dim(self) -> int:
        embed = self.visual.patch_embed
        return embed.in_channels * embed.temporal_patch_size * embed.patch_size**2

    def _rope(self, grid: tuple, like):
        """Rotary cos/sin (float32, (patches, D)) for one image grid; cached."""
        got = self._rope_cache.get(grid)
        if got is None:
            import torch

            visual = self.visual
            grid_tensor = torch.tensor([grid], device=like.device)
            positions = self._position_ids(grid_tensor, visual.spatial_merge_size, kwargs={})
            cos, sin = visual.rotary_pos_emb(like, positions)
            got = (cos.float(), sin.float())
            if len(self._rope_cache) >= ROPE_CACHE_SIZE:
                self._rope_cache.pop(next(iter(self._rope_cache)))
            self._rope_cache[grid] = got
        return got

    def tower(self, h, cos, sin, lengths=None, keep=None):
        """The tower from patch embeddings to merged image tokens, as the stock tower computes it.

        ``lengths`` splits attention per image (several images in one pass); ``keep`` (1, 1, 1, n) bool
        masks padding patches out of the keys (one image padded to a bucket).
        """
        import torch

        visual = self.visual
        n = h.shape[0]
        sdpa = torch.nn.functional.scaled_dot_product_attention
        for block in visual.blocks:
            att = block.attn
            q, k, v = att.qkv(block.norm1(h)).reshape(n, 3, att.num_heads, -1).permute(1, 0, 2, 3).unbind(0)
            q, k = self._apply_rope(att.q_norm(q), att.k_norm(k), cos, sin)
            q = q.transpose(0, 1).unsqueeze(0)
            k = k.transpose(0, 1).unsqueeze(0)
            v = v.transpose(0, 1).unsqueeze(0)
            if lengths is not None and len(lengths) > 1:
                parts = zip(q.split(lengths, 2), k.split(lengths, 2), v.split(lengths, 2))
                out = torch.cat([sdpa(qq, kk, vv, scale=att.scaling) for qq, kk, vv in parts], dim=2)
            else:
                out = sdpa(q, k, v, attn_mask=keep, scale=att.scaling)
            h = h + att.proj(out.transpose(1, 2).reshape(n, -1))
            h = h + block.mlp(block.norm2(h))
        h = visual.post_layernorm(h)
        merge = visual.spatial_merge_size
        h = h.view(-1, merge, merge, h.shape[-1]).permute(0, 3, 1, 2)
        return visual.merger(visual.downsample(h).view(-1, visual.config.out_hidden_size))

    def encode(self, pixel_values, grid_thw):
        """Per image through its (graphed) bucket where every image fits one, else one eager pass over
        all images without the stock tower's per-layer host syncs."""
        import torch

        visual = self.visual
        if self._position_ids is None or self._apply_rope is None:
            return self.model.model.get_image_features(pixel_values, grid_thw, return_dict=True).pooler_output
        pixel_values = pixel_values.type(visual.dtype)
        grids = [tuple(int(x) for x in g) for g in grid_thw.tolist()]  # the only host sync
        sizes = [t * h * w for t, h, w in grids]
        if self.bucketed and all(self.buckets.vision_bucket(n) for n in sizes):
            outs, offset = [], 0
            for grid, n in zip(grids, sizes):
                outs.append(self._encode_one(pixel_values[offset : offset + n], grid))
                offset += n
            return outs[0] if len(outs) == 1 else torch.cat(outs)
        position_ids = self._position_ids(grid_thw, visual.spatial_merge_size, kwargs={})
        h = visual.patch_embed(pixel_values)
        cos, sin = visual.rotary_pos_emb(h, position_ids)
        return self.tower(h, cos, sin, lengths=sizes)

    def static_inputs(self, patches: int) -> VisionInputs:
        """The static buffers of one patch-count bucket (allocated once)."""
        found = self.inputs.get(patches)
        if found is None:
            import torch

            head_dim = self.visual.blocks[0].attn.head_dim
            dev = self.device
            found = self.inputs[patches] = VisionInputs(
                pixels=torch.zeros(patches, self.patch_dim, dtype=self.visual.dtype, device=dev),
                cos=torch.zeros(patches, head_dim, dtype=torch.float32, device=dev),
                sin=torch.zeros(patches, head_dim, dtype=torch.float32, device=dev),
                count=torch.full((1,), patches, dtype=torch.long, device=dev),
                index=torch.arange(patches, device=dev),
            )
        return found

    def run_static(self, inputs: VisionInputs):
        """The captured function: the tower over one bucket's static buffers."""
        keep = (inputs.index < inputs.count)[None, None, None, :]
        return self.tower(self.visual.patch_embed(inputs.pixels), inputs.cos, inputs.sin, keep=keep)

    def _encode_one(self, pixels, grid):
        """One image through its bucket: copy in, replay (or run), slice the real tokens out."""
        n = pixels.shape[0]
        patches = self.buckets.vision_bucket(n)
        inputs = self.static_inputs(patches)
        cos, sin = self._rope(grid, pixels)
        inputs.pixels[:n].copy_(pixels)
        inputs.cos[:n].copy_(cos)
        inputs.sin[:n].copy_(sin)
        inputs.count.fill_(n)
        out = self.graphs.replay(patches) if self.graphs.can_run(patches) else self.run_static(inputs)
        merge = self.visual.spatial_merge_size
        return out[: n // (merge * merge)].clone()

    def capture_all(self, progress=None) -> None:
        """Capture the tower for every patch-count bucket (CUDA)."""
        for i, patches in enumerate(self.buckets.vision):
            if self.graphs.can_run(patches):
                continue
            if progress:
                progress(i / len(self.buckets.vision), "preparing fast image encoding")
            inputs = self.static_inputs(patches)
            inputs.count.fill_(patches)
            self.graphs.capture(patches, lambda inputs=inputs: self.run_static(inputs))
