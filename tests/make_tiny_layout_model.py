"""Build a tiny PP-DocLayoutV3 checkpoint offline: the real class, labels and image processor, random weights.

    python tests/make_tiny_layout_model.py OUT_DIR

The folder loads through exactly the same public code as ``PaddlePaddle/PP-DocLayoutV3_safetensors``
(``PPDocLayoutV3ImageProcessor.from_pretrained`` + ``PPDocLayoutV3ForObjectDetection.from_pretrained``,
safetensors only). The stock initialisation (std 0.01) makes every query see a constant feature map and
predict the same box; the weights are therefore drawn so signals keep their scale through the layers,
and the detector returns varied boxes, labels, scores and reading orders, as a trained one does.
Query boxes come from the box head rather than from random masks (``mask_enhanced=False``), which
would make every box cover the page.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from glmocr_desktop.core.layout import LABELS

#: Small stages of the HGNetV2 backbone; the encoder takes stages 2..4, the mask branch stage 1.
BACKBONE = {
    "model_type": "hgnet_v2",
    "embedding_size": 16,
    "depths": [1, 1, 1, 1],
    "hidden_sizes": [32, 64, 96, 128],
    "stem_channels": [3, 8, 16],
    "stage_in_channels": [16, 32, 64, 96],
    "stage_mid_channels": [8, 16, 24, 32],
    "stage_out_channels": [32, 64, 96, 128],
    "stage_num_blocks": [1, 1, 1, 1],
    "stage_numb_of_layers": [2, 2, 2, 2],
    "out_features": ["stage1", "stage2", "stage3", "stage4"],
}
#: Class head: logits scaled down and shifted, so scores sit between the threshold and 1, and a few
#: labels of every kind are favoured, so pages get text, table, formula and image boxes.
CLASS_SCALE = 0.5
CLASS_BIAS = -1.0
FAVOUR = 1.0
FAVOURED_LABELS = ("text", "table", "display_formula", "image", "header")
#: Box head: log-odds bias of width and height (boxes of paragraph size, not the whole page).
BOX_SIZE_BIAS = -0.5
#: The real processor resizes pages to 800x800; the tiny model sees 320x320 (same code path, less work).
INPUT_SIDE = 320


def tiny_config():
    from transformers import PPDocLayoutV3Config

    id2label = dict(enumerate(LABELS))
    return PPDocLayoutV3Config(
        backbone_config=BACKBONE,
        encoder_in_channels=[64, 96, 128],
        x4_feat_dim=32,
        encoder_hidden_dim=32,
        encoder_ffn_dim=64,
        encoder_attention_heads=2,
        d_model=32,
        decoder_in_channels=[32, 32, 32],
        decoder_ffn_dim=64,
        decoder_layers=1,
        decoder_attention_heads=2,
        num_queries=12,
        mask_feature_channels=[16, 16],
        num_prototypes=8,
        global_pointer_head_size=16,
        num_denoising=0,
        mask_enhanced=False,
        id2label=id2label,
        label2id={v: k for k, v in id2label.items()},
    )


def _scale_preserving_weights(model, seed: int) -> None:
    import torch

    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, module in model.named_modules():
            if isinstance(module, (torch.nn.Linear, torch.nn.Conv2d)):
                fan_in = module.weight[0].numel()
                module.weight.copy_(torch.randn(module.weight.shape, generator=gen) * (2.0 / fan_in) ** 0.5)
                if module.bias is not None:
                    module.bias.copy_(torch.randn(module.bias.shape, generator=gen) * 0.1)
                if "class_embed" in name or "score_head" in name:
                    module.weight.mul_(CLASS_SCALE)
                    module.bias.fill_(CLASS_BIAS)
                    module.bias[[LABELS.index(label) for label in FAVOURED_LABELS]] += FAVOUR
                elif name.endswith(("bbox_head.layers.2", "bbox_embed.layers.2")):
                    # Box deltas: small moves, and boxes of paragraph size rather than the whole page.
                    module.weight.mul_(0.2)
                    module.bias.copy_(torch.tensor([0.0, 0.0, BOX_SIZE_BIAS, BOX_SIZE_BIAS]))
            elif isinstance(module, torch.nn.BatchNorm2d):
                module.reset_parameters()


def write_checkpoint(out_dir: str | Path, seed: int = 0) -> Path:
    """Write the tiny checkpoint (config, model.safetensors, preprocessor_config.json) into ``out_dir``."""
    import torch
    from transformers import PPDocLayoutV3ForObjectDetection, PPDocLayoutV3ImageProcessor

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    model = PPDocLayoutV3ForObjectDetection(tiny_config()).eval()
    _scale_preserving_weights(model, seed)
    model.save_pretrained(out, safe_serialization=True)
    PPDocLayoutV3ImageProcessor(size={"height": INPUT_SIDE, "width": INPUT_SIDE}).save_pretrained(out)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(write_checkpoint(args.out_dir, seed=args.seed))


if __name__ == "__main__":
    main()
