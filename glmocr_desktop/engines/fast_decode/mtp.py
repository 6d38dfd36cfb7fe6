"""GLM-OCR's multi-token-prediction (MTP) layer: loaded from the checkpoint files, run as a draft model.

Why a module of its own: the hub checkpoint carries one next-token-prediction layer after the decoder
(layer index ``num_hidden_layers``, i.e. 16): ``eh_proj``, ``enorm``, ``hnorm``, one decoder layer and a
``shared_head`` norm; its head and embedding are the model's own ``lm_head`` and ``embed_tokens``.
transformers drops these tensors at load, so they are read here from the safetensors files, and nothing
else in the fast path has to know that the layer exists.

The draft at cache slot ``p`` combines the embedding of token ``x[p+1]`` with the target's final-norm
hidden state ``H[p]`` (the one that predicted ``x[p+1]``)::

    g[p] = layer(eh_proj(cat(enorm(embed(x[p+1])), hnorm(H[p]))))      # attends the MTP layer's own cache
    draft x[p+2] = argmax(lm_head(shared_norm(g[p])))

and a further draft feeds ``g`` back in place of ``H`` (one layer, reused), as the official servers do.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from glmocr_desktop.engines.fast_decode.decoder import Attention, LayerWeights, TextDecoder

log = logging.getLogger(__name__)

#: the layer's own tensors (besides the decoder-layer ones), by the name after ``layers.<index>.``
_OWN = ("eh_proj.weight", "enorm.weight", "hnorm.weight", "shared_head.norm.weight")


@dataclass
class MTPWeights:
    """The MTP layer's tensors on the decoder's device and dtype."""

    layer: LayerWeights
    eh_proj: Any  # (hidden, 2 * hidden)
    enorm: Any
    hnorm: Any
    head_norm: Any
    head: Any  # the model's lm_head unless the checkpoint has a head of its own
    embed: Any  # the model's embedding unless the checkpoint has one of its own


def mtp_layer_index(config) -> int | None:
    """The MTP layer's index in the checkpoint, or None when the config declares none."""
    text = getattr(config, "text_config", config)
    n = getattr(text, "num_nextn_predict_layers", 0) or 0
    return int(text.num_hidden_layers) if n > 0 else None


@contextlib.contextmanager
def mtp_keys_expected(model_class, folder: str | Path):
    """While loading from ``folder``, transformers treats the MTP layer's tensors as expected: it drops
    them without its unexpected-keys report (the fast path reads them itself)."""
    index = None
    try:
        config = json.loads((Path(folder) / "config.json").read_text(encoding="utf-8"))
        text = config.get("text_config", config)
        if text.get("num_nextn_predict_layers"):
            index = int(text["num_hidden_layers"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    if index is None:
        yield
        return
    saved = model_class.__dict__.get("_keys_to_ignore_on_load_unexpected", _UNSET)
    model_class._keys_to_ignore_on_load_unexpected = [
        *(getattr(model_class, "_keys_to_ignore_on_load_unexpected", None) or []), rf"layers\.{index}\."]
    try:
        yield
    finally:
        if saved is _UNSET:
            del model_class._keys_to_ignore_on_load_unexpected
        else:
            model_class._keys_to_ignore_on_load_unexpected = saved


_UNSET = object()


def _checkpoint_files(folder: Path) -> list[Path]:
    index = folder / "model.safetensors.index.json"
    if index.is_file():
        names = sorted(set(json.loads(index.read_text(encoding="utf-8"))["weight_map"].values()))
        return [folder / n for n in names]
    return sorted(folder.glob("*.safetensors"))


def read_mtp_tensors(folder: str | Path, index: int) -> dict[str, Any]:
    """The tensors of checkpoint layer ``index`` of the text model, keyed by the name after
    ``layers.<index>.`` (vision blocks never match: they are ``blocks.<n>``)."""
    from safetensors import safe_open

    pattern = re.compile(rf"(?:^|\.)(?:language_model\.)?layers\.{index}\.(.+)$")
    found: dict[str, Any] = {}
    for path in _checkpoint_files(Path(folder)):
        with safe_open(str(path), framework="pt") as f:
            for key in f.keys():  # noqa: SIM118 (safe_open has keys(), not iteration)
                m = pattern.search(key)
                if m and "visual" not in key:
                    found[m.group(1)] = f.get_tensor(key)
    return found


def mtp_from_tensors(tensors: dict[str, Any], decoder: TextDecoder, device) -> MTPWeights:
    """Build :class:`MTPWeights` from :func:`read_mtp_tensors`'s dict; raises ValueError when a tensor is
    missing or has the wrong shape."""
    import torch

    missing = [n for n in _OWN if n not in tensors]
    if missing:
        raise ValueError(f"MTP layer tensors missing: {', '.join(missing)}")
    dtype = decoder.embed.dtype

    def get(name: str):
        t = tensors.get(name)
        if t is None:
            raise ValueError(f"MTP layer tensor missing: {name}")
        return t.to(device=device, dtype=dtype)

    att = "self_attn."
    qkv = torch.cat([get(att + "q_proj.weight"), get(att + "k_proj.weight"), get(att + "v_proj.weight")], 0)
    if "mlp.gate_up_proj.weight" in tensors:
        gate_up = get("mlp.gate_up_proj.weight")
    else:
        gate_up = torch.cat([get("mlp.gate_proj.weight"), get("mlp.up_proj.weight")], 0)
    layer = LayerWeights(
        qkv=qkv.contiguous(), out=get(att + "o_proj.weight"), gate_up=gate_up, down=get("mlp.down_proj.weight"),
        input_norm=get("input_layernorm.weight"), post_attention_norm=get("post_self_attn_layernorm.weight"),
        pre_mlp_norm=get("post_attention_layernorm.weight"), post_mlp_norm=get("post_mlp_layernorm.weight"),
    )
    hidden = decoder.hidden
    eh_proj = get("eh_proj.weight")
    if tuple(eh_proj.shape) != (hidden, 2 * hidden) or tuple(qkv.shape) != tuple(decoder.layers[0].qkv.shape):
        raise ValueError(f"MTP layer shapes do not fit the decoder (eh_proj {tuple(eh_proj.shape)})")
    head = get("shared_head.head.weight") if "shared_head.head.weight" in tensors else decoder.lm_head
    embed = get("embed_tokens.weight") if "embed_tokens.weight" in tensors else decoder.embed
    return MTPWeights(layer=layer, eh_proj=eh_proj, enorm=get("enorm.weight"), hnorm=get("hnorm.weight"),
                      head_norm=get("shared_head.norm.weight"), head=head, embed=embed)


def load_mtp(model, decoder: TextDecoder, device) -> tuple[MTPWeights | None, str]:
    """The MTP layer of a loaded model, read from the folder it was loaded from; (None, why) when there is
    none (a config without one, a folder without its tensors, an unknown layout)."""
    index = mtp_layer_index(model.config)
    if index is None:
        return None, "the model declares no MTP layer"
    name = str(getattr(model, "name_or_path", "") or getattr(model.config, "_name_or_path", "") or "")
    folder = Path(name)
    if not name or not folder.is_dir():
        return None, "the model was not loaded from a folder (MTP tensors are read from its files)"
    try:
        tensors = read_mtp_tensors(folder, index)
        if not tensors:
            return None, f"the checkpoint has no tensors of MTP layer {index}"
        return mtp_from_tensors(tensors, decoder, device), ""
    except Exception as exc:  # a damaged or unexpected layer: decode without drafts
        return None, f"the MTP layer could not be used: {exc}"


class DraftModel:
    """The MTP layer's math over :class:`TextDecoder`'s layer function (its own weights, one layer)."""

    def __init__(self, decoder: TextDecoder, weights: MTPWeights) -> None:
        self.decoder = decoder
        self.weights = weights
        self._layer = replace(decoder, layers=[weights.layer])

    def hidden(self, tokens, previous, cos, sin, attend: Attention, zero_embed=None):
        """``g`` for draft inputs: ``tokens`` (B, T) next tokens, ``previous`` (B, T, hidden) the hidden
        states that predicted them; ``zero_embed`` (B, T) bool masks the embedding (rope position 0)."""
        import torch

        w, d = self.weights, self.decoder
        emb = torch.nn.functional.embedding(tokens, w.embed)
        if zero_embed is not None:
            emb = emb.masked_fill(zero_embed[..., None], 0)
        x = torch.cat([d.rms_norm(emb, w.enorm), d.rms_norm(previous, w.hnorm)], -1)
        x = torch.nn.functional.linear(x, w.eh_proj)
        return self._layer.layer(0, x, cos, sin, attend)

    def logits(self, g):
        import torch

        return torch.nn.functional.linear(self.decoder.rms_norm(g, self.weights.head_norm), self.weights.head)
