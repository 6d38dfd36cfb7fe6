"""Regions: rectangles in page coordinates normalised to 0..1, and :class:`TaskRegion`, a region with
the task it is read with: the one type the page view draws, the store keeps, undo snapshots and the
document pipeline reads.

Zoom, rotation of the view and render DPI never change a region; ``None`` stands for the whole page.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from glmocr_desktop.core.errors import RegionError
from glmocr_desktop.core.tasks import Task

if TYPE_CHECKING:  # pragma: no cover
    from glmocr_desktop.core.layout import LayoutBlock

#: A region narrower or shorter than this fraction of the page is refused (it would hold no text).
MIN_SIDE = 1e-3

#: What becomes of a region: read with its task, or kept as a picture (a crop, never read).
READ, PICTURE = "read", "picture"
KINDS = (READ, PICTURE)
#: Where a region came from: drawn by the user, or found by the layout model (then possibly edited).
DRAWN, LAYOUT = "drawn", "layout"
SOURCES = (DRAWN, LAYOUT)


def new_id() -> str:
    """A short random id (jobs, regions, requests)."""
    return uuid.uuid4().hex[:12]


@dataclass(frozen=True)
class Region:
    x0: float
    y0: float
    x1: float
    y1: float

    def __post_init__(self) -> None:
        vals = (self.x0, self.y0, self.x1, self.y1)
        if any(not isinstance(v, (int, float)) or v != v for v in vals):
            raise RegionError(f"Region coordinates must be numbers, got {vals!r}.")
        if not all(-1e-9 <= v <= 1 + 1e-9 for v in vals):
            raise RegionError(
                "Region coordinates are fractions of the page and must lie between 0 and 1 "
                f"(got {self.x0:g},{self.y0:g},{self.x1:g},{self.y1:g})."
            )
        if self.x1 - self.x0 < MIN_SIDE or self.y1 - self.y0 < MIN_SIDE:
            raise RegionError("A region needs x0 < x1 and y0 < y1 and a visible size.")

    @classmethod
    def from_corners(cls, xa: float, ya: float, xb: float, yb: float) -> Region:
        """Build from two corners in any order, clamped to the page."""

        def clamp(v: float) -> float:
            return min(1.0, max(0.0, float(v)))

        return cls(clamp(min(xa, xb)), clamp(min(ya, yb)), clamp(max(xa, xb)), clamp(max(ya, yb)))

    @classmethod
    def parse(cls, text: str) -> Region:
        """Parse ``"x0,y0,x1,y1"`` (fractions of the page)."""
        parts = [p.strip() for p in text.split(",")]
        if len(parts) != 4:
            raise RegionError(f"A region is four numbers x0,y0,x1,y1 between 0 and 1, got {text!r}.")
        try:
            x0, y0, x1, y1 = (float(p) for p in parts)
        except ValueError:
            raise RegionError(f"A region is four numbers x0,y0,x1,y1 between 0 and 1, got {text!r}.") from None
        return cls(x0, y0, x1, y1)

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    def to_pixels(self, width: int, height: int) -> tuple[int, int, int, int]:
        """Pixel box (left, top, right, bottom) for a page image of the given size; never empty."""
        left = min(width - 1, max(0, round(self.x0 * width)))
        top = min(height - 1, max(0, round(self.y0 * height)))
        right = max(left + 1, min(width, round(self.x1 * width)))
        bottom = max(top + 1, min(height, round(self.y1 * height)))
        return left, top, right, bottom

    def unrotated(self, degrees: int) -> Region:
        """This region of a page shown turned ``degrees`` clockwise (a multiple of 90), in the page's own
        unturned coordinates: boxes found on an upright picture of a turned scan land on the scan."""
        turn = int(degrees) % 360
        if turn == 90:
            return Region.from_corners(self.y0, 1 - self.x1, self.y1, 1 - self.x0)
        if turn == 180:
            return Region.from_corners(1 - self.x1, 1 - self.y1, 1 - self.x0, 1 - self.y0)
        if turn == 270:
            return Region.from_corners(1 - self.y1, self.x0, 1 - self.y0, self.x1)
        if turn:
            raise RegionError(f"Pages turn in quarter turns, not {degrees} degrees.")
        return self

    def as_tuple(self) -> tuple[float, float, float, float]:
        return (self.x0, self.y0, self.x1, self.y1)

    def __str__(self) -> str:
        return f"{self.x0:.4f},{self.y0:.4f},{self.x1:.4f},{self.y1:.4f}"


#: The whole page as a region (the pipeline's model-only path, the CLI without ``--region``).
WHOLE_PAGE = Region(0.0, 0.0, 1.0, 1.0)


@dataclass(eq=False)
class TaskRegion:
    """A region of a page with the task it is read with (mutable: the user moves and retasks it).

    A page's list of these is its reading order. Compared by identity: undo puts the same objects back,
    and results point at their region by ``id``.
    """

    region: Region
    task: Task = Task.TEXT
    template: dict[str, Any] | None = None
    label: str = ""  # the layout label ("paragraph_title", "table"...); "" for a region drawn without one
    kind: str = READ  # READ: read with its task; PICTURE: kept as a crop, not read
    source: str = DRAWN  # DRAWN by the user or found by the LAYOUT model
    edited: bool = False  # a layout region the user has changed since it was found
    id: str = field(default_factory=new_id)

    @classmethod
    def from_block(cls, block: LayoutBlock) -> TaskRegion:
        """A layout block as a region: its box and label, read with the prompt of its kind (or kept as a
        picture)."""
        task = block.task
        return cls(block.region, task or Task.TEXT, label=block.native_label,
                   kind=PICTURE if task is None else READ, source=LAYOUT)  # fmt: skip

    @property
    def is_picture(self) -> bool:
        return self.kind == PICTURE

    @property
    def from_layout(self) -> bool:
        return self.source == LAYOUT

    @property
    def read_task(self) -> Task | None:
        """The task it is read with; ``None`` for a picture (kept as a crop, not read)."""
        return None if self.is_picture else self.task

    def state(self) -> tuple[Any, ...]:
        """Everything the user can change, in one comparable value (undo snapshots it)."""
        return (self.region, self.task, self.template, self.label, self.kind, self.source, self.edited)

    def set_state(self, state: tuple[Any, ...]) -> None:
        """Put back what :meth:`state` returned."""
        self.region, self.task, self.template, self.label, self.kind, self.source, self.edited = state

    def badge(self, number: int) -> str:
        """What the region shows above its corner: its place in the reading order and its label or task."""
        if self.label:
            return f"{number} · {self.label}"
        return f"{number}  {'Picture' if self.is_picture else self.task.label}"
