"""Layout post-processing: PP-DocLayoutV3 detections -> page blocks in reading order (no torch).

The rules and numbers are those of the official GLM-OCR SDK (``glmocr/config.yaml`` and
``glmocr/utils/layout_postprocess_utils.py``), applied to plain data so they can be tested on
synthetic detections:

1. score threshold (0.3, or per class),
2. non-maximum suppression: IoU >= 0.6 between boxes of one class, >= 0.98 across classes,
3. an ``image`` box covering nearly the whole page (> 82 % of a landscape page, > 93 % of a portrait
   one) is dropped when the page has other boxes (it is the page itself, not a picture on it),
4. containment merge: a box lying >= 80 % inside another is dropped ("large" mode, every class but
   ``reference``); a box holding a ``reference`` box is dropped instead ("small" mode); ``image``,
   ``seal`` and ``chart`` boxes are never dropped as contained,
5. reading order from the model's own order output,
6. the 25 labels mapped to kinds; page furniture (headers, footers, page numbers...) is abandoned.

Two deliberate differences, both where the SDK drops every box involved and so loses text: when two
boxes lie inside each other (near-identical boxes of two classes that NMS let through), here only the
lower-scoring one goes; and a box inside a holder that goes for the "small" rule is not also dropped
for lying inside that holder.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from glmocr_desktop.core.errors import RegionError
from glmocr_desktop.core.regions import Region
from glmocr_desktop.core.tasks import Task

#: PP-DocLayoutV3's classes in the checkpoint's id order (``id2label`` of the SDK config).
LABELS: tuple[str, ...] = (
    "abstract", "algorithm", "aside_text", "chart", "content", "display_formula", "doc_title",
    "figure_title", "footer", "footer_image", "footnote", "formula_number", "header", "header_image",
    "image", "inline_formula", "number", "paragraph_title", "reference", "reference_content", "seal",
    "table", "text", "vertical_text", "vision_footnote",
)  # fmt: skip

TEXT, TABLE, FORMULA, IMAGE, ABANDONED = "text", "table", "formula", "image", "abandoned"
KINDS = (TEXT, TABLE, FORMULA, IMAGE, ABANDONED)

#: Label -> kind (the SDK's ``label_task_mapping``; its "skip" is kept here as an image crop).
LABEL_KINDS: dict[str, str] = {
    **dict.fromkeys(("abstract", "algorithm", "content", "doc_title", "figure_title", "paragraph_title", "reference_content", "text", "vertical_text", "vision_footnote", "seal", "formula_number"), TEXT),
    "table": TABLE,
    "display_formula": FORMULA,
    "inline_formula": FORMULA,
    "chart": IMAGE,
    "image": IMAGE,
    **dict.fromkeys(("header", "footer", "number", "footnote", "aside_text", "reference", "footer_image", "header_image"), ABANDONED),
}  # fmt: skip

#: Abandoned labels that are pictures: when kept, they stay crops instead of being read as text.
ABANDONED_PICTURES = frozenset({"header_image", "footer_image"})

_KIND_TASKS = {TEXT: Task.TEXT, TABLE: Task.TABLE, FORMULA: Task.FORMULA}

DEFAULT_THRESHOLD = 0.3
NMS_IOU_SAME_CLASS = 0.6
NMS_IOU_OTHER_CLASS = 0.98
#: An image box larger than this share of the page is the page itself (landscape, portrait).
PAGE_IMAGE_SHARE_LANDSCAPE = 0.82
PAGE_IMAGE_SHARE_PORTRAIT = 0.93
#: A box is "inside" another when this share of its own area lies within the other.
CONTAINED_SHARE = 0.8
#: Classes never dropped for lying inside another box.
NEVER_CONTAINED = frozenset({"image", "seal", "chart"})
#: Classes merged in "small" mode (the box holding them goes); every other class is "large".
SMALL_MERGE = frozenset({"reference"})


def kind_of(native_label: str) -> str:
    """The kind of a layout label; a label this table does not know is read as text (never lost)."""
    return LABEL_KINDS.get(native_label, TEXT)


@dataclass(frozen=True)
class Detection:
    """One raw box of the layout model, in pixels of the image the model saw."""

    label: str
    score: float
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 in pixels
    order: float = 0.0  # the model's reading-order rank (smaller reads first)


@dataclass(frozen=True)
class LayoutBlock:
    """A region of the page the pipeline reads (or keeps as a picture), in reading order."""

    region: Region  # normalised 0..1 page box
    native_label: str  # the model's label, e.g. "doc_title", "formula_number"
    label: str  # "text" | "table" | "formula" | "image" | "abandoned"
    score: float
    order: int  # 0-based reading order on the page

    @property
    def task(self) -> Task | None:
        """The prompt that reads this block; ``None`` for a picture (kept as a crop, not read)."""
        if self.label == ABANDONED:
            return None if self.native_label in ABANDONED_PICTURES else Task.TEXT
        return _KIND_TASKS.get(self.label)


@dataclass(frozen=True)
class LayoutOptions:
    """The SDK's layout settings that a user may reasonably change."""

    threshold: float = DEFAULT_THRESHOLD
    threshold_by_class: Mapping[str, float] = field(default_factory=dict)
    nms: bool = True
    merge_contained: bool = True
    keep_abandoned: bool = False

    def threshold_for(self, label: str) -> float:
        return float(self.threshold_by_class.get(label, self.threshold))

    @property
    def lowest_threshold(self) -> float:
        """What the model's own post-processing may cut at without losing a per-class keeper."""
        return min([self.threshold, *self.threshold_by_class.values()])


# --- geometry --------------------------------------------------------------------------------------


def _boxes(dets: Sequence[Detection]) -> np.ndarray:
    return np.array([d.box for d in dets], dtype=np.float64).reshape(-1, 4)


def iou_matrix(boxes: np.ndarray) -> np.ndarray:
    """Pairwise IoU of pixel boxes, counting edges inclusively (+1) as the SDK does."""
    x0, y0, x1, y1 = boxes.T
    area = (x1 - x0 + 1) * (y1 - y0 + 1)
    iw = np.clip(np.minimum(x1[:, None], x1) - np.maximum(x0[:, None], x0) + 1, 0, None)
    ih = np.clip(np.minimum(y1[:, None], y1) - np.maximum(y0[:, None], y0) + 1, 0, None)
    inter = iw * ih
    return inter / (area[:, None] + area[None, :] - inter)


def inside_matrix(boxes: np.ndarray) -> np.ndarray:
    """``m[i, j]``: box i lies at least :data:`CONTAINED_SHARE` inside box j (never i inside itself)."""
    x0, y0, x1, y1 = boxes.T
    area = (x1 - x0) * (y1 - y0)
    iw = np.clip(np.minimum(x1[:, None], x1) - np.maximum(x0[:, None], x0), 0, None)
    ih = np.clip(np.minimum(y1[:, None], y1) - np.maximum(y0[:, None], y0), 0, None)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(area[:, None] > 0, iw * ih / area[:, None], 0.0)
    inside = share >= CONTAINED_SHARE
    np.fill_diagonal(inside, False)
    return inside


# --- the rules, one function each ----------------------------------------------------------------


def apply_threshold(dets: Iterable[Detection], options: LayoutOptions) -> list[Detection]:
    return [d for d in dets if d.score >= options.threshold_for(d.label)]


def non_max_suppression(dets: Sequence[Detection]) -> list[Detection]:
    """Greedy NMS by score; the IoU limit is stricter within a class than across classes."""
    if len(dets) < 2:
        return list(dets)
    iou = iou_matrix(_boxes(dets))
    remaining = sorted(range(len(dets)), key=lambda i: -dets[i].score)
    kept: list[int] = []
    while remaining:
        best, *rest = remaining
        kept.append(best)
        remaining = [
            i for i in rest
            if iou[best, i] < (NMS_IOU_SAME_CLASS if dets[i].label == dets[best].label else NMS_IOU_OTHER_CLASS)
        ]  # fmt: skip
    return [dets[i] for i in kept]


def drop_page_sized_images(dets: Sequence[Detection], width: int, height: int) -> list[Detection]:
    """An ``image`` box covering (almost) the whole page is the scan itself; other boxes read it."""
    if len(dets) < 2:
        return list(dets)
    share = PAGE_IMAGE_SHARE_LANDSCAPE if width > height else PAGE_IMAGE_SHARE_PORTRAIT
    limit = share * width * height

    def clipped_area(d: Detection) -> float:
        x0, y0, x1, y1 = d.box
        return max(0.0, min(width, x1) - max(0.0, x0)) * max(0.0, min(height, y1) - max(0.0, y0))

    kept = [d for d in dets if d.label != "image" or clipped_area(d) <= limit]
    return kept or list(dets)


def merge_contained(dets: Sequence[Detection]) -> list[Detection]:
    """Drop boxes inside other boxes ("large"), or boxes holding a ``reference`` box ("small")."""
    n = len(dets)
    if n < 2:
        return list(dets)
    inside = inside_matrix(_boxes(dets))
    protected = np.array([d.label in NEVER_CONTAINED for d in dets])
    small = np.array([d.label in SMALL_MERGE for d in dets])
    scores = np.array([d.score for d in dets])
    inside[protected, :] = False  # a protected box is never "inside" anything
    # Mutual containment (near-identical boxes): only the lower-scoring box counts as inside.
    mutual = inside & inside.T
    inside &= ~(mutual & (scores[:, None] > scores[None, :]))
    inside &= ~(mutual & (scores[:, None] == scores[None, :]) & np.tri(n, k=-1, dtype=bool).T)
    # "small": a small-mode box i lies inside j -> j goes, unless j itself lies inside a box (as i).
    small_inside = inside & small[:, None]
    drop_small = small_inside.any(axis=0) & ~small_inside.any(axis=1)
    # "large": i goes when it lies inside some j whose class merges large and that stays.
    drop_large = (inside & ~small[None, :] & ~drop_small[None, :]).any(axis=1)
    keep = ~(drop_large | drop_small)
    return [d for d, k in zip(dets, keep) if k]


def reading_order(dets: Sequence[Detection]) -> list[Detection]:
    """Sort by the model's order output (stable: ties keep the detector's order)."""
    return sorted(dets, key=lambda d: d.order)


def to_blocks(
    dets: Sequence[Detection], width: int, height: int, *, keep_abandoned: bool = False
) -> list[LayoutBlock]:
    """Clamp to the page, normalise, map labels to kinds; orders count only the blocks kept."""
    blocks: list[LayoutBlock] = []
    for d in dets:
        label = kind_of(d.label)
        if label == ABANDONED and not keep_abandoned:
            continue
        x0, y0, x1, y1 = d.box
        try:
            region = Region.from_corners(x0 / width, y0 / height, x1 / width, y1 / height)
        except RegionError:  # nothing (visible) left of it inside the page
            continue
        blocks.append(LayoutBlock(region, d.label, label, float(d.score), len(blocks)))
    return blocks


def postprocess(
    detections: Iterable[Detection],
    width: int,
    height: int,
    options: LayoutOptions | None = None,
) -> list[LayoutBlock]:
    """All the rules, in the SDK's order, for one page of ``width`` x ``height`` pixels."""
    if width <= 0 or height <= 0:
        raise ValueError(f"A page has a positive size, got {width}x{height}.")
    options = options or LayoutOptions()
    dets = apply_threshold(detections, options)
    if options.nms:
        dets = non_max_suppression(dets)
    dets = drop_page_sized_images(dets, width, height)
    if options.merge_contained:
        dets = merge_contained(dets)
    return to_blocks(reading_order(dets), width, height, keep_abandoned=options.keep_abandoned)


def detections_from_arrays(
    labels: Sequence[int],
    scores: Sequence[float],
    boxes: Sequence[Sequence[float]],
    orders: Sequence[float],
    id2label: Mapping[int, str],
) -> list[Detection]:
    """Detections from the model's arrays (class ids, scores, pixel boxes, order ranks)."""
    return [
        Detection(id2label.get(int(c), f"class_{int(c)}"), float(s),
                  (float(b[0]), float(b[1]), float(b[2]), float(b[3])), float(o))
        for c, s, b, o in zip(labels, scores, boxes, orders)
    ]
