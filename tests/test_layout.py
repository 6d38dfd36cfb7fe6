"""Layout post-processing rules on synthetic detections with known answers."""

from __future__ import annotations

import pytest

from glmocr_desktop.core.layout import (
    LABEL_KINDS,
    LABELS,
    Detection,
    LayoutBlock,
    LayoutOptions,
    detections_from_arrays,
    iou_matrix,
    merge_contained,
    non_max_suppression,
    postprocess,
)
from glmocr_desktop.core.regions import Region
from glmocr_desktop.core.tasks import Task

W, H = 1000, 1400  # a portrait page in pixels


def det(label, score, box, order=0):
    return Detection(label, score, tuple(float(v) for v in box), order)


def labels_of(blocks):
    return [b.native_label for b in blocks]


def test_every_model_label_has_a_kind():
    assert len(LABELS) == 25 and set(LABELS) == set(LABEL_KINDS)
    assert {LABEL_KINDS[n] for n in ("doc_title", "paragraph_title", "formula_number", "text")} == {"text"}
    assert LABEL_KINDS["table"] == "table"
    assert LABEL_KINDS["display_formula"] == LABEL_KINDS["inline_formula"] == "formula"
    assert LABEL_KINDS["image"] == LABEL_KINDS["chart"] == "image"
    for name in ("header", "footer", "number", "footnote", "aside_text", "reference"):
        assert LABEL_KINDS[name] == "abandoned"


def test_threshold_global_and_per_class():
    dets = [det("text", 0.31, (0, 0, 100, 100), 0), det("text", 0.29, (0, 200, 100, 300), 1),
            det("table", 0.5, (0, 400, 500, 800), 2)]
    assert labels_of(postprocess(dets, W, H)) == ["text", "table"]
    strict = LayoutOptions(threshold_by_class={"table": 0.6, "text": 0.25})
    assert [b.score for b in postprocess(dets, W, H, strict)] == [0.31, 0.29]
    assert strict.lowest_threshold == 0.25


def test_iou_counts_edges_like_the_sdk():
    import numpy as np

    iou = iou_matrix(np.array([[0, 0, 9, 9], [5, 0, 14, 9]], dtype=float))
    assert iou[0, 1] == pytest.approx(50 / 150)  # 10x10 boxes overlapping 5x10 pixels


def test_nms_same_class_at_0_6():
    a = det("text", 0.9, (0, 0, 99, 99))
    b = det("text", 0.8, (0, 20, 99, 119))  # IoU 80*100 / (2*10000 - 8000) = 0.667 -> suppressed
    c = det("text", 0.7, (0, 50, 99, 149))  # IoU with a = 0.333 -> kept
    assert non_max_suppression([c, b, a]) == [a, c]


def test_nms_across_classes_only_above_0_98():
    a = det("text", 0.9, (0, 0, 99, 99))
    same_box_other_class = det("paragraph_title", 0.8, (0, 0, 99, 99))
    shifted_other_class = det("table", 0.7, (0, 10, 99, 109))  # IoU 0.82 < 0.98 -> kept
    kept = non_max_suppression([a, same_box_other_class, shifted_other_class])
    assert kept == [a, shifted_other_class]


def test_page_sized_image_box_is_dropped_when_others_exist():
    page_image = det("image", 0.9, (-5, -5, W + 5, H + 5), 0)  # clipped to the page: 100 %
    text = det("text", 0.8, (100, 100, 900, 300), 1)
    assert labels_of(postprocess([page_image, text], W, H)) == ["text"]
    # alone, it stays (it is all there is to read)
    assert labels_of(postprocess([page_image], W, H)) == ["image"]
    # 90 % of a portrait page is under its 93 % limit; of a landscape page over its 82 % one
    big = det("image", 0.9, (0, 0, 900, 1400), 0)
    beside = det("text", 0.8, (850, 100, 1000, 300), 1)
    assert labels_of(postprocess([big, beside], W, H)) == ["image", "text"]
    big_landscape = det("image", 0.9, (0, 0, 1260, 1000), 0)
    assert labels_of(postprocess([big_landscape, text], 1400, 1000)) == ["text"]
    # only "image" boxes: a page-sized table stays
    table = det("table", 0.9, (0, 0, W, H), 0)
    assert labels_of(postprocess([table, text], W, H)) == ["table"]  # text lies inside the table


def test_containment_drops_the_inner_box():
    outer = det("table", 0.7, (100, 100, 900, 900), 0)
    inner = det("text", 0.9, (150, 150, 400, 300), 1)  # fully inside
    half_out = det("text", 0.9, (700, 100, 1000, 300), 2)  # 2/3 inside: stays
    assert merge_contained([outer, inner, half_out]) == [outer, half_out]


def test_containment_never_drops_pictures():
    outer = det("text", 0.7, (100, 100, 900, 900))
    picture = det("image", 0.9, (150, 150, 400, 300))
    seal = det("seal", 0.9, (500, 500, 600, 600))
    assert merge_contained([outer, picture, seal]) == [outer, picture, seal]


def test_containment_reference_drops_the_holder():
    holder = det("text", 0.9, (0, 0, 1000, 600))
    ref_a = det("reference", 0.8, (0, 0, 1000, 200))
    ref_b = det("reference", 0.8, (0, 300, 1000, 500))
    assert merge_contained([holder, ref_a, ref_b]) == [ref_a, ref_b]
    # entries inside a reference block stay with it (the block is abandoned later)
    block = det("reference", 0.9, (0, 700, 1000, 1300), 0)
    entries = [det("reference_content", 0.8, (0, 700 + 200 * k, 1000, 850 + 200 * k), k + 1) for k in range(3)]
    assert merge_contained([block, *entries]) == [block, *entries]
    assert labels_of(postprocess([block, *entries], W, H)) == ["reference_content"] * 3


def test_containment_of_near_identical_boxes_keeps_the_better_one():
    a = det("text", 0.8, (100, 100, 500, 300))
    b = det("paragraph_title", 0.9, (105, 100, 500, 300))
    assert merge_contained([a, b]) == [b]
    c = det("text", 0.8, (105, 100, 500, 300))
    assert merge_contained([a, c]) == [a]  # a tie keeps the first


def test_reading_order_follows_the_model_not_the_geometry():
    right_column = det("text", 0.9, (550, 100, 950, 700), 1)
    left_column = det("text", 0.9, (50, 100, 450, 700), 0)
    title = det("doc_title", 0.9, (50, 20, 950, 80), -1)
    blocks = postprocess([right_column, left_column, title], W, H)
    assert labels_of(blocks) == ["doc_title", "text", "text"]
    assert [b.region.x0 for b in blocks] == [0.05, 0.05, 0.55]
    assert [b.order for b in blocks] == [0, 1, 2]


def test_blocks_are_normalised_clamped_and_typed():
    blocks = postprocess([det("table", 0.9, (-20, 700, 500, 1500), 0),
                          det("text", 0.9, (1200, 0, 1300, 50), 1)], W, H)  # off the page: dropped
    assert len(blocks) == 1
    b = blocks[0]
    assert isinstance(b, LayoutBlock) and b.region == Region(0.0, 0.5, 0.5, 1.0)
    assert b.label == "table" and b.task is Task.TABLE and b.score == 0.9


def test_kinds_and_tasks():
    dets = [det("doc_title", 0.9, (0, 0, 1000, 50), 0), det("display_formula", 0.9, (0, 100, 500, 150), 1),
            det("formula_number", 0.9, (900, 100, 1000, 150), 2), det("chart", 0.9, (0, 200, 500, 600), 3),
            det("table", 0.9, (0, 700, 1000, 1000), 4)]
    blocks = postprocess(dets, W, H)
    assert [(b.label, b.task) for b in blocks] == [
        ("text", Task.TEXT), ("formula", Task.FORMULA), ("text", Task.TEXT), ("image", None),
        ("table", Task.TABLE)]


def test_abandoned_dropped_by_default_and_kept_as_text_on_request():
    dets = [det("header", 0.9, (0, 0, 1000, 40), 0), det("text", 0.9, (0, 100, 1000, 600), 1),
            det("number", 0.9, (480, 1350, 520, 1390), 2), det("footer_image", 0.9, (0, 1300, 100, 1340), 3)]
    assert labels_of(postprocess(dets, W, H)) == ["text"]
    assert postprocess(dets, W, H)[0].order == 0
    kept = postprocess(dets, W, H, LayoutOptions(keep_abandoned=True))
    assert labels_of(kept) == ["header", "text", "number", "footer_image"]
    assert [b.label for b in kept] == ["abandoned", "text", "abandoned", "abandoned"]
    assert [b.task for b in kept] == [Task.TEXT, Task.TEXT, Task.TEXT, None]  # a picture stays a crop


def test_unknown_labels_are_read_as_text():
    assert postprocess([det("marginalia", 0.9, (0, 0, 100, 100))], W, H)[0].task is Task.TEXT


def test_rules_together():
    """NMS, containment and ordering on one page; the answer is worked out by hand."""
    dets = detections_from_arrays(
        labels=[22, 22, 17, 21, 22, 12, 14],
        scores=[0.95, 0.90, 0.88, 0.85, 0.6, 0.9, 0.2],
        boxes=[(50, 300, 950, 600),   # text
               (50, 310, 950, 610),   # duplicate text, IoU 0.94 -> NMS
               (50, 200, 950, 260),   # paragraph title
               (50, 700, 950, 1200),  # table
               (100, 800, 500, 900),  # text inside the table -> merged away
               (0, 0, 1000, 40),      # header -> abandoned
               (0, 0, 10, 10)],       # image under the threshold
        orders=[2, 3, 1, 4, 5, 0, 6],
        id2label=dict(enumerate(LABELS)),
    )
    blocks = postprocess(dets, W, H)
    assert [(b.native_label, b.order) for b in blocks] == [("paragraph_title", 0), ("text", 1), ("table", 2)]
    assert blocks[1].region == Region(0.05, 300 / H, 0.95, 600 / H)


def test_empty_and_invalid_pages():
    assert postprocess([], W, H) == []
    with pytest.raises(ValueError):
        postprocess([], 0, H)
