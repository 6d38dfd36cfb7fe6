"""The layout detector on the tiny PP-DocLayoutV3 checkpoint, loaded through the public loading code.

Random weights give arbitrary boxes, so these tests check types, bounds and the invariants of the
post-processing, never particular boxes.
"""

from __future__ import annotations

import shutil

import pytest

pytest.importorskip("torch")
pytest.importorskip("cv2")

from glmocr_desktop.core.documents import open_document
from glmocr_desktop.core.errors import LayoutModelNotFoundError, ModelLoadError
from glmocr_desktop.core.layout import (
    KINDS,
    LABELS,
    NMS_IOU_SAME_CLASS,
    LayoutBlock,
    LayoutOptions,
    iou_matrix,
)
from glmocr_desktop.core.regions import Region
from glmocr_desktop.engines.layout import (
    DEFAULT_LAYOUT_MODEL_ID,
    LayoutDetector,
    layout_model_available,
    resolve_layout_model,
)


@pytest.fixture(scope="module")
def detector(tiny_layout_detector):
    return tiny_layout_detector


@pytest.fixture(scope="module")
def pages(corpus_dir):
    with open_document(corpus_dir / "pdfs" / "docling_multi_page.pdf") as doc:
        return [doc.render_page(0), doc.render_page(1)]


def test_loads_through_public_code(detector, tiny_layout_model_dir):
    assert type(detector.model).__name__ == "PPDocLayoutV3ForObjectDetection"
    assert type(detector.processor).__name__ == "PPDocLayoutV3ImageProcessor"
    assert detector.device == "cpu" and detector.path == tiny_layout_model_dir
    assert set(detector.id2label.values()) == set(LABELS)
    assert layout_model_available(tiny_layout_model_dir)


def test_blocks_on_a_real_page(detector, pages):
    (blocks,) = detector.detect(pages[:1])
    assert blocks, "the tiny checkpoint finds boxes on a text page"
    for b in blocks:
        assert isinstance(b, LayoutBlock) and isinstance(b.region, Region)
        assert 0.0 <= b.region.x0 < b.region.x1 <= 1.0 and 0.0 <= b.region.y0 < b.region.y1 <= 1.0
        assert b.native_label in LABELS and b.label in KINDS and b.label != "abandoned"
        assert 0.3 <= b.score <= 1.0
    assert [b.order for b in blocks] == list(range(len(blocks)))


def test_blocks_follow_the_rules_on_the_raw_detections(detector, pages):
    import numpy as np

    page = pages[0]
    (raw,) = detector.detect_raw([page])
    (blocks,) = detector.detect([page])
    by_key = {(d.label, round(d.score, 6)): d for d in raw}
    kept = [by_key[(b.native_label, round(b.score, 6))] for b in blocks]  # every block is a detection
    ranks = [d.order for d in kept]
    assert ranks == sorted(ranks), "blocks come in the model's reading order"
    boxes = np.array([d.box for d in kept])
    iou = iou_matrix(boxes)
    for i in range(len(kept)):
        for j in range(i + 1, len(kept)):
            if kept[i].label == kept[j].label:
                assert iou[i, j] < NMS_IOU_SAME_CLASS
    # the model's own post-processing already put the raw detections in its order
    assert [d.order for d in raw] == sorted(d.order for d in raw)


def test_batched_detection_matches_one_page_at_a_time(detector, pages):
    together = detector.detect(pages)
    alone = [detector.detect([p])[0] for p in pages]
    assert [[b.native_label for b in page] for page in together] == [[b.native_label for b in p] for p in alone]
    for page_t, page_a in zip(together, alone):
        for bt, ba in zip(page_t, page_a):
            assert bt.region.as_tuple() == pytest.approx(ba.region.as_tuple(), abs=1e-3)


def test_options_reach_the_rules(tiny_layout_model_dir, detector, pages):
    (default,) = detector.detect(pages[:1])
    strict = LayoutDetector(tiny_layout_model_dir, options=LayoutOptions(threshold=0.6))
    keep = LayoutDetector(tiny_layout_model_dir, options=LayoutOptions(keep_abandoned=True))
    (strict_blocks,) = strict.detect(pages[:1])  # loads on first use
    (kept_blocks,) = keep.detect(pages[:1])
    assert all(b.score >= 0.6 for b in strict_blocks) and len(strict_blocks) <= len(default)
    assert len(kept_blocks) >= len(default)
    assert {(b.native_label, b.score) for b in default} <= {(b.native_label, b.score) for b in kept_blocks}


def test_grey_and_small_pictures(detector):
    from PIL import Image

    (blocks,) = detector.detect([Image.new("L", (50, 40), 255)])
    assert all(isinstance(b, LayoutBlock) for b in blocks)


def test_missing_model_says_how_to_get_it(tmp_path, monkeypatch):
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    with pytest.raises(LayoutModelNotFoundError) as err:
        LayoutDetector(DEFAULT_LAYOUT_MODEL_ID).load()
    assert f"hf download {DEFAULT_LAYOUT_MODEL_ID}" in str(err.value)
    with pytest.raises(LayoutModelNotFoundError):
        resolve_layout_model(tmp_path / "nowhere")
    assert not layout_model_available(tmp_path / "nowhere")


def test_wrong_or_broken_folders(tmp_path, tiny_model_dir, tiny_layout_model_dir):
    with pytest.raises(ModelLoadError, match="not PP-DocLayoutV3"):
        resolve_layout_model(tiny_model_dir)  # the OCR model is not a layout model
    pickled = tmp_path / "pickled"
    shutil.copytree(tiny_layout_model_dir, pickled)
    (pickled / "model.safetensors").rename(pickled / "pytorch_model.bin")
    with pytest.raises(ModelLoadError, match="pickle"):
        resolve_layout_model(pickled)
    cut = tmp_path / "cut"
    shutil.copytree(tiny_layout_model_dir, cut)
    data = (cut / "model.safetensors").read_bytes()
    (cut / "model.safetensors").write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelLoadError, match="damaged or incomplete"):
        resolve_layout_model(cut)
