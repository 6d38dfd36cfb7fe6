"""Normalisation of every image mode to upright RGB, model-size fitting and safe loading."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image, ImageDraw

from glmocr_desktop.core import imaging
from glmocr_desktop.core.errors import (
    CorruptFileError,
    ImageTooLargeError,
    RegionError,
    UnsupportedFileError,
)
from glmocr_desktop.core.imaging import fit_pixels, load_image_file, normalize_image, sniff_format


def text_like(mode_fg, size=(200, 80)):
    """A picture with a dark bar (the 'text') on a light background, as an L image."""
    img = Image.new("L", size, 255)
    ImageDraw.Draw(img).rectangle((40, 30, 160, 50), fill=0)
    return img


def bar_mask(size=(200, 80)):
    m = np.zeros((size[1], size[0]), bool)
    m[30:51, 40:161] = True
    return m


# --- modes -------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["1", "L", "P", "RGB", "CMYK", "YCbCr", "LAB", "HSV", "RGBX"])
def test_plain_modes_become_rgb_with_contrast(mode):
    src = text_like(None).convert("RGB")
    img = src.convert(mode) if mode != "1" else src.convert("L").convert("1")
    out = normalize_image(img)
    assert out.mode == "RGB" and out.size == src.size
    a = np.asarray(out.convert("L")).astype(int)
    mask = bar_mask()
    assert a[mask].mean() < 60 and a[~mask].mean() > 200


def test_rgb_input_is_returned_as_rgb_and_not_shared_when_readonly():
    img = Image.new("RGB", (10, 10), (1, 2, 3))
    assert normalize_image(img).getpixel((0, 0)) == (1, 2, 3)


def test_dark_content_on_transparent_is_flattened_on_white():
    rgba = Image.new("RGBA", (200, 80), (0, 0, 0, 0))  # transparent *black* background
    ImageDraw.Draw(rgba).rectangle((40, 30, 160, 50), fill=(0, 0, 0, 255))
    a = np.asarray(normalize_image(rgba).convert("L")).astype(int)
    mask = bar_mask()
    assert a[~mask].min() == 255 and a[mask].max() == 0


def test_white_text_on_transparent_stays_visible():
    rgba = Image.new("RGBA", (200, 80), (255, 255, 255, 0))
    ImageDraw.Draw(rgba).rectangle((40, 30, 160, 50), fill=(255, 255, 255, 255))
    a = np.asarray(normalize_image(rgba).convert("L")).astype(int)
    mask = bar_mask()
    assert a[mask].mean() - a[~mask].mean() > 200


def test_opaque_rgba_is_unchanged_even_when_light():
    rgba = Image.new("RGBA", (20, 20), (240, 240, 240, 255))
    assert normalize_image(rgba).getpixel((5, 5)) == (240, 240, 240)


def test_fully_transparent_picture_keeps_its_colours():
    rgba = Image.new("RGBA", (20, 20), (10, 200, 30, 0))
    assert normalize_image(rgba).getpixel((5, 5)) == (10, 200, 30)


def test_palette_with_transparent_white_background_gives_dark_on_white():
    # Like the im2latex renders: index 0 = white, fully transparent; index 1 = black, opaque.
    img = Image.new("P", (200, 80), 0)
    img.putpalette([255, 255, 255, 0, 0, 0] + [0] * (256 * 3 - 6))
    ImageDraw.Draw(img).rectangle((40, 30, 160, 50), fill=1)
    img.info["transparency"] = bytes([0] + [255] * 255)
    a = np.asarray(normalize_image(img).convert("L")).astype(int)
    mask = bar_mask()
    assert a[~mask].min() == 255 and a[mask].max() == 0


def test_la_and_pa_modes():
    la = Image.new("LA", (200, 80), (0, 0))
    ImageDraw.Draw(la).rectangle((40, 30, 160, 50), fill=(0, 255))
    a = np.asarray(normalize_image(la).convert("L")).astype(int)
    assert a[bar_mask()].max() == 0 and a[~bar_mask()].min() == 255
    pa = la.convert("RGBA").convert("PA")
    assert normalize_image(pa).mode == "RGB"


def test_16bit_with_12_significant_bits_uses_the_full_8bit_range():
    arr = np.zeros((80, 200), np.uint16) + 4095
    arr[bar_mask()] = 100
    img = Image.fromarray(arr)
    a = np.asarray(normalize_image(img).convert("L")).astype(int)
    assert a[bar_mask()].max() == 0 and a[~bar_mask()].min() == 255


def test_32bit_and_float_images():
    arr = np.full((80, 200), 70000, np.int32)
    arr[bar_mask()] = -5
    out = normalize_image(Image.fromarray(arr))
    assert out.mode == "RGB" and np.asarray(out)[bar_mask()].max() == 0
    f = np.full((80, 200), 0.9, np.float32)
    f[bar_mask()] = 0.1
    f[0, 0] = np.nan
    assert np.asarray(normalize_image(Image.fromarray(f)))[bar_mask()].max() == 0


def test_flat_16bit_image_does_not_divide_by_zero():
    out = normalize_image(Image.fromarray(np.full((5, 5), 65535, np.uint16)))
    assert out.getpixel((2, 2)) == (255, 255, 255)


def test_16bit_with_transparent_value():
    arr = np.full((80, 200), 1000, np.uint16)  # 1000 = the transparent grey level
    arr[bar_mask()] = 0
    img = Image.fromarray(arr)
    img.info["transparency"] = 1000
    a = np.asarray(normalize_image(img).convert("L")).astype(int)
    assert a[bar_mask()].max() == 0 and a[~bar_mask()].min() == 255


def _jpeg_with_orientation(img, orientation):
    exif = Image.Exif()
    exif[0x0112] = orientation
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif.tobytes(), quality=95)
    return buf.getvalue()


def test_exif_orientation_6_swaps_dimensions_and_turns_upright():
    img = Image.new("RGB", (300, 100), "white")
    ImageDraw.Draw(img).rectangle((0, 0, 49, 99), fill="black")  # the left end is black
    src = load_image_file(_jpeg_with_orientation(img, 6))
    assert (src.frames[0].width, src.frames[0].height) == (100, 300)  # known before decoding
    out = src.load(0)
    assert out.size == (100, 300)
    a = np.asarray(out.convert("L")).astype(int)
    # Orientation 6 = rotate 90 clockwise for display: the left end goes to the top.
    assert a[:40].mean() < 40 and a[-100:].mean() > 215


def test_exif_orientation_3_turns_upside_down_pictures():
    img = Image.new("RGB", (300, 100), "white")
    ImageDraw.Draw(img).rectangle((0, 0, 49, 99), fill="black")
    out = load_image_file(_jpeg_with_orientation(img, 3)).load(0)
    a = np.asarray(out.convert("L")).astype(int)
    assert out.size == (300, 100) and a[:, -40:].mean() < 40 and a[:, :100].mean() > 215


def test_broken_exif_does_not_prevent_opening():
    img = Image.new("RGB", (30, 10), "white")
    img.getexif()
    assert normalize_image(img).size == (30, 10)


# --- sizes for the model -----------------------------------------------------------------------


def test_fit_pixels_downscales_large_images_within_the_maximum():
    out = fit_pixels(Image.new("RGB", (4000, 3000), "white"))
    assert out.width * out.height <= imaging.MODEL_MAX_PIXELS
    assert abs(out.width / out.height - 4 / 3) < 0.01


def test_fit_pixels_pads_tiny_images_up_to_the_minimum():
    tiny = Image.new("RGB", (20, 10), "white")
    ImageDraw.Draw(tiny).rectangle((5, 3, 14, 6), fill="black")
    out = fit_pixels(tiny)
    assert out.width * out.height >= imaging.MODEL_MIN_PIXELS
    a = np.asarray(out.convert("L"))
    assert (a == 0).sum() == 40 and (a == 255).sum() == a.size - 40  # kept, not stretched


def test_fit_pixels_pads_with_the_border_colour():
    tiny = Image.new("RGB", (30, 30), (250, 250, 250))
    tiny.putpixel((15, 15), (0, 0, 0))
    out = fit_pixels(tiny)
    assert out.getpixel((0, 0)) == (250, 250, 250)


def test_fit_pixels_leaves_normal_sizes_alone():
    img = Image.new("RGB", (800, 600))
    assert fit_pixels(img) is img


def test_fit_pixels_refuses_extreme_aspect_ratio():
    with pytest.raises(RegionError, match="200"):
        fit_pixels(Image.new("RGB", (5000, 20)))
    fit_pixels(Image.new("RGB", (4000, 20)))  # exactly 200:1 is allowed


# --- loading -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "head,fmt",
    [
        (b"\x89PNG\r\n\x1a\n....", "png"),
        (b"\xff\xd8\xff\xe0", "jpeg"),
        (b"II*\x00", "tiff"),
        (b"MM\x00*", "tiff"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "webp"),
        (b"BM" + b"\x00" * 20, "bmp"),
        (b"GIF89a", "gif"),
        (b"%PDF-1.7\n", "pdf"),
        (b"junk junk\n%PDF-1.4\n", "pdf"),
        (b"hello world", None),
        (b"", None),
    ],
)
def test_sniff_format(head, fmt):
    assert sniff_format(head) == fmt


def _png_header_only(width, height):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(
        b"IEND", b""
    )


def test_huge_declared_size_is_refused_before_decoding():
    # 20000 x 20000 = 400 MP (over our cap but under Pillow's own refusal at 2x the cap).
    with pytest.raises(ImageTooLargeError, match="megapixels"):
        load_image_file(_png_header_only(20000, 20000))
    # 100000 x 100000: Pillow's DecompressionBombError becomes ours.
    with pytest.raises(ImageTooLargeError):
        load_image_file(_png_header_only(100000, 100000))


def test_truncated_jpeg_loads_with_a_warning():
    buf = io.BytesIO()
    Image.effect_noise((400, 300), 60).convert("RGB").save(buf, "JPEG", quality=90)
    data = buf.getvalue()[: len(buf.getvalue()) // 2]
    src = load_image_file(data, name="cut.jpg")
    out = src.load(0)
    assert out.size == (400, 300) and any("truncated" in w for w in src.warnings)


def test_garbage_after_a_png_signature_is_a_corrupt_file():
    with pytest.raises(CorruptFileError, match="damaged"):
        load_image_file(b"\x89PNG\r\n\x1a\n" + bytes(range(200)))


def test_non_image_bytes_are_unsupported():
    with pytest.raises(UnsupportedFileError, match="PNG"):
        load_image_file(b"just some text")


def test_tiff_frames_are_pages_and_gif_animation_is_one_page():
    frames = [Image.new("L", (50, 40), v) for v in (0, 128, 255)]
    buf = io.BytesIO()
    frames[0].save(buf, "TIFF", save_all=True, append_images=frames[1:])
    src = load_image_file(buf.getvalue())
    assert src.frame_count == 3
    assert [src.load(i).getpixel((0, 0))[0] for i in range(3)] == [0, 128, 255]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:])
    gif = load_image_file(buf.getvalue(), name="anim.gif")
    assert gif.frame_count == 1 and any("animated" in w for w in gif.warnings)


def test_bogus_dpi_counts_as_72():
    buf = io.BytesIO()
    Image.new("RGB", (100, 50)).save(buf, "TIFF", dpi=(1, 1))
    assert load_image_file(buf.getvalue()).frames[0].dpi == 72.0
    buf = io.BytesIO()
    Image.new("RGB", (100, 50)).save(buf, "PNG", dpi=(300, 300))
    assert abs(load_image_file(buf.getvalue()).frames[0].dpi - 300) < 1


def test_sparse_white_text_on_large_transparent_picture():
    rgba = Image.new("RGBA", (6000, 4000), (255, 255, 255, 0))  # sampled every 2nd pixel
    rgba.putpixel((1001, 1001), (255, 255, 255, 255))  # between the sampled rows and columns
    out = normalize_image(rgba)
    assert out.getpixel((1001, 1001)) == (255, 255, 255) and out.getpixel((10, 10)) == (0, 0, 0)


# --- what a picture really is ----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_a_readable_picture_with_a_broken_exif_block_opens(fmt):
    from glmocr_desktop.core.documents import open_image_bytes

    buf = io.BytesIO()
    Image.new("RGB", (50, 40), (10, 200, 30)).save(buf, fmt, exif=b"garbage!")
    with open_image_bytes(buf.getvalue(), f"photo.{fmt.lower()}") as doc:
        page = doc.render_page(0)
        assert page.size == (50, 40)  # the EXIF block is ignored, the picture kept as stored
        assert page.getpixel((25, 20))[1] > 150
        assert doc.render_thumbnail(0).size == (50, 40)


def test_a_fax_tiff_of_204_by_98_dpi_is_shown_and_read_at_its_real_shape():
    from glmocr_desktop.core.documents import open_image_bytes

    fax = Image.new("1", (1728, 1100), 1)  # standard-resolution fax: half as many rows as columns per inch
    for y in range(0, 1100, 50):
        fax.paste(0, (100, y, 1628, y + 2))
    buf = io.BytesIO()
    fax.save(buf, "TIFF", compression="group4", dpi=(204, 98))
    with open_image_bytes(buf.getvalue(), "fax.tif") as doc:
        w_pt, h_pt = doc.page_size(0)
        assert abs(w_pt / 72 - 1728 / 204) < 0.01 and abs(h_pt / 72 - 1100 / 98) < 0.01
        page = doc.render_page(0, dpi=204)
        assert page.width == 1728 and abs(page.height - round(1100 * 204 / 98)) <= 1
        crop = doc.render_region(0, None)
        assert abs(crop.width / crop.height - (1728 / 204) / (1100 / 98)) < 0.02
