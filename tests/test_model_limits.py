"""The model's pixel limits and the one fit rule, with known answers, checked against the processor."""

from __future__ import annotations

import math

import pytest

from glmocr_desktop.core import model_limits as ml
from glmocr_desktop.core.model_limits import Fit, fit_size


def test_facts_match_the_model():
    assert (ml.PATCH_SIZE, ml.MERGE_SIZE, ml.TEMPORAL_PATCH_SIZE, ml.CELL) == (14, 2, 2, 28)
    assert (ml.MIN_PIXELS, ml.MAX_PIXELS, ml.MAX_ASPECT) == (6_272, 4_816_896, 200)
    assert ml.MAX_PIXELS // (ml.CELL * ml.CELL) == 6_144  # image tokens at most
    assert ml.CPU_MAX_PIXELS == 1_254_400


def test_a_size_within_the_range_is_left_alone():
    assert fit_size(800, 600) == Fit((800, 600), (800, 600))
    assert not fit_size(800, 600).padded


def test_exactly_at_the_limits():
    assert fit_size(2_688, 1_792) == Fit((2_688, 1_792), (2_688, 1_792))  # exactly MAX_PIXELS
    assert fit_size(2_689, 1_792).size == (2_688, 1_791)  # one column too many: the long side gives
    assert fit_size(112, 56) == Fit((112, 56), (112, 56))  # exactly MIN_PIXELS
    assert fit_size(112, 55) == Fit((112, 55), (112, 80))  # one row short: padded, not stretched


def test_tiny_is_padded_onto_a_minimum_canvas():
    assert fit_size(1, 1) == Fit((1, 1), (80, 80))
    assert fit_size(20, 10) == Fit((20, 10), (80, 80))
    assert fit_size(1, 1).padded
    w, h = fit_size(3, 2).canvas
    assert w * h >= ml.MIN_PIXELS


def test_huge_is_downscaled_once_within_the_cap_keeping_the_aspect():
    fit = fit_size(4_000, 3_000)
    assert fit.size == (2_534, 1_900) and not fit.padded
    assert 4_800_000 < math.prod(fit.size) <= ml.MAX_PIXELS
    fit = fit_size(20_000, 20_000)
    assert fit.size == (2_194, 2_194)  # floor(sqrt(4,816,896)) = 2,194.74
    assert fit_size(4_000, 3_000, max_pixels=ml.CPU_MAX_PIXELS).size == (1_293, 969)
    assert fit_size(*fit_size(4_000, 3_000).size) == fit_size(4_000, 3_000)  # fitting again changes nothing


def test_extreme_aspect_keeps_a_side_of_one_cell():
    # 200:1 is allowed; a strip thinner than one cell is padded to it rather than stretched
    assert fit_size(4_000, 20) == Fit((4_000, 20), (4_000, 28))
    assert fit_size(20, 4_000) == Fit((20, 4_000), (28, 4_000))
    # a huge 200:1 strip is downscaled and stays within 200:1 (flooring alone would give 31,038 x 155)
    fit = fit_size(60_000, 300)
    assert fit.size == (31_000, 155) and not fit.padded
    assert ml.fits_aspect(4_000, 20) and not ml.fits_aspect(4_001, 20) and not ml.fits_aspect(5_000, 0)
    assert ml.aspect_ratio(20, 4_000) == 200 and ml.aspect_ratio(0, 5) == math.inf


def test_pixel_cap_per_device_and_request():
    assert ml.pixel_cap("cuda") == ml.pixel_cap("mps") == ml.MAX_PIXELS
    assert ml.pixel_cap("cpu") == ml.CPU_MAX_PIXELS
    assert ml.pixel_cap("cpu", 2_000_000) == 2_000_000
    assert ml.pixel_cap("cuda", 10**9) == ml.MAX_PIXELS and ml.pixel_cap("cuda", 5) == ml.MIN_PIXELS


def test_bad_sizes_are_refused():
    with pytest.raises(ValueError):
        fit_size(0, 10)
    with pytest.raises(ValueError):
        fit_size(10, 10, max_pixels=100, min_pixels=200)


@pytest.mark.parametrize(
    "size", [(1, 1), (20, 10), (112, 55), (800, 600), (4_000, 20), (20, 4_000), (4_000, 3_000), (2_689, 1_792),
             (60_000, 300), (35, 7_000), (300, 60_000), (54_000, 270), (3_499, 2_474)],
)  # fmt: skip
def test_fitted_sizes_are_inside_what_the_processor_accepts(size):
    """Whatever the fit gives, the real image processor maps into the model's range without raising."""
    from transformers.models.glm46v.image_processing_glm46v import smart_resize

    fit = fit_size(*size)
    w, h = fit.canvas
    h_bar, w_bar = smart_resize(
        ml.TEMPORAL_PATCH_SIZE, h, w, factor=ml.CELL,
        min_pixels=ml.TEMPORAL_PATCH_SIZE * ml.MIN_PIXELS, max_pixels=ml.TEMPORAL_PATCH_SIZE * ml.MAX_PIXELS,
    )  # fmt: skip
    assert ml.MIN_PIXELS <= h_bar * w_bar <= ml.MAX_PIXELS
    assert h_bar % ml.CELL == 0 and w_bar % ml.CELL == 0
    # the processor only rounds to whole cells: no side moves by more than half a cell plus the cap's give
    assert abs(w_bar - w) <= ml.CELL and abs(h_bar - h) <= ml.CELL
