"""The GLM-OCR text decoder re-expressed over the model's own weights: one layer function for all uses.

Why a module of its own: stock transformers spends most of a decode step in Python; this is the same
math as plain tensor code that torch.compile can trace whole and a CUDA graph can capture. The decoder
layer (:meth:`TextDecoder.layer`) is written once; prefill and decode differ only in the attention they
pass in (:mod:`.attention`), which is where the KV cache is written and read.

No weights are copied except one fused q/k/v matrix per layer, which the model's own q/k/v projections
then view, so stock ``generate`` keeps working on the same memory.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: ``attend(layer_index, q, k, v) -> (batch, tokens, q_dim)``: writes the layer's cache, attends
Attention = Callable[[int, Any, Any, Any], Any]


@dataclass
class LayerWeights:
    qkv: Any  # fused (q_dim + 2 * kv_dim, hidden)
    out: Any
    gate_up: Any
    down: Any
    input_norm: Any
    post_attention_norm: Any
    pre_mlp_norm: Any
    post_mlp_norm: Any


def rotate_half_interleaved(x):
    x1 = x[..., 0::2]
    x2 = x[..., 1::2]
    import torch

    return torch.stack((-x2, x1), dim=-1).flatten(-2)


def apply_rope(q, k, cos, sin):
    """q, k: (batch, heads, tokens, head_dim); cos/sin: (batch, tokens, rotary dims)."""
    import torch

    cos = cos.unsqueeze(1)
    sin = sin.unsqueeze(1)
    rot = cos.shape[-1]
    q_rot, q_pass = q[..., :rot], q[..., rot:]
    k_rot, k_pass = k[..., :rot], k[..., rot:]
    q_emb = (q_rot * cos) + (rotate_half_interleaved(q_rot) * sin)
    k_emb = (k_rot * cos) + (rotate_half_interleaved(k_rot) * sin)
    return torch.cat([q_emb, q_pass], -1), torch.cat([k_emb, k_pass], -1)


@dataclass
class TextDecoder:
    """Weights and sizes of the text decoder, with the layer function that uses them."""

    layers: list[LayerWeights]
    embed: Any
    final_norm: Any
    lm_head: Any
    n_heads: int
    n_kv_heads: int
    head_dim: int
    hidden: int
    vocab: int
    eps: float
    inv_freq: Any  # float32, on the device
    rope_scale: float
    image_token_id: int

    @property
    def q_dim(self) -> int:
        return self.n_heads * self.head_dim

    @property
    def kv_dim(self) -> int:
        return self.n_kv_heads * self.head_dim

    @property
    def scaling(self) -> float:
        return self.head_dim**-0.5

    @property
    def rotary_dims(self) -> int:
        return 2 * self.inv_freq.shape[0]

    @classmethod
    def from_model(cls, model, device) -> TextDecoder:
        """Take the weights of a loaded ``GlmOcrForConditionalGeneration``; raises ValueError for a layout
        this code does not implement."""
        import torch

        lm = model.model.language_model
        cfg = lm.config
        n_heads, n_kv = cfg.num_attention_heads, cfg.num_key_value_heads
        head_dim = getattr(cfg, "head_dim", None) or cfg.hidden_size // n_heads
        q_dim, kv_dim = n_heads * head_dim, n_kv * head_dim
        layers = []
        for layer in lm.layers:
            att = layer.self_attn
            for lin in (att.q_proj, att.k_proj, att.v_proj, att.o_proj):
                if lin.bias is not None:
                    raise ValueError("biased attention projections")
            act = type(layer.mlp.activation_fn).__name__.lower()
            if "silu" not in act and "swish" not in act:
                raise ValueError(f"unexpected MLP activation {act}")
            # Fuse q/k/v into one matrix and let the model's projections view it (no extra memory).
            with torch.no_grad():
                fused = torch.cat([att.q_proj.weight, att.k_proj.weight, att.v_proj.weight], 0).contiguous()
                att.q_proj.weight = torch.nn.Parameter(fused[:q_dim], requires_grad=False)
                att.k_proj.weight = torch.nn.Parameter(fused[q_dim : q_dim + kv_dim], requires_grad=False)
                att.v_proj.weight = torch.nn.Parameter(fused[q_dim + kv_dim :], requires_grad=False)
            layers.append(LayerWeights(
                qkv=fused, out=att.o_proj.weight, gate_up=layer.mlp.gate_up_proj.weight,
                down=layer.mlp.down_proj.weight, input_norm=layer.input_layernorm.weight,
                post_attention_norm=layer.post_self_attn_layernorm.weight,
                pre_mlp_norm=layer.post_attention_layernorm.weight,
                post_mlp_norm=layer.post_mlp_layernorm.weight,
            ))
        rotary = lm.rotary_emb
        return cls(
            layers=layers, embed=lm.embed_tokens.weight, final_norm=lm.norm.weight,
            lm_head=model.lm_head.weight,
            n_heads=n_heads, n_kv_heads=n_kv, head_dim=head_dim, hidden=cfg.hidden_size,
            vocab=model.lm_head.weight.shape[0], eps=lm.norm.variance_epsilon,
            inv_freq=rotary.inv_freq.detach().float().to(device),
            rope_scale=float(getattr(rotary, "attention_scaling", 1.0)),
            image_token_id=model.config.image_token_id,
        )

    # --- math -----------------------------------------------------------------------------------

    def rms_norm(self, x, weight):
        import torch

        dtype = x.dtype
        h = x.to(torch.float32)
        variance = h.pow(2).mean(-1, keepdim=True)
        h = h * torch.rsqrt(variance + self.eps)
        return weight * h.to(dtype)

    def text_rope(self, positions, dtype):
        """cos/sin for text positions (all three M-RoPE axes equal): (batch,) -> (batch, 1, rotary dims)."""
        import torch

        freqs = positions.to(torch.float32)[:, None, None] * self.inv_freq[None, None, :]
        cos = (freqs.cos() * self.rope_scale).repeat_interleave(2, dim=-1)
        sin = (freqs.sin() * self.rope_scale).repeat_interleave(2, dim=-1)
        return cos.to(dtype), sin.to(dtype)

    def layer(self, index: int, x, cos, sin, attend: Attention):
        """One decoder layer over ``x`` (batch, tokens, hidden): the same code for prefill and decode."""
        import torch

        linear = torch.nn.functional.linear
        w = self.layers[index]
        batch, tokens = x.shape[:2]
        qkv = linear(self.rms_norm(x, w.input_norm), w.qkv)
        q = qkv[..., : self.q_dim].view(batch, tokens, self.n_heads, self.head_dim).transpose(1, 2)
        kv_shape = (batch, tokens, self.n_kv_heads, self.head_dim)
        k = qkv[..., self.q_dim : self.q_dim + self.kv_dim].view(kv_shape).transpose(1, 2)
        v = qkv[..., self.q_dim + self.kv_dim :].view(kv_shape).transpose(1, 2)
        q, k = apply_rope(q, k, cos, sin)
        attended = attend(index, q, k, v)
        x = x + self.rms_norm(linear(attended, w.out), w.post_attention_norm)
        gate, up = linear(self.rms_norm(x, w.pre_mlp_norm), w.gate_up).chunk(2, dim=-1)
        mlp = linear(up * torch.nn.functional.silu(gate), w.down)
        return x + self.rms_norm(mlp, w.post_mlp_norm)

    def forward(self, x, cos, sin, attend: Attention):
        """Every layer over ``x`` (batch, tokens, hidden); returns the last layer's hidden states."""
        for index in range(len(self.layers)):
            x = self.layer(index, x, cos, sin, attend)
        return x

    def logits(self, hidden):
        """Vocabulary logits of hidden states (batch, hidden) after the final norm."""
        import torch

        return torch.nn.functional.linear(self.rms_norm(hidden, self.final_norm), self.lm_head)
