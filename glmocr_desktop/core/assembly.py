"""Page assembly: recognised layout blocks -> one document, the way the official GLM-OCR SDK builds it.

The SDK's ``ResultFormatter`` turns the per-region results of a page, in reading order, into Markdown
and JSON. The rules kept here (``glmocr/postprocess/result_formatter.py``, defaults from its
``config.yaml``):

- ``doc_title`` becomes a ``#`` heading and ``paragraph_title`` a ``##`` heading (existing ``#``/bullet
  marks removed first);
- formulas are one ``$$\\n..\\n$$`` block; a ``formula_number`` block right before or after a formula
  becomes that formula's ``\\tag{..}`` and disappears (one with no formula beside it is dropped);
- text blocks: ``·``/``•``/``*`` bullets become ``- ``, ``(1)``/``1.``/``a)`` item marks get one space
  after them, an unclosed code fence is closed; a text block ending in ``-`` is joined to the next text
  block when the joined word looks like a word; a text block between two bullets and left-aligned with
  them (10/1000 of the page) becomes a bullet too;
- empty blocks are dropped; image blocks are kept and saved as ``cropped_page{p}_idx{n}.jpg``
  (``n`` counts images over the whole document) under an image folder, referenced as
  ``![Image {p}-{n}](imgs/..)``; blocks are joined with a blank line, and so are pages;
- ``bbox_2d`` is the block's box on a 0..1000 integer scale.

Deliberate differences: single line breaks inside a text block are not doubled into paragraph breaks
(the SDK's rule breaks pipe tables, code and multi-line math); the Markdown marks them as hard breaks
(:func:`glmocr_desktop.core.postprocess.hard_line_breaks`) instead. A title that spans several lines is
one heading line. Blocks empty before formatting are dropped (the SDK keeps an empty title as ``"# "``
and an empty formula as ``$$ $$``), a number is not tagged onto a formula that already has a
``\\tag``, and ``1.5 million`` is not turned into the list item ``1. 5 million``.

Content arrives already cleaned per task (``core.postprocess``); nothing here re-cleans it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from glmocr_desktop.core import postprocess
from glmocr_desktop.core.regions import Region

if TYPE_CHECKING:  # pragma: no cover
    from PIL.Image import Image

__all__ = [
    "AssembledBlock",
    "AssembledDocument",
    "AssembledPage",
    "PageBlock",
    "PageInput",
    "assemble",
    "bbox_1000",
]

#: The SDK's image folder and file-name prefix.
DEFAULT_IMAGE_DIR = "imgs"
IMAGE_PREFIX = "cropped"
#: Left edges closer than this (on the 0..1000 scale) count as aligned (SDK ``left_align_threshold``).
BULLET_ALIGN = 10


@dataclass
class PageBlock:
    """One recognised layout block (or user-drawn region) of a page, as the pipeline hands it over."""

    index: int  # reading order on the page, 0-based
    label: str  # "text" | "table" | "formula" | "image"
    native_label: str  # layout label ("doc_title", "formula_number", ...); "text" for drawn regions
    content: str  # final text, already cleaned per task; "" for image blocks
    region: Region  # normalised 0..1 page box
    image: Image | None = None  # the crop, for image blocks


@dataclass
class PageInput:
    index: int  # 0-based page number in the document
    width: int  # pixel size of the rendered page
    height: int
    blocks: list[PageBlock]
    image: Image | None = None  # the rendered page (for the searchable PDF)


@dataclass
class AssembledBlock:
    """A block of the assembled page; ``sources`` are the page blocks it was made from (a merge keeps
    all of them, the first one's box is the block's box), so a preview block maps back to its regions."""

    index: int
    label: str
    native_label: str
    content: str
    bbox_2d: list[int]
    sources: tuple[PageBlock, ...]
    image: Image | None = None
    image_name: str | None = None  # file name inside the image folder (image blocks that have a crop)

    @property
    def region(self) -> Region:
        return self.sources[0].region

    @property
    def regions(self) -> list[Region]:
        return [s.region for s in self.sources]

    def markdown(self, image_dir: str = DEFAULT_IMAGE_DIR) -> str:
        """This block as it appears in the document's Markdown ("" for an image without a crop)."""
        if self.label == "image":
            if not self.image_name:
                return ""
            return f"![{self.image_alt}]({image_path(image_dir, self.image_name)})"
        if self.label == "text":
            hard = getattr(postprocess, "hard_line_breaks", None)
            return hard(self.content) if hard is not None else self.content
        return self.content

    @property
    def image_alt(self) -> str:
        """The SDK's alt text, ``Image {page}-{n}``, taken from the file name."""
        m = re.search(r"_page(\d+)_idx(\d+)", self.image_name or "")
        return f"Image {m.group(1)}-{m.group(2)}" if m else "Image"

    def to_json(self, image_dir: str = DEFAULT_IMAGE_DIR) -> dict[str, Any]:
        """The SDK's JSON form (an image block's content is ``null`` there, as in the SDK)."""
        d: dict[str, Any] = {
            "index": self.index,
            "label": self.label,
            "native_label": self.native_label,
            "content": None if self.label == "image" else self.content,
            "bbox_2d": list(self.bbox_2d),
        }
        if self.image_name:
            d["image_path"] = image_path(image_dir, self.image_name)
        return d


@dataclass
class AssembledPage:
    index: int
    width: int
    height: int
    blocks: list[AssembledBlock]
    image: Image | None = None

    def markdown(self, image_dir: str = DEFAULT_IMAGE_DIR) -> str:
        return "\n\n".join(md for b in self.blocks if (md := b.markdown(image_dir)))


@dataclass
class AssembledDocument:
    pages: list[AssembledPage] = field(default_factory=list)

    @property
    def blocks(self) -> list[AssembledBlock]:
        return [b for p in self.pages for b in p.blocks]

    def images(self, image_dir: str = DEFAULT_IMAGE_DIR) -> dict[str, Image]:
        """``{path relative to the Markdown/JSON file: crop}`` for every image block with a crop."""
        return {
            image_path(image_dir, b.image_name): b.image
            for b in self.blocks
            if b.image_name and b.image is not None
        }

    def to_markdown(self, image_dir: str = DEFAULT_IMAGE_DIR) -> tuple[str, dict[str, Image]]:
        """The document's Markdown and the images it references, keyed by their relative path."""
        text = "\n\n".join(md for p in self.pages if (md := p.markdown(image_dir)))
        return text, self.images(image_dir)

    def to_json(self, image_dir: str = DEFAULT_IMAGE_DIR) -> list[list[dict[str, Any]]]:
        """The SDK's JSON: a list of pages, each a list of ``{index, label, native_label, content,
        bbox_2d}`` (plus ``image_path`` on image blocks)."""
        return [[b.to_json(image_dir) for b in p.blocks] for p in self.pages]


def image_path(image_dir: str, name: str) -> str:
    image_dir = image_dir.strip("/")
    return f"{image_dir}/{name}" if image_dir else name


def bbox_1000(region: Region) -> list[int]:
    """A normalised region on the SDK's 0..1000 integer scale (truncated, as the SDK does)."""
    # The tiny epsilon keeps a box that came from the 0..1000 scale (e.g. 0.29 = 290/1000) on its value.
    return [min(1000, max(0, int(v * 1000 + 1e-6))) for v in region.as_tuple()]


# --- per-block formatting --------------------------------------------------------------------------

_LEADING_HASHES = re.compile(r"^#+\s*")
_PAREN_ITEM = re.compile(r"^([(（])(\d+|[A-Za-z])([)）])(.*)$")
_DOT_ITEM = re.compile(r"^(\d+|[A-Za-z])([.)）])(.*)$")
#: After ``1.`` or ``e.``: a decimal (``1.5``) or an abbreviation (``e.g.``, ``U.S.``), not an item mark.
_NOT_AN_ITEM = re.compile(r"\d|[A-Za-z]\.")


def _one_line(text: str) -> str:
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


def _format_title(content: str, native_label: str) -> str:
    content = _one_line(content)
    if native_label == "doc_title":
        return "# " + _LEADING_HASHES.sub("", content)
    if content.startswith(("- ", "* ")):
        content = content[2:].lstrip()
    return "## " + _LEADING_HASHES.sub("", content).lstrip()


def _format_formula(content: str) -> str:
    if content.startswith(("$$", "\\[", "\\(")):
        content = content[2:].strip()
    if content.endswith(("$$", "\\]", "\\)")):
        content = content[:-2].strip()
    return "$$\n" + content + "\n$$"


def _format_text(content: str) -> str:
    if content.startswith("```") and not content.endswith("```"):
        content += "\n```"
    if content.startswith(("·", "•", "* ")):
        content = "- " + content[1:].lstrip()
    # The SDK's item-mark rules match single-line blocks only (their ``.*$`` stops at a line break).
    if m := _PAREN_ITEM.match(content):
        content = f"({m.group(2)}) {m.group(4).lstrip()}"
    if (m := _DOT_ITEM.match(content)) and not (m.group(2) == "." and _NOT_AN_ITEM.match(m.group(3))):
        sep = ")" if m.group(2) == "）" else m.group(2)
        content = f"{m.group(1)}{sep} {m.group(3).lstrip()}"
    return content


def _format_content(content: str, label: str, native_label: str) -> str:
    content = (content or "").strip()
    if native_label in ("doc_title", "paragraph_title"):
        content = _format_title(content, native_label)
    if native_label == "formula_number":  # stays a bare number until it is tagged onto its formula
        return content
    if label == "formula":
        content = _format_formula(content)
    elif label == "text":
        content = _format_text(content)
    return content


# --- page-level merges -----------------------------------------------------------------------------


def _formula_number(content: str) -> str:
    """``(1)`` / ``（2.1）`` / ``3`` -> the number inside."""
    n = content.strip()
    if (n.startswith("(") and n.endswith(")")) or (n.startswith("（") and n.endswith("）")):
        n = n[1:-1]
    return n.strip()


def _with_tag(formula: AssembledBlock, number: AssembledBlock) -> AssembledBlock:
    content = formula.content
    tag = _formula_number(number.content)
    if tag and content.endswith("\n$$") and "\\tag" not in content:
        content = content[:-3] + f" \\tag{{{tag}}}\n$$"
    return AssembledBlock(
        index=formula.index,
        label=formula.label,
        native_label=formula.native_label,
        content=content,
        bbox_2d=formula.bbox_2d,
        sources=formula.sources + number.sources,
        image=formula.image,
    )


def _merge_formula_numbers(blocks: list[AssembledBlock]) -> list[AssembledBlock]:
    out: list[AssembledBlock] = []
    i = 0
    while i < len(blocks):
        block = blocks[i]
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        if block.native_label == "formula_number":
            if nxt is not None and nxt.label == "formula":
                out.append(_with_tag(nxt, block))
                i += 2
            else:  # a number with no formula after it is dropped, as in the SDK
                i += 1
            continue
        if block.label == "formula" and nxt is not None and nxt.native_label == "formula_number":
            out.append(_with_tag(block, nxt))
            i += 2
            continue
        out.append(block)
        i += 1
    return out


@functools.cache
def _wordfreq() -> Any:
    try:
        from wordfreq import zipf_frequency  # optional, like in the SDK
    except Exception:
        return None
    return zipf_frequency


def _looks_like_word(word: str) -> bool:
    """Whether a word joined across a hyphenated break is a word: wordfreq when installed (as the SDK
    does), else the SDK's fallback shape test."""
    token = word.strip().lower()
    if not token:
        return False
    zipf_frequency = _wordfreq()
    if zipf_frequency is not None:
        try:
            return zipf_frequency(token, "en") >= 2.5
        except Exception:
            pass
    return bool(re.fullmatch(r"[a-z][a-z'\-]{2,30}", token)) and "--" not in token and "''" not in token


def _merge_hyphenated(blocks: list[AssembledBlock]) -> list[AssembledBlock]:
    out: list[AssembledBlock] = []
    absorbed: set[int] = set()
    for i, block in enumerate(blocks):
        if i in absorbed:
            continue
        head = block.content.rstrip()
        if block.label != "text" or not head.endswith("-"):
            out.append(block)
            continue
        merged = block
        # The SDK looks at the next text block only, skipping blocks of other kinds in between.
        j = next((k for k in range(i + 1, len(blocks)) if blocks[k].label == "text"), None)
        if j is not None:
            tail = blocks[j].content.lstrip()
            before, after = head[:-1].split(), tail.split()
            if tail and tail[0].islower() and before and after and _looks_like_word(before[-1] + after[0]):
                merged = AssembledBlock(
                    index=block.index,
                    label=block.label,
                    native_label=block.native_label,
                    content=head[:-1] + tail,
                    bbox_2d=block.bbox_2d,
                    sources=block.sources + blocks[j].sources,
                )
                absorbed.add(j)
        out.append(merged)
    return out


def _format_bullets(blocks: list[AssembledBlock]) -> None:
    for prev, cur, nxt in zip(blocks, blocks[1:], blocks[2:]):
        if not all(b.native_label == "text" for b in (prev, cur, nxt)):
            continue
        if cur.content.startswith("- "):
            continue
        if not (prev.content.startswith("- ") and nxt.content.startswith("- ")):
            continue
        left = cur.bbox_2d[0]
        if abs(left - prev.bbox_2d[0]) <= BULLET_ALIGN and abs(left - nxt.bbox_2d[0]) <= BULLET_ALIGN:
            cur.content = "- " + cur.content


# --- assembly --------------------------------------------------------------------------------------


def _crop(page: PageInput, block: PageBlock) -> Image | None:
    if block.image is not None:
        return block.image
    if page.image is None:
        return None
    return page.image.crop(block.region.to_pixels(*page.image.size))


def _is_empty(block: PageBlock) -> bool:
    if block.label == "formula":
        return _format_formula((block.content or "").strip()) == "$$\n\n$$"
    return not (block.content or "").strip()


def _assemble_page(page: PageInput) -> list[AssembledBlock]:
    blocks: list[AssembledBlock] = []
    for source in sorted(page.blocks, key=lambda b: b.index):
        is_image = source.label == "image"
        if not is_image and _is_empty(source):
            continue
        content = "" if is_image else _format_content(source.content, source.label, source.native_label)
        blocks.append(
            AssembledBlock(
                index=len(blocks),
                label=source.label,
                native_label=source.native_label,
                content=content,
                bbox_2d=bbox_1000(source.region),
                sources=(source,),
                image=_crop(page, source) if is_image else None,
            )
        )
    blocks = _merge_formula_numbers(blocks)
    blocks = _merge_hyphenated(blocks)
    _format_bullets(blocks)
    for i, block in enumerate(blocks):
        block.index = i
    return blocks


def assemble(pages: list[PageInput]) -> AssembledDocument:
    """Assemble recognised pages into one document (see the module docstring for the rules)."""
    doc = AssembledDocument()
    image_count = 0
    for page in sorted(pages, key=lambda p: p.index):
        blocks = _assemble_page(page)
        for block in blocks:
            if block.label == "image" and block.image is not None:
                block.image_name = f"{IMAGE_PREFIX}_page{page.index}_idx{image_count}.jpg"
                image_count += 1
        doc.pages.append(AssembledPage(page.index, page.width, page.height, blocks, page.image))
    return doc
