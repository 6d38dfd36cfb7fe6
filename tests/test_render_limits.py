"""Renders that cannot freeze the app or exhaust the machine: crafted small files, with time and memory
bounds asserted (generous: they catch a freeze or a gigabyte, not a slow machine).

Every file here is made in the test: a few hundred bytes to a few kilobytes that claim far more.
"""

from __future__ import annotations

import resource
import struct
import threading
import time
import zlib

import pytest

from glmocr_desktop.core import documents, imaging, render_pool
from glmocr_desktop.core.documents import open_bytes_as, open_document
from glmocr_desktop.core.errors import EmptyDocumentError, ImageTooLargeError, RenderTimeoutError

MB = 1 << 20


def _pdf(objects: list[bytes]) -> bytes:
    """A PDF of the given objects (1 = catalog), with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _stream(data: bytes, extra: bytes = b"") -> bytes:
    packed = zlib.compress(data, 9)
    return b"<< /Length %d /Filter /FlateDecode %s>>\nstream\n" % (len(packed), extra) + packed + b"\nendstream"


def one_page_pdf(count: int = 1, content: bytes = b"", resources: bytes = b"<< >>", more: list[bytes] = ()) -> bytes:
    return _pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count %d >>" % count,
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources %s >>" % resources,
        _stream(content),
        *more,
    ])


def slow_pdf(strokes: int = 3000) -> bytes:
    """About 4 KB: 3,000 wide dashed strokes that MuPDF takes seconds to draw at 200 dpi."""
    ops = b"[0.05 0.05] 0 d 40 w 1 J " + b"".join(
        b"%d 0 m %d 792 l S " % (i % 612, (i * 7) % 612) for i in range(strokes))
    return one_page_pdf(content=ops)


def peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def children_peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024


# --- page counts ------------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [2147483647, 1000000, 100000, 2])
def test_a_lying_page_count_opens_with_the_real_number_of_pages(count):
    data = one_page_pdf(count=count)
    assert len(data) < 700
    before = peak_rss()
    started = time.monotonic()
    with open_bytes_as(data, "liar.pdf") as doc:
        assert doc.page_count == 1
        assert any(f"claims {count:,} pages but holds 1" in w for w in doc.warnings)
        assert doc.render_page(0, dpi=36).size == (306, 396)
        assert documents.parse_page_range("", doc.page_count) == [0]
    assert time.monotonic() - started < 10
    assert peak_rss() - before < 300 * MB


def test_a_nested_page_tree_with_wrong_counts_is_corrected():
    page = b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 200 %d] >>"
    data = _pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 999999 >>",
        b"<< /Type /Pages /Parent 2 0 R /Kids [5 0 R 6 0 R] /Count 77 >>",
        page % (2, 300),
        page % (3, 100),
        page % (3, 200),
    ])
    with open_bytes_as(data, "tree.pdf") as doc:
        assert doc.page_count == 3
        assert [doc.page_size(i)[1] for i in range(3)] == [100.0, 200.0, 300.0]  # tree order kept


def test_a_page_tree_that_holds_no_page_is_refused_clearly():
    data = _pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 5000 >>"])
    with pytest.raises(EmptyDocumentError, match="claims 5,000 pages but its page tree holds none"):
        open_bytes_as(data, "empty.pdf")


# --- byte budgets before decoding ---------------------------------------------------------------------


def _png(width: int, height: int, bit_depth: int, colour_type: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
            + chunk(b"IEND", b""))


def test_a_16_bit_rgba_png_is_refused_by_its_decoded_bytes_not_its_pixels():
    data = _png(14000, 14000, 16, 6)  # 196 MP: under the pixel cap, 1.5 GB decoded
    assert len(data) < 120
    assert imaging.MAX_PAGE_PIXELS > 14000 * 14000
    before = peak_rss()
    started = time.monotonic()
    with pytest.raises(ImageTooLargeError, match=r"decodes to 1\.5 GB"):
        open_bytes_as(data, "bomb.png")
    assert time.monotonic() - started < 5
    assert peak_rss() - before < 100 * MB


def test_the_same_size_at_8_bits_grey_is_within_budget():
    source = imaging.load_image_file(_png(14000, 14000, 8, 0), "grey.png")
    assert source.frames[0].decoded_bytes == 14000 * 14000  # one byte a pixel


def test_a_pdf_with_a_huge_indexed_image_is_refused_before_decoding():
    palette = b"<000000FFFFFF>"
    image = _stream(b"\0" * 16, b"/Type /XObject /Subtype /Image /Width 35000 /Height 35000 /BitsPerComponent 8 "
                    b"/ColorSpace [/Indexed /DeviceRGB 1 " + palette + b"] ")
    data = one_page_pdf(content=b"q 612 0 0 792 0 0 cm /Im0 Do Q",
                        resources=b"<< /XObject << /Im0 5 0 R >> >>", more=[image])
    assert len(data) < 1500
    before, children_before = peak_rss(), children_peak_rss()
    started = time.monotonic()
    with open_bytes_as(data, "indexed.pdf") as doc:
        with pytest.raises(ImageTooLargeError, match=r"decode to 4\.6 GB"):
            doc.render_page(0)
        with pytest.raises(ImageTooLargeError):
            doc.render_thumbnail(0)
    assert time.monotonic() - started < 5
    assert peak_rss() - before < 200 * MB
    assert children_peak_rss() < max(children_before, 0) + 1024 * MB


# --- time limit and memory cap in the worker ------------------------------------------------------------


def test_a_slow_page_is_stopped_at_its_limit_and_other_documents_render_meanwhile(tmp_path):
    slow = tmp_path / "slow.pdf"
    slow.write_bytes(slow_pdf())
    assert slow.stat().st_size < 5000
    fine = tmp_path / "fine.pdf"
    fine.write_bytes(one_page_pdf(content=b"BT /F1 24 Tf 72 700 Td (Hello) Tj ET"))
    with open_document(slow) as doc, open_document(fine) as other:
        doc.time_limit_s = 1.0
        outcome: list[BaseException] = []

        def render() -> None:
            try:
                doc.render_page(0, dpi=300)
            except BaseException as exc:
                outcome.append(exc)

        started = time.monotonic()
        thread = threading.Thread(target=render)
        thread.start()
        # meanwhile another document renders at once: nothing in this process waits on the slow page
        time.sleep(0.2)
        t0 = time.monotonic()
        assert other.render_page(0, dpi=72).size == (612, 792)
        assert time.monotonic() - t0 < 5
        thread.join(30)
        assert not thread.is_alive()
        assert time.monotonic() - started < 15
        assert isinstance(outcome[0], RenderTimeoutError)
        assert "took longer than 1 s to render and was stopped" in str(outcome[0])
        # the stopped page is not rendered again (and waited on again) in this session
        t0 = time.monotonic()
        with pytest.raises(RenderTimeoutError, match="was stopped after 1 s"):
            doc.render_page(0)
        assert time.monotonic() - t0 < 1
        assert other.render_thumbnail(0).size[1] == 256  # the pool recovered from the kill


def test_a_render_over_the_memory_cap_fails_in_the_worker_with_a_clear_message(tmp_path):
    path = tmp_path / "page.pdf"
    path.write_bytes(one_page_pdf(content=b"0 0 m 612 792 l S"))
    pool = render_pool.RenderPool(warm=0, max_workers=1, memory_bytes=48 * MB)
    try:
        spec = render_pool.SourceSpec(key="cap", name="page.pdf", path=str(path))
        # 8.5 x 11 in at 1200 dpi: 135 MP, ~400 MB of RGB, far over the cap
        with pytest.raises(ImageTooLargeError, match="memory"):
            pool.call(spec, "render_page", (0, 1200.0, 20000), {}, what="Page 1 of page.pdf")
        image, _ = pool.call(spec, "render_page", (0, 36.0, 20000), {}, what="Page 1 of page.pdf")
        assert image.size == (306, 396)
    finally:
        pool.close()
