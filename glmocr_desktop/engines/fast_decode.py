"""A fast greedy decode path for GLM-OCR: static KV cache, explicit M-RoPE positions, CUDA graphs.

Stock ``model.generate`` spends most of a decode step in Python and kernel launches: the decoder reads
~1.16 GB of weights per token, which an H100 does in ~0.4 ms, but eager transformers takes ~16 ms.
This module re-expresses the GLM-OCR text decoder over the model's own weights (no copies except one
fused q/k/v matrix, which the model's q/k/v projections then view) so that one decode step is a
fixed-shape function: it can be compiled (torch.compile) and captured in a CUDA graph per
(batch bucket, attended-length bucket), and replayed with one tiny device->host copy per token.

The decoding rule is the official one: greedy with transformers' repetition penalty over every id seen in
the real prompt (attention-mask positions; left padding never counts) and in the output, EOS ends a row,
finished rows emit ``pad``. In float32 a row's tokens are identical to stock ``generate`` on that row alone,
whatever batch it runs in (tests/test_fast_decode.py).

On a CPU the same code runs eagerly (no graphs, no compile) so its fidelity can be tested in CI.

Usage (engine side)::

    fd = FastDecoder(model, device="cuda", dtype=torch.bfloat16)
    ok, why = fd.available()
    threading.Thread(target=fd.warmup, daemon=True).start()   # compile + capture in the background
    ...
    if fd.ready:
        fd.generate(batch, max_new_tokens=..., eos_token_ids=[59246, 59253], pad_token_id=59246,
                    on_step=lambda toks: ...)
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

#: Batch buckets (graphs are captured for these batch sizes; a batch is padded up to the next one).
BATCH_BUCKETS = (1, 2, 4, 8)
#: Granularity of the attended-length bucket: a decode step reads the KV cache up to the next multiple.
LEN_STEP = 512
#: Compiled, attended lengths above this use the step's long form (chunked softmax, compiled apart).
LONG_FROM = 1024
#: Prompt lengths (tokens) for which the prefill is captured in a CUDA graph; a prompt is padded on the
#: right up to the next bucket (causal attention: the padding never reaches the real tokens). Longer
#: prompts (whole pages) are compute-bound and run eagerly.
PREFILL_BUCKETS = (64, 128, 192, 256, 320, 384, 448, 512, 640, 768, 896, 1024)
#: Vision patch counts (4 patches make one image token) for which the tower is captured per image; an
#: image is padded with masked-out patches up to the next bucket. Bigger images run eagerly.
VISION_BUCKETS = (256, 512, 768, 1024, 1280, 1536, 1792, 2048, 2560, 3072, 3584, 4096)


class FastDecodeUnavailable(RuntimeError):
    """The fast path cannot run here (no CUDA, capture failed, shape too large); use stock generate."""


def default_cache_dir() -> Path:
    """Where compiled kernels are kept between launches (per user, survives restarts)."""
    env = os.environ.get("GLMOCR_COMPILE_CACHE")
    if env:
        return Path(env)
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "glmocr-desktop" / "torch-compile"


def configure_compile_cache(path: str | Path | None = None) -> Path:
    """Point torch's inductor/triton caches at a persistent per-user folder (call before compiling)."""
    p = Path(path) if path else default_cache_dir()
    p.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("TORCHINDUCTOR_CACHE_DIR", str(p / "inductor"))
    os.environ.setdefault("TRITON_CACHE_DIR", str(p / "triton"))
    try:  # the FX graph and AOTAutograd caches are on by default in torch >= 2.5; make sure
        import torch._inductor.config as ic

        ic.fx_graph_cache = True
        if hasattr(ic, "autotune_local_cache"):
            ic.autotune_local_cache = True
        import torch._functorch.config as fc

        if hasattr(fc, "enable_autograd_cache"):
            fc.enable_autograd_cache = True
    except Exception:  # pragma: no cover - older torch
        pass
    return p


def _round_up(n: int, m: int) -> int:
    return ((n + m - 1) // m) * m


def _bucket(n: int, buckets) -> int | None:
    for b in buckets:
        if n <= b:
            return b
    return None


def _batch_bucket(b: int, max_batch: int) -> int:
    for bb in BATCH_BUCKETS:
        if bb >= b and bb <= max(max_batch, 1):
            return bb
    if b <= max_batch:
        return b
    raise FastDecodeUnavailable(f"batch of {b} is larger than max_batch={max_batch}")


class FastDecoder:
    """Static-cache greedy decoder over a loaded ``GlmOcrForConditionalGeneration``."""

    def __init__(
        self,
        model,
        *,
        device,
        dtype,
        max_batch: int = 8,
        max_cache_len: int = 16384,
        use_graphs: bool | None = None,
        compile: bool | None = None,
        cache_tokens: int | None = None,
        compile_cache_dir: str | Path | None = None,
        bucket_prefill: bool | None = None,
        split_argmax: bool = True,
        long_from: int | None = None,
    ):
        import torch

        self.torch = torch
        self.model = model
        self.device = torch.device(device)
        self.dtype = dtype
        self.max_batch = int(max_batch)
        self.max_cache_len = int(max_cache_len)
        is_cuda = self.device.type == "cuda"
        self.use_graphs = is_cuda if use_graphs is None else bool(use_graphs)
        self.compile = is_cuda if compile is None else bool(compile)
        # vision tower per image and prefill padded to shape buckets (captured in graphs on CUDA)
        self.bucket_prefill = self.use_graphs if bucket_prefill is None else bool(bucket_prefill)
        # argmax over the vocabulary in two stages (64 chunks, then the chunk maxima): same first-index
        # rule, but the reduction is spread over many blocks instead of one per row
        self.split_argmax = bool(split_argmax)
        # Attended lengths above this use a second form of the step (compiled apart, traced first at the
        # longest bucket) whose softmax over the cache is reduced in chunks: one block per row over
        # thousands of slots idles most of the GPU (16 us per layer at 6k slots on an H100).
        self.long_from = (LONG_FROM if self.compile else 0) if long_from is None else int(long_from)
        self._compiled_long = None
        #: decode steps enqueued per host wake-up (CUDA graphs): tokens reach the caller in groups
        self.group = 4 if self.use_graphs else 1
        self._reason = ""
        self._ok = True
        if (self.use_graphs or self.compile) and not (is_cuda and torch.cuda.is_available()):
            self._ok = False
            self._reason = (
                "the fast decode path needs CUDA for graphs/compile "
                f"(device={self.device.type}, cuda available={torch.cuda.is_available()})"
            )
        self._ready = False
        self._warming = False
        self._gate = contextlib.nullcontext
        self._lock = threading.RLock()
        self._graphs: dict[tuple[int, int], Any] = {}
        self._pool = None
        self._compiled = None
        self.stats: dict[str, Any] = {}
        # a full cache holds this many token slots in all (batch x length); grows on demand
        self._cache_tokens = int(cache_tokens or (16384 if is_cuda else 4096))
        self._flat_k = self._flat_v = None
        self._vision_entries: dict[int, dict] = {}
        self._vision_rope_cache: dict[tuple, tuple] = {}
        self._pre_pool = None
        self._prefill_flat: dict[str, Any] = {}
        self._prefill_graphs_failed = False
        if self.compile:
            configure_compile_cache(compile_cache_dir)
        try:
            self._extract_weights()
        except Exception as exc:  # an unexpected model layout: say so, let stock generate run
            self._ok = False
            self._reason = f"unsupported model layout for the fast path: {exc!r}"

    # ------------------------------------------------------------------ setup
    def _extract_weights(self) -> None:
        torch = self.torch
        model = self.model
        lm = model.model.language_model
        cfg = lm.config
        self.n_layers = cfg.num_hidden_layers
        self.n_heads = cfg.num_attention_heads
        self.n_kv = cfg.num_key_value_heads
        self.head_dim = getattr(cfg, "head_dim", None) or cfg.hidden_size // cfg.num_attention_heads
        self.hidden = cfg.hidden_size
        self.vocab = model.lm_head.weight.shape[0]
        self.eps = lm.norm.variance_epsilon
        self.scaling = self.head_dim**-0.5
        rot = lm.rotary_emb
        self.inv_freq = rot.inv_freq.detach().float().to(self.device)
        self.rope_scale = float(getattr(rot, "attention_scaling", 1.0))
        self.mrope_section = list(rot.mrope_section)
        qd, kd = self.n_heads * self.head_dim, self.n_kv * self.head_dim
        self.q_dim, self.kv_dim = qd, kd
        layers = []
        for layer in lm.layers:
            att = layer.self_attn
            for lin in (att.q_proj, att.k_proj, att.v_proj, att.o_proj):
                if lin.bias is not None:
                    raise ValueError("biased attention projections")
            # Fuse q/k/v into one matrix and let the model's projections view it (no extra memory).
            with torch.no_grad():
                fused = torch.cat([att.q_proj.weight, att.k_proj.weight, att.v_proj.weight], 0).contiguous()
                att.q_proj.weight = torch.nn.Parameter(fused[:qd], requires_grad=False)
                att.k_proj.weight = torch.nn.Parameter(fused[qd : qd + kd], requires_grad=False)
                att.v_proj.weight = torch.nn.Parameter(fused[qd + kd :], requires_grad=False)
            layers.append(
                dict(
                    qkv=fused,
                    o=att.o_proj.weight,
                    gate_up=layer.mlp.gate_up_proj.weight,
                    down=layer.mlp.down_proj.weight,
                    ln_in=layer.input_layernorm.weight,
                    ln_post_attn=layer.post_self_attn_layernorm.weight,
                    ln_post=layer.post_attention_layernorm.weight,
                    ln_post_mlp=layer.post_mlp_layernorm.weight,
                )
            )
            act = type(layer.mlp.activation_fn).__name__.lower()
            if "silu" not in act and "swish" not in act:
                raise ValueError(f"unexpected MLP activation {act}")
        self.layers = layers
        self.embed = lm.embed_tokens.weight
        self.final_norm = lm.norm.weight
        self.lm_head = model.lm_head.weight
        self.image_token_id = model.config.image_token_id

    # ------------------------------------------------------------------ status
    def available(self) -> tuple[bool, str]:
        return self._ok, self._reason

    @property
    def ready(self) -> bool:
        return self._ok and self._ready

    # ------------------------------------------------------------------ math
    def _rms(self, x, w):
        torch = self.torch
        dt = x.dtype
        h = x.to(torch.float32)
        var = h.pow(2).mean(-1, keepdim=True)
        h = h * torch.rsqrt(var + self.eps)
        return w * h.to(dt)

    def _rotate_half_llm(self, x):
        torch = self.torch
        x1 = x[..., 0::2]
        x2 = x[..., 1::2]
        return torch.stack((-x2, x1), dim=-1).flatten(-2)

    def _apply_rope(self, q, k, cos, sin):
        """q, k: (B, heads, T, D); cos/sin: (B, T, rot)."""
        torch = self.torch
        cos = cos.unsqueeze(1)
        sin = sin.unsqueeze(1)
        rd = cos.shape[-1]
        q_rot, q_pass = q[..., :rd], q[..., rd:]
        k_rot, k_pass = k[..., :rd], k[..., rd:]
        q_emb = (q_rot * cos) + (self._rotate_half_llm(q_rot) * sin)
        k_emb = (k_rot * cos) + (self._rotate_half_llm(k_rot) * sin)
        return torch.cat([q_emb, q_pass], -1), torch.cat([k_emb, k_pass], -1)

    def _text_rope(self, pos, dtype):
        """cos/sin for text positions (all three M-RoPE axes equal): pos (B,) -> (B, 1, rot)."""
        torch = self.torch
        freqs = pos.to(torch.float32)[:, None, None] * self.inv_freq[None, None, :]
        cos = (freqs.cos() * self.rope_scale).repeat_interleave(2, dim=-1)
        sin = (freqs.sin() * self.rope_scale).repeat_interleave(2, dim=-1)
        return cos.to(dtype), sin.to(dtype)

    def _penalise_pick(self, logits, seen, finished, n_gen, min_new, eos, pad, penalty):
        """Official greedy rule on float32 logits (B, V): repetition penalty, optional EOS ban, argmax."""
        torch = self.torch
        scores = logits.to(torch.float32)
        pen = torch.where(scores < 0, scores * penalty, scores / penalty)
        scores = torch.where(seen, pen, scores)
        if eos is not None:
            ban = (n_gen < min_new)[:, None] & eos
            scores = scores.masked_fill(ban, float("-inf"))
        nxt = self._argmax(scores)
        return torch.where(finished, torch.full_like(nxt, pad), nxt)

    def _argmax(self, scores):
        """argmax over the last dim (first index on ties), optionally in two stages."""
        B, V = scores.shape
        if not self.split_argmax or V % 64:
            return scores.argmax(-1)
        w = V // 64
        mv, mi = scores.view(B, 64, w).max(-1)
        j = mv.argmax(-1)
        return mi.gather(1, j[:, None])[:, 0] + j * w

    def _decode_step(self, tokens, pos, slot, kcs, vcs, kv_valid, lb, seen, finished, n_gen, max_new,
                     min_new, eos_mask, pad, penalty, long=False):
        """One greedy decode step for a batch; all state tensors are updated in place.

        tokens (B,) the last token of every row; pos (B,) its rope position; slot (1,) its cache slot;
        kcs/vcs: one (B, KV, Lcap, D) tensor per layer (separate tensors, so that the compiled step
        writes one slot in place instead of copying a whole cache); kv_valid (B, Lcap) bool; lb: a tensor
        whose length is the number of cache slots attended (a multiple of LEN_STEP, > slot, < Lcap).
        """
        torch = self.torch
        B = tokens.shape[0]
        Lb = lb.shape[0]
        dt = self.embed.dtype
        kv_valid.index_fill_(1, slot, True)
        valid = kv_valid[:, :Lb]
        neg = torch.zeros(valid.shape, dtype=torch.float32, device=valid.device).masked_fill(
            ~valid, float("-inf")
        )[:, None, None, :]
        x = torch.nn.functional.embedding(tokens, self.embed)  # (B, H)
        cos, sin = self._text_rope(pos, dt)
        g = self.n_heads // self.n_kv
        for li, w in enumerate(self.layers):
            h = self._rms(x, w["ln_in"])
            qkv = torch.nn.functional.linear(h, w["qkv"])
            q = qkv[:, : self.q_dim].view(B, self.n_heads, 1, self.head_dim)
            k = qkv[:, self.q_dim : self.q_dim + self.kv_dim].view(B, self.n_kv, 1, self.head_dim)
            v = qkv[:, self.q_dim + self.kv_dim :].view(B, self.n_kv, 1, self.head_dim)
            q, k = self._apply_rope(q, k, cos, sin)
            kcs[li].index_copy_(2, slot, k)
            vcs[li].index_copy_(2, slot, v)
            keys = kcs[li][:, :, :Lb]
            vals = vcs[li][:, :, :Lb]
            qg = q.view(B, self.n_kv, g, self.head_dim)
            s = torch.matmul(qg, keys.transpose(-1, -2)).to(torch.float32) * self.scaling + neg
            if long:  # the softmax in LEN_STEP-slot chunks: every reduction spreads over many blocks
                sc = s.view(B, self.n_kv, g, Lb // LEN_STEP, LEN_STEP)
                mx = sc.amax(-1, keepdim=True).amax(-2, keepdim=True)
                ex = torch.exp(sc - mx)
                p = (ex / ex.sum(-1, keepdim=True).sum(-2, keepdim=True)).view(B, self.n_kv, g, Lb).to(dt)
            else:
                p = torch.softmax(s, dim=-1).to(dt)
            a = torch.matmul(p, vals).reshape(B, self.q_dim)
            a = torch.nn.functional.linear(a, w["o"])
            x = x + self._rms(a, w["ln_post_attn"])
            h = self._rms(x, w["ln_post"])
            gu = torch.nn.functional.linear(h, w["gate_up"])
            gate, up = gu.chunk(2, dim=-1)
            m = torch.nn.functional.linear(up * torch.nn.functional.silu(gate), w["down"])
            x = x + self._rms(m, w["ln_post_mlp"])
        x = self._rms(x, self.final_norm)
        logits = torch.nn.functional.linear(x, self.lm_head)
        nxt = self._penalise_pick(logits, seen, finished, n_gen, min_new, eos_mask, pad, penalty)
        # bookkeeping, in place, so that a replayed graph feeds itself
        seen.scatter_(1, nxt[:, None], True)
        n_gen.add_(1)
        is_eos = eos_mask.gather(1, nxt[:, None])[:, 0]
        finished.copy_(finished | is_eos | (n_gen >= max_new))
        tokens.copy_(nxt)
        pos.add_(1)
        slot.add_(1)
        return nxt

    # ------------------------------------------------------------------ vision
    def _vision_helpers(self):
        visual = self.model.model.visual
        mod = sys.modules[type(visual).__module__]
        try:
            return visual, mod.get_vision_position_ids, mod.apply_rotary_pos_emb_vision
        except AttributeError:  # another transformers layout: use the stock tower
            return visual, None, None

    def _vision_rope(self, grid: tuple, like):
        """Rotary cos/sin (float32, (patches, D)) for one image grid; cached (a few grids recur)."""
        got = self._vision_rope_cache.get(grid)
        if got is None:
            torch = self.torch
            visual, get_pos, _ = self._vision_helpers()
            g = torch.tensor([grid], device=like.device)
            cos, sin = visual.rotary_pos_emb(like, get_pos(g, visual.spatial_merge_size, kwargs={}))
            got = (cos.float(), sin.float())
            if len(self._vision_rope_cache) >= 64:
                self._vision_rope_cache.pop(next(iter(self._vision_rope_cache)))
            self._vision_rope_cache[grid] = got
        return got

    def _vision_tower(self, h, cos, sin, lengths=None, keep=None):
        """The tower from patch embeddings to merged image tokens, as the stock tower computes it.

        ``lengths`` splits attention per image (several images in one pass); ``keep`` (1, 1, 1, n) bool
        masks padding patches out of the keys (one image padded to a bucket). Every other op is per patch
        or per 2x2 merge group, so padding never changes the real patches' outputs.
        """
        torch = self.torch
        visual, _, apply_rope = self._vision_helpers()
        n = h.shape[0]
        sdpa = torch.nn.functional.scaled_dot_product_attention
        for blk in visual.blocks:
            att = blk.attn
            x = blk.norm1(h)
            q, k, v = att.qkv(x).reshape(n, 3, att.num_heads, -1).permute(1, 0, 2, 3).unbind(0)
            q = att.q_norm(q)
            k = att.k_norm(k)
            q, k = apply_rope(q, k, cos, sin)
            q = q.transpose(0, 1).unsqueeze(0)
            k = k.transpose(0, 1).unsqueeze(0)
            v = v.transpose(0, 1).unsqueeze(0)
            if lengths is not None and len(lengths) > 1:
                outs = [
                    sdpa(qq, kk, vv, scale=att.scaling)
                    for qq, kk, vv in zip(q.split(lengths, 2), k.split(lengths, 2), v.split(lengths, 2))
                ]
                o = torch.cat(outs, dim=2)
            else:
                o = sdpa(q, k, v, attn_mask=keep, scale=att.scaling)
            o = o.transpose(1, 2).reshape(n, -1)
            h = h + att.proj(o)
            h = h + blk.mlp(blk.norm2(h))
        h = visual.post_layernorm(h)
        m = visual.spatial_merge_size
        h = h.view(-1, m, m, h.shape[-1]).permute(0, 3, 1, 2)
        h = visual.downsample(h).view(-1, visual.config.out_hidden_size)
        return visual.merger(h)

    def _vision(self, pixel_values, grid_thw):
        """Image embeddings: per image through a padded (graphed) tower where it fits a bucket, else one
        eager pass over all images without the stock tower's per-layer host syncs."""
        torch = self.torch
        visual, get_pos, apply_rope = self._vision_helpers()
        if get_pos is None or apply_rope is None:
            return self.model.model.get_image_features(pixel_values, grid_thw, return_dict=True).pooler_output
        pixel_values = pixel_values.type(visual.dtype)
        grids = [tuple(int(x) for x in g) for g in grid_thw.tolist()]  # the only host sync
        sizes = [t * h * w for t, h, w in grids]
        if self.bucket_prefill and all(_bucket(n, VISION_BUCKETS) for n in sizes):
            outs, off = [], 0
            for grid, n in zip(grids, sizes):
                outs.append(self._vision_image(pixel_values[off : off + n], grid))
                off += n
            return outs[0] if len(outs) == 1 else torch.cat(outs)
        position_ids = get_pos(grid_thw, visual.spatial_merge_size, kwargs={})
        h = visual.patch_embed(pixel_values)
        cos, sin = visual.rotary_pos_emb(h, position_ids)
        return self._vision_tower(h, cos, sin, lengths=sizes)

    def _vision_entry(self, np_: int, like):
        """Static inputs (and, on CUDA, a captured graph) for one vision bucket of ``np_`` patches."""
        torch = self.torch
        e = self._vision_entries.get(np_)
        if e is None:
            visual = self.model.model.visual
            dev = self.device
            d = visual.blocks[0].attn.head_dim
            e = {
                "pv": torch.zeros(np_, like.shape[-1], dtype=visual.dtype, device=dev),
                "cos": torch.zeros(np_, d, dtype=torch.float32, device=dev),
                "sin": torch.zeros(np_, d, dtype=torch.float32, device=dev),
                "n": torch.full((1,), np_, dtype=torch.long, device=dev),
                "ar": torch.arange(np_, device=dev),
                "graph": None,
                "out": None,
            }
            self._vision_entries[np_] = e
        return e

    def _vision_padded(self, e):
        visual = self.model.model.visual
        keep = (e["ar"] < e["n"])[None, None, None, :]
        return self._vision_tower(visual.patch_embed(e["pv"]), e["cos"], e["sin"], keep=keep)

    def _vision_image(self, pv, grid):
        """One image through its bucket: copy in, replay (or run), slice the real tokens out."""
        n = pv.shape[0]
        np_ = _bucket(n, VISION_BUCKETS)
        e = self._vision_entry(np_, pv)
        cos, sin = self._vision_rope(grid, pv)
        e["pv"][:n].copy_(pv)
        e["cos"][:n].copy_(cos)
        e["sin"][:n].copy_(sin)
        e["n"].fill_(n)
        m = self.model.model.visual.spatial_merge_size
        if e["graph"] is not None:
            e["graph"].replay()
            out = e["out"]
        else:
            out = self._vision_padded(e)
        return out[: n // (m * m)].clone()

    def encode_images(self, pixel_values, grid_thw):
        """Image embeddings for the placeholder tokens (public for benchmarks)."""
        with self.torch.inference_mode():
            return self._vision(pixel_values, grid_thw)

    def _graph(self, fn, *, pool: str = "_pre_pool", restore=None):
        """Capture ``fn()`` in a CUDA graph (two warm-up runs on a side stream first, for compiling and
        library handles) on the memory pool named by ``pool``; returns (graph, output). ``restore`` puts
        back any state a run changed, after each warm-up run and after the capture."""
        torch = self.torch
        s = torch.cuda.Stream()
        s.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(s):
            for _ in range(2):
                fn()
                if restore is not None:
                    restore()
        torch.cuda.current_stream().wait_stream(s)
        # The capture itself needs the GPU to itself: while warming up beside a running engine, the
        # gate (the engine's lock) keeps generation out for these few milliseconds only.
        with self._gate():
            torch.cuda.synchronize()
            if getattr(self, pool) is None:
                setattr(self, pool, torch.cuda.graph_pool_handle())
            g = torch.cuda.CUDAGraph()
            with torch.cuda.graph(g, pool=getattr(self, pool)):
                out = fn()
            torch.cuda.synchronize()
        if restore is not None:
            restore()
        return g, out

    # ------------------------------------------------------------------ cache
    def _cache_views(self, bb: int, need_len: int):
        """Per-layer K/V views (bb, KV, Lcap + LEN_STEP, D) of per-layer flat buffers.

        Lcap depends on the batch bucket only, so graphs captured for a bucket stay valid; the extra
        LEN_STEP slots keep every attended length strictly inside the buffer (one compiled shape family).
        """
        torch = self.torch
        lcap = min(self.max_cache_len, _round_up(max(self._cache_tokens // bb, LEN_STEP), LEN_STEP))
        if need_len > lcap:
            if need_len > self.max_cache_len:
                raise FastDecodeUnavailable(f"{need_len} cache slots exceed max_cache_len={self.max_cache_len}")
            lcap = _round_up(need_len, LEN_STEP)
            self._cache_tokens = max(self._cache_tokens, lcap * bb)
        alloc = lcap + LEN_STEP
        per_layer = bb * self.n_kv * alloc * self.head_dim
        if self._flat_k is None or self._flat_k[0].numel() < per_layer:
            # one size that fits every batch bucket, so that warm-up never reallocates
            slots = max(b * (min(self.max_cache_len, _round_up(max(self._cache_tokens // b, LEN_STEP), LEN_STEP))
                             + LEN_STEP) for b in BATCH_BUCKETS if b <= max(self.max_batch, 1))
            size = max(per_layer, slots * self.n_kv * self.head_dim)
            self._flat_k = self._flat_v = None
            self._graphs.clear()  # graphs hold the old addresses
            self._pool = None
            self._flat_k = [torch.zeros(size, dtype=self.dtype, device=self.device) for _ in range(self.n_layers)]
            self._flat_v = [torch.zeros(size, dtype=self.dtype, device=self.device) for _ in range(self.n_layers)]
        shape = (bb, self.n_kv, alloc, self.head_dim)
        kcs = [f[:per_layer].view(shape) for f in self._flat_k]
        vcs = [f[:per_layer].view(shape) for f in self._flat_v]
        return kcs, vcs, lcap

    # ------------------------------------------------------------------ prefill
    def _prefill_inputs(self, inputs):
        """Prompt embeddings (image features scattered in), M-RoPE cos/sin, key validity, last positions."""
        torch = self.torch
        model = self.model
        ids = inputs["input_ids"]
        am = inputs.get("attention_mask")
        if am is None:
            am = torch.ones_like(ids)
        B, T = ids.shape
        emb = torch.nn.functional.embedding(ids, self.embed)
        pv = inputs.get("pixel_values")
        grid = inputs.get("image_grid_thw")
        if pv is not None:
            img = self._vision(pv, grid).to(emb.dtype)
            mask = (ids == self.image_token_id).unsqueeze(-1)
            emb = emb.masked_scatter(mask, img)
        mm = inputs.get("mm_token_type_ids")
        if grid is not None and mm is not None:
            pos3, _ = model.model.get_rope_index(
                ids, mm_token_type_ids=mm, image_grid_thw=grid, video_grid_thw=None, attention_mask=am
            )
        else:
            p = (am.long().cumsum(-1) - 1).masked_fill(am == 0, 0)
            pos3 = p[None].expand(3, B, T)
        cos, sin = model.model.language_model.rotary_emb(emb, pos3)
        valid = am.bool()
        no_pad = B == 1 or bool(valid.all())
        return emb, cos, sin, valid, pos3[0, :, -1], no_pad

    def _prefill_core(self, x, cos, sin, kc, vc, valid, no_pad, last=None):
        """The decoder over a whole prompt: fills the cache rows ``[:B, :, :T]``, returns the logits of the
        token at ``last`` (default: the final position) of every row."""
        torch = self.torch
        B, T = x.shape[:2]
        amask = None
        if not no_pad:
            causal = torch.ones(T, T, dtype=torch.bool, device=x.device).tril()
            amask = causal[None] & valid[:, None, :]
            amask = amask | torch.eye(T, dtype=torch.bool, device=x.device)[None]  # no all-masked pad rows
            amask = amask[:, None]
        g = self.n_heads // self.n_kv
        sdpa = torch.nn.functional.scaled_dot_product_attention
        for li, w in enumerate(self.layers):
            h = self._rms(x, w["ln_in"])
            qkv = torch.nn.functional.linear(h, w["qkv"])
            q = qkv[..., : self.q_dim].view(B, T, self.n_heads, self.head_dim).transpose(1, 2)
            k = qkv[..., self.q_dim : self.q_dim + self.kv_dim].view(B, T, self.n_kv, self.head_dim).transpose(1, 2)
            v = qkv[..., self.q_dim + self.kv_dim :].view(B, T, self.n_kv, self.head_dim).transpose(1, 2)
            q, k = self._apply_rope(q, k, cos, sin)
            kc[li][:B, :, :T] = k
            vc[li][:B, :, :T] = v
            kr = k[:, :, None].expand(B, self.n_kv, g, T, self.head_dim).reshape(B, self.n_heads, T, self.head_dim)
            vr = v[:, :, None].expand(B, self.n_kv, g, T, self.head_dim).reshape(B, self.n_heads, T, self.head_dim)
            if amask is None:
                a = sdpa(q, kr, vr, is_causal=True, scale=self.scaling)
            else:
                a = sdpa(q, kr, vr, attn_mask=amask, scale=self.scaling)
            a = a.transpose(1, 2).reshape(B, T, self.q_dim)
            a = torch.nn.functional.linear(a, w["o"])
            x = x + self._rms(a, w["ln_post_attn"])
            h = self._rms(x, w["ln_post"])
            gu = torch.nn.functional.linear(h, w["gate_up"])
            gate, up = gu.chunk(2, dim=-1)
            m = torch.nn.functional.linear(up * torch.nn.functional.silu(gate), w["down"])
            x = x + self._rms(m, w["ln_post_mlp"])
        if last is None:
            x = x[:, -1]
        else:
            x = x.gather(1, last.view(B, 1, 1).expand(B, 1, x.shape[-1]))[:, 0]
        x = self._rms(x, self.final_norm)
        return torch.nn.functional.linear(x, self.lm_head)

    def _prefill_entry(self, st, bb: int, tp: int, no_pad: bool):
        """Static inputs (views of shared buffers) and, once captured, the graph of one prefill bucket."""
        torch = self.torch
        key = (tp, no_pad)
        e = st.setdefault("prefill", {}).get(key)
        if e is not None:
            return e
        fl = self._prefill_flat
        if not fl:
            rows = max(b for b in BATCH_BUCKETS if b <= max(self.max_batch, 1)) * PREFILL_BUCKETS[-1]
            rot = 2 * self.inv_freq.shape[0]
            dt = self.embed.dtype
            fl.update(
                x=torch.zeros(rows * self.hidden, dtype=dt, device=self.device),
                cos=torch.zeros(rows * rot, dtype=dt, device=self.device),
                sin=torch.zeros(rows * rot, dtype=dt, device=self.device),
                valid=torch.zeros(rows, dtype=torch.bool, device=self.device),
                last=torch.zeros(max(BATCH_BUCKETS), dtype=torch.long, device=self.device),
                rot=rot,
            )
        rot = fl["rot"]
        e = {
            "x": fl["x"][: bb * tp * self.hidden].view(bb, tp, self.hidden),
            "cos": fl["cos"][: bb * tp * rot].view(bb, tp, rot),
            "sin": fl["sin"][: bb * tp * rot].view(bb, tp, rot),
            "valid": fl["valid"][: bb * tp].view(bb, tp),
            "last": fl["last"][:bb],
            "no_pad": no_pad,
            "graph": None,
            "out": None,
        }
        st["prefill"][key] = e
        return e

    def _prefill_run(self, st, e):
        return self._prefill_core(e["x"], e["cos"], e["sin"], st["kc"], st["vc"], e["valid"], e["no_pad"],
                                  e["last"])

    def _prefill(self, st, inputs, bb: int):
        """Run the prompt (images included) through the decoder, fill the cache; returns the first logits
        (one row per batch-bucket row) and every row's last prompt position."""
        torch = self.torch
        emb, cos, sin, valid, last_pos, no_pad = self._prefill_inputs(inputs)
        B, T = emb.shape[:2]
        tp = _bucket(T, PREFILL_BUCKETS) if self.bucket_prefill else None
        if tp is None:
            logits = self._prefill_core(emb, cos, sin, st["kc"], st["vc"], valid, no_pad)
            if bb > B:
                logits = torch.cat([logits, logits.new_zeros(bb - B, logits.shape[-1])])
            return logits, last_pos
        no_pad = bb == 1  # batches always take the masked graph (left padding is the rule there)
        e = self._prefill_entry(st, bb, tp, no_pad)
        e["x"][:B, :T].copy_(emb)
        e["cos"][:B, :T].copy_(cos)
        e["sin"][:B, :T].copy_(sin)
        if not no_pad:
            e["valid"].zero_()
            e["valid"][:B, :T].copy_(valid)
        e["last"].fill_(T - 1)
        if e["graph"] is not None:
            e["graph"].replay()
            return e["out"], last_pos
        return self._prefill_run(st, e), last_pos

    def warm_prefill(self, batch_sizes=None, progress=None, *, pad_token_id: int = 59246) -> None:
        """Capture the vision tower per patch bucket and the prefill per prompt bucket (CUDA only; the
        decode graphs come first in :meth:`warmup`). A failure keeps the eager prefill, with the reason."""
        torch = self.torch
        if not (self._ok and self.bucket_prefill and self.use_graphs) or self._prefill_graphs_failed:
            return
        bss = [b for b in (batch_sizes or BATCH_BUCKETS) if b <= self.max_batch]
        with self._lock, torch.inference_mode():
            try:
                t0 = time.perf_counter()
                visual = self.model.model.visual
                pe = visual.patch_embed
                pdim = pe.in_channels * pe.temporal_patch_size * pe.patch_size**2
                like = torch.empty(0, pdim, device=self.device)
                for i, np_ in enumerate(VISION_BUCKETS):
                    e = self._vision_entry(np_, like)
                    if e["graph"] is None:
                        if progress:
                            progress(0.5 * i / len(VISION_BUCKETS), "preparing fast image encoding")
                        e["n"].fill_(np_)
                        e["graph"], e["out"] = self._graph(lambda e=e: self._vision_padded(e))
                for j, bb in enumerate(bss):
                    st = self._state(bb, LEN_STEP, None, pad_token_id)
                    for tp in PREFILL_BUCKETS:
                        e = self._prefill_entry(st, bb, tp, bb == 1)
                        if e["graph"] is None:
                            e["last"].fill_(tp - 1)
                            e["graph"], e["out"] = self._graph(lambda st=st, e=e: self._prefill_run(st, e))
                    if progress:
                        progress(0.5 + 0.5 * (j + 1) / len(bss), "preparing fast prefill")
                self.stats["prefill_warmup_s"] = round(time.perf_counter() - t0, 3)
            except Exception as exc:  # keep decoding fast; the prompt runs eagerly (same math)
                log.warning("prefill graphs unavailable (%r); the prompt runs eagerly", exc)
                self.stats["prefill_graph_error"] = repr(exc)[:2000]
                for e in self._vision_entries.values():
                    e["graph"] = e["out"] = None
                for st in self._graphs.values():
                    for e in st.get("prefill", {}).values():
                        e["graph"] = e["out"] = None
                self._prefill_graphs_failed = True

    # ------------------------------------------------------------------ graphs
    def _step_fn(self, lb: int = 0):
        if self.long_from and lb > self.long_from:
            if self._compiled_long is None:
                fn = functools.partial(self._decode_step, long=True)
                if self.compile:
                    fn = self.torch.compile(fn, dynamic=True, fullgraph=True)
                self._compiled_long = fn
            return self._compiled_long
        if self._compiled is None:
            fn = self._decode_step
            if self.compile:
                fn = self.torch.compile(fn, dynamic=True, fullgraph=True)
            self._compiled = fn
        return self._compiled

    def _state(self, bb: int, need_len: int, eos_ids, pad: int):
        torch = self.torch
        dev = self.device
        kc, vc, lcap = self._cache_views(bb, need_len)
        key = ("state", bb, lcap)
        st = self._graphs.get(key)
        if st is None:
            st = dict(
                kc=kc, vc=vc, lcap=lcap,
                tokens=torch.full((bb,), pad, dtype=torch.long, device=dev),
                pos=torch.zeros(bb, dtype=torch.long, device=dev),
                slot=torch.zeros(1, dtype=torch.long, device=dev),
                kv_valid=torch.zeros(bb, lcap + LEN_STEP, dtype=torch.bool, device=dev),
                seen=torch.zeros(bb, self.vocab, dtype=torch.bool, device=dev),
                finished=torch.ones(bb, dtype=torch.bool, device=dev),
                n_gen=torch.zeros(bb, dtype=torch.long, device=dev),
                max_new=torch.zeros(bb, dtype=torch.long, device=dev),
                min_new=torch.zeros(bb, dtype=torch.long, device=dev),
                eos_mask=torch.zeros(bb, self.vocab, dtype=torch.bool, device=dev),
                lbs={},
                graphs={},
            )
            self._graphs[key] = st
        return st

    def _run_step(self, st, lb: int, pad: int, penalty: float):
        """Replay (or run) one decode step attending ``lb`` cache slots; returns the new tokens (device)."""
        torch = self.torch
        lbt = st["lbs"].get(lb)
        if lbt is None:
            lbt = st["lbs"][lb] = torch.empty(lb, dtype=torch.int8, device=self.device)
        args = (st["tokens"], st["pos"], st["slot"], st["kc"], st["vc"], st["kv_valid"], lbt, st["seen"],
                st["finished"], st["n_gen"], st["max_new"], st["min_new"], st["eos_mask"], pad, penalty)
        fn = self._step_fn(lb)
        if not self.use_graphs:
            return fn(*args)
        gkey = (lb, pad, penalty)
        entry = st["graphs"].get(gkey)
        if entry is None:
            entry = self._capture(st, fn, args)
            st["graphs"][gkey] = entry
        entry[0].replay()
        return entry[1]

    def _capture(self, st, fn, args):
        """Capture a decode step in a CUDA graph without disturbing the state it runs on."""
        names = ("tokens", "pos", "slot", "kv_valid", "seen", "finished", "n_gen")
        saved = {n: st[n].clone() for n in names}

        def restore():
            for n in names:
                st[n].copy_(saved[n])

        t0 = time.perf_counter()
        entry = self._graph(lambda: fn(*args), pool="_pool", restore=restore)
        self.stats.setdefault("captures", []).append(round(time.perf_counter() - t0, 3))
        return entry

    # ------------------------------------------------------------------ warm-up
    def warmup(self, progress=None, batch_sizes=None, max_len: int | None = None, *,
               pad_token_id: int = 59246, repetition_penalty: float = 1.1, gate=None,
               prefill: bool = True) -> None:
        """Compile and capture the common buckets (call from a background thread after loading).

        ``gate`` is a context-manager factory held around each graph capture only, so a caller can keep
        generating on the same GPU while the (long) compilation runs; it may raise to abort the warm-up.
        ``prefill`` also captures the vision tower and prompt buckets (:meth:`warm_prefill`) afterwards.
        """
        if not self._ok:
            return
        if gate is not None:
            self._gate = gate
            try:
                return self.warmup(progress, batch_sizes, max_len, pad_token_id=pad_token_id,
                                   repetition_penalty=repetition_penalty, prefill=prefill)
            finally:
                self._gate = contextlib.nullcontext
        torch = self.torch
        with self._lock:
            self._warming = True
            t0 = time.perf_counter()
            try:
                bss = [b for b in (batch_sizes or BATCH_BUCKETS) if b <= self.max_batch]
                with torch.inference_mode():
                    for i, bb in enumerate(bss):
                        if progress:
                            progress(i / max(len(bss), 1), f"preparing fast decode (batch {bb})")
                        top = max_len or min(self.max_cache_len, max(LEN_STEP, self._cache_tokens // bb))
                        st = self._state(bb, LEN_STEP, None, pad_token_id)
                        st["finished"].fill_(True)
                        # the first attended-length bucket triggers the compile; others only capture
                        lbs = list(range(LEN_STEP, min(top, st["lcap"]) + 1, LEN_STEP))
                        if self.compile and self.long_from:  # the long compilation starts at the top
                            lbs = [x for x in lbs if x <= self.long_from] + sorted(
                                (x for x in lbs if x > self.long_from), reverse=True)
                        for lb in lbs:
                            st["slot"].fill_(lb - 1)
                            self._run_step(st, lb, pad_token_id, repetition_penalty)
                if self.device.type == "cuda":
                    torch.cuda.synchronize()
                self._ready = True
                if prefill:
                    self.warm_prefill(bss, pad_token_id=pad_token_id)
                self.stats["warmup_s"] = round(time.perf_counter() - t0, 3)
                if progress:
                    progress(1.0, "fast decode ready")
            except Exception as exc:
                if self.compile:  # compiled step failed: keep CUDA graphs over eager kernels
                    log.warning("compiled decode step failed (%r); using graphs without compile", exc)
                    self.stats["compile_error"] = repr(exc)[:2000]
                    self.compile = False
                    self._compiled = self._compiled_long = None
                    self._graphs.clear()
                    self._warming = False
                    return self.warmup(progress, batch_sizes, max_len, pad_token_id=pad_token_id,
                                       repetition_penalty=repetition_penalty, prefill=prefill)
                self._ok = False
                self._reason = f"fast decode warm-up failed: {exc!r}"
                log.warning("fast decode unavailable: %s", self._reason)
            finally:
                self._warming = False

    # ------------------------------------------------------------------ generate
    def generate(
        self,
        inputs: dict,
        *,
        max_new_tokens: int | list[int],
        eos_token_ids: list[int],
        pad_token_id: int,
        repetition_penalty: float = 1.1,
        on_step: Callable,
        min_new_tokens: int | list[int] = 0,
    ) -> None:
        """Greedy decode with the official rule; ``on_step(tokens (B,) on the host)`` once per step.

        ``min_new_tokens`` bans EOS for that many steps (as transformers' MinNewTokensLengthLogitsProcessor),
        for benchmarks that force an output length.
        """
        if not self._ok:
            raise FastDecodeUnavailable(self._reason)
        torch = self.torch
        with self._lock, torch.inference_mode():
            self._generate(inputs, max_new_tokens, eos_token_ids, pad_token_id, float(repetition_penalty),
                           on_step, min_new_tokens)

    def _generate(self, inputs, max_new_tokens, eos_ids, pad, penalty, on_step, min_new_tokens):
        torch = self.torch
        dev = self.device
        ids = inputs["input_ids"]
        B, T = ids.shape
        mx = [int(max_new_tokens)] * B if isinstance(max_new_tokens, int) else [int(m) for m in max_new_tokens]
        mn = [int(min_new_tokens)] * B if isinstance(min_new_tokens, int) else [int(m) for m in min_new_tokens]
        if len(mx) != B or len(mn) != B:
            raise ValueError("max_new_tokens/min_new_tokens lists must have one entry per row")
        bb = _batch_bucket(B, self.max_batch)
        need = T + max(mx) + 2
        st = self._state(bb, need, eos_ids, pad)
        if need > st["lcap"]:
            raise FastDecodeUnavailable(f"prompt {T} + {max(mx)} new tokens exceed the cache ({st['lcap']})")
        am = inputs.get("attention_mask")
        if am is None:
            am = torch.ones_like(ids)
        # ---- reset state for this batch
        st["kv_valid"].zero_()
        st["kv_valid"][:B, :T] = am.bool()
        # Only real prompt tokens count as seen: left padding uses the pad id (also an EOS id), and
        # penalising it would make a row's text depend on the batch it ran in.
        st["seen"].zero_()
        real_counts = torch.zeros(B, self.vocab, dtype=torch.long, device=dev)
        real_counts.scatter_add_(1, ids, am.long())
        st["seen"][:B] = real_counts > 0
        st["eos_mask"].zero_()
        if eos_ids:
            st["eos_mask"][:, torch.as_tensor(list(eos_ids), device=dev)] = True
        st["n_gen"].zero_()
        st["max_new"].zero_()
        st["max_new"][:B] = torch.as_tensor(mx, device=dev)
        st["min_new"].zero_()
        st["min_new"][:B] = torch.as_tensor(mn, device=dev)
        st["finished"].fill_(True)
        st["finished"][:B] = False
        st["pos"].zero_()
        st["tokens"].fill_(pad)
        # ---- prefill + first token
        t0 = time.perf_counter()
        lg, last_pos = self._prefill(st, inputs, bb)
        first = self._penalise_pick(lg, st["seen"], st["finished"], st["n_gen"], st["min_new"],
                                    st["eos_mask"] if eos_ids else None, pad, penalty)
        st["seen"].scatter_(1, first[:, None], True)
        st["n_gen"].add_(1)
        if eos_ids:
            st["finished"] |= st["eos_mask"].gather(1, first[:, None])[:, 0]
        st["finished"] |= st["n_gen"] >= st["max_new"]
        st["tokens"].copy_(first)
        st["pos"][:B] = last_pos + 1
        st["slot"].fill_(T)
        # ---- host-side mirror of the finished rows
        eos_set = set(int(e) for e in eos_ids)
        host_done = [False] * B
        counts = [0] * B
        pinned = dev.type == "cuda"
        group = max(1, int(self.group))
        host = [torch.empty(group, bb, dtype=torch.long, pin_memory=pinned) for _ in range(2)]
        events = [torch.cuda.Event() if pinned else None for _ in range(2)]

        def deliver(vals) -> bool:
            """Hand one step's tokens to the caller; returns True when every row is finished."""
            out = []
            for r, t in enumerate(vals[:B]):
                if host_done[r]:
                    out.append(pad)
                    continue
                out.append(t)
                counts[r] += 1
                if t in eos_set or counts[r] >= mx[r]:
                    host_done[r] = True
            res = on_step(torch.tensor(out, dtype=torch.long))
            if res is not None:
                stop = [bool(x) for x in (res.tolist() if hasattr(res, "tolist") else res)]
                newly = [r for r in range(B) if stop[r] and not host_done[r]]
                for r in newly:
                    host_done[r] = True
                if newly:
                    st["finished"][torch.as_tensor(newly, device=dev)] = True
            return all(host_done)

        host[0][0].copy_(st["tokens"], non_blocking=pinned)
        if pinned:
            events[0].record()
            events[0].synchronize()
        self.stats["ttft_s"] = time.perf_counter() - t0
        if deliver(host[0][0].tolist()):
            return
        # Decode in groups of steps: a group is enqueued (graph replays + one small copy each) before
        # the previous group's tokens go to the caller, so the GPU never waits for the host, and the
        # host wakes once per group (it may share the interpreter with a compiling thread).
        left = max(mx) - 1  # steps that can still produce a token for some row
        slot = T

        def enqueue(buf: int) -> int:
            nonlocal slot, left
            n = min(group, left)
            for j in range(n):
                lb = _round_up(slot + 1, LEN_STEP)
                if lb > st["lcap"]:
                    raise FastDecodeUnavailable("cache exhausted")  # cannot happen: need was checked
                nxt = self._run_step(st, lb, pad, penalty)
                slot += 1
                host[buf][j].copy_(nxt, non_blocking=pinned)
            if pinned and n:
                events[buf].record()
            left -= n
            return n

        buf = 0
        n = enqueue(buf)
        while n:
            n_next = enqueue(1 - buf)
            if pinned:
                events[buf].synchronize()
            if any(deliver(vals) for vals in host[buf][:n].tolist()):
                break
            buf, n = 1 - buf, n_next
        if pinned:
            torch.cuda.current_stream().synchronize()
