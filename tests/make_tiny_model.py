"""Build a GLM-OCR-shaped checkpoint offline: real special tokens, chat template and image processor
settings, with random weights.

    python tests/make_tiny_model.py OUT_DIR            # tiny (a few MB), for tests
    python tests/make_tiny_model.py OUT_DIR --real-size  # the real architecture, random weights (~2.2 GB)

The result is a folder that loads through exactly the same public code as ``zai-org/GLM-OCR``
(``AutoProcessor.from_pretrained`` + ``GlmOcrForConditionalGeneration.from_pretrained``).
"""

from __future__ import annotations

import argparse
import json
import string
from pathlib import Path

ASSETS = Path(__file__).resolve().parent / "assets" / "glm-ocr"

#: Special tokens in the real vocabulary's order, starting at id 59246.
SPECIAL_TOKENS = [
    "<|endoftext|>", "[MASK]", "[gMASK]", "[sMASK]", "<sop>", "<eop>", "<|system|>", "<|user|>",
    "<|assistant|>", "<|observation|>", "<|begin_of_image|>", "<|end_of_image|>", "<|begin_of_video|>",
    "<|end_of_video|>", "<|begin_of_audio|>", "<|end_of_audio|>", "<|begin_of_transcription|>",
    "<|end_of_transcription|>", "<|code_prefix|>", "<|code_middle|>", "<|code_suffix|>", "<think>",
    "</think>", "<tool_call>", "</tool_call>", "<tool_response>", "</tool_response>", "<arg_key>",
    "</arg_key>", "<arg_value>", "</arg_value>", "/nothink", "<|begin_of_box|>", "<|end_of_box|>",
    "<|image|>", "<|video|>",
]  # fmt: skip
FIRST_SPECIAL_ID = 59246
VOCAB_SIZE = 59392


def real_config_dict() -> dict:
    return json.loads((ASSETS / "config.json").read_text())


def tiny_config_dict() -> dict:
    """The real config with small sizes; ids, vocabulary and rope layout kept."""
    cfg = real_config_dict()
    text = cfg["text_config"]
    text.update(
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=16,
        max_position_embeddings=8192,
        dtype="float32",
    )
    text["rope_parameters"] = dict(text["rope_parameters"], mrope_section=[2, 3, 3])
    vision = cfg["vision_config"]
    vision.update(depth=2, hidden_size=64, num_heads=4, intermediate_size=128, out_hidden_size=64)
    return cfg


def _vocab() -> dict[str, int]:
    """Byte-level base alphabet, then filler word pieces, then the special tokens at their real ids."""
    from tokenizers.pre_tokenizers import ByteLevel

    alphabet = sorted(ByteLevel.alphabet())
    vocab: dict[str, int] = {}
    for ch in alphabet:
        vocab[ch] = len(vocab)
    space = "Ġ"  # byte-level form of " "
    letters = string.ascii_lowercase
    pieces = [space + a for a in letters] + [a + b for a in letters for b in letters]
    pieces += [space + a + b for a in letters for b in letters]
    pieces += [a + b + c for a in letters for b in letters for c in letters]
    for p in pieces:
        if len(vocab) >= FIRST_SPECIAL_ID:
            break
        vocab.setdefault(p, len(vocab))
    n = 0
    while len(vocab) < FIRST_SPECIAL_ID:
        vocab[f"{space}w{n}"] = len(vocab)
        n += 1
    for tok in SPECIAL_TOKENS:
        vocab[tok] = len(vocab)
    n = 0
    while len(vocab) < VOCAB_SIZE:
        vocab[f"<|reserved_{n}|>"] = len(vocab)
        n += 1
    return vocab


def build_tokenizer():
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = _vocab()
    tok = Tokenizer(models.BPE(vocab=vocab, merges=[], fuse_unk=False))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    from tokenizers import AddedToken

    tok.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in SPECIAL_TOKENS])
    for t in SPECIAL_TOKENS:
        assert tok.token_to_id(t) == vocab[t], t
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        eos_token="<|endoftext|>",
        pad_token="<|endoftext|>",
        padding_side="left",
        clean_up_tokenization_spaces=False,
    )


def build_processor():
    from transformers import Glm46VImageProcessor, Glm46VProcessor, Glm46VVideoProcessor

    pre = json.loads((ASSETS / "preprocessor_config.json").read_text())
    pre.pop("image_processor_type", None)
    pre.pop("processor_class", None)
    image_processor = Glm46VImageProcessor(**pre)
    video_processor = Glm46VVideoProcessor()
    chat_template = (ASSETS / "chat_template.jinja").read_text()
    return Glm46VProcessor(
        image_processor=image_processor,
        tokenizer=build_tokenizer(),
        video_processor=video_processor,
        chat_template=chat_template,
    )


def build_model(config_dict: dict, seed: int = 0, dtype=None):
    import torch
    from transformers import GlmOcrConfig, GlmOcrForConditionalGeneration

    torch.manual_seed(seed)
    config = GlmOcrConfig(**config_dict)
    model = GlmOcrForConditionalGeneration(config)
    if dtype is not None:
        model = model.to(dtype)
    model.eval()
    return model


def mtp_tensors(config_dict: dict, seed: int = 0, dtype=None) -> dict:
    """Random tensors of the MTP layer, named as in the hub checkpoint (``model.language_model.layers.<n>.``
    with ``n`` = the number of decoder layers); its head and embedding are the model's own."""
    import torch

    text = config_dict["text_config"]
    hidden, inter = text["hidden_size"], text["intermediate_size"]
    heads, kv, hd = text["num_attention_heads"], text["num_key_value_heads"], text["head_dim"]
    gen = torch.Generator().manual_seed(seed + 16)

    def rand(*shape):
        return (torch.randn(*shape, generator=gen) * 0.02).to(dtype or torch.float32)

    def ones(n):
        return torch.ones(n, dtype=dtype or torch.float32)

    prefix = f"model.language_model.layers.{text['num_hidden_layers']}."
    tensors = {
        "eh_proj.weight": rand(hidden, 2 * hidden), "enorm.weight": ones(hidden), "hnorm.weight": ones(hidden),
        "shared_head.norm.weight": ones(hidden),
        "self_attn.q_proj.weight": rand(heads * hd, hidden), "self_attn.k_proj.weight": rand(kv * hd, hidden),
        "self_attn.v_proj.weight": rand(kv * hd, hidden), "self_attn.o_proj.weight": rand(hidden, heads * hd),
        "mlp.gate_up_proj.weight": rand(2 * inter, hidden), "mlp.down_proj.weight": rand(hidden, inter),
        "input_layernorm.weight": ones(hidden), "post_self_attn_layernorm.weight": ones(hidden),
        "post_attention_layernorm.weight": ones(hidden), "post_mlp_layernorm.weight": ones(hidden),
    }
    return {prefix + name: t for name, t in tensors.items()}


def _add_mtp_layer(out: Path, cfg: dict, seed: int, dtype) -> None:
    """Put the MTP layer's tensors into the checkpoint, as the hub file carries them (transformers drops
    them at load; the fast path reads them from the files)."""
    from safetensors.torch import load_file, save_file

    extra = mtp_tensors(cfg, seed, dtype)
    index = out / "model.safetensors.index.json"
    if index.is_file():  # sharded: one more shard, listed in the index
        data = json.loads(index.read_text())
        save_file(extra, str(out / "model-mtp.safetensors"), metadata={"format": "pt"})
        data["weight_map"].update(dict.fromkeys(extra, "model-mtp.safetensors"))
        index.write_text(json.dumps(data, indent=2))
        return
    path = out / "model.safetensors"
    tensors = load_file(str(path))
    tensors.update(extra)
    save_file(tensors, str(path), metadata={"format": "pt"})


def write_checkpoint(out_dir: str | Path, *, real_size: bool = False, seed: int = 0) -> Path:
    """Write a loadable GLM-OCR-shaped folder (safetensors, tokenizer, processor, chat template)."""
    import torch
    from transformers import GenerationConfig

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cfg = real_config_dict() if real_size else tiny_config_dict()
    model = build_model(cfg, seed=seed, dtype=torch.bfloat16 if real_size else None)
    model.generation_config = GenerationConfig(
        eos_token_id=[59246, 59253], pad_token_id=59246, do_sample=False
    )
    model.save_pretrained(out, safe_serialization=True)
    _add_mtp_layer(out, cfg, seed, torch.bfloat16 if real_size else None)
    build_processor().save_pretrained(out)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out_dir")
    ap.add_argument("--real-size", action="store_true", help="real architecture (random weights, bf16)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    path = write_checkpoint(args.out_dir, real_size=args.real_size, seed=args.seed)
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
