"""Regions of turned pages: a box found on the upright picture lands on the same pixels of the scan."""

from __future__ import annotations

import pytest
from PIL import Image

from glmocr_desktop.core.errors import RegionError
from glmocr_desktop.core.regions import Region


@pytest.mark.parametrize("degrees", [0, 90, 180, 270, -90, 450])
def test_a_box_on_the_turned_picture_lands_on_the_same_pixels(degrees):
    page = Image.new("L", (300, 200), 0)
    page.paste(255, (30, 20, 90, 60))  # a white patch on the unturned page
    shown = page.rotate(-(degrees % 360), expand=True)  # clockwise, as the page view shows it
    x0, y0, x1, y1 = shown.getbbox()
    on_picture = Region(x0 / shown.width, y0 / shown.height, x1 / shown.width, y1 / shown.height)
    back = on_picture.unrotated(degrees)
    assert back.to_pixels(page.width, page.height) == (30, 20, 90, 60)


def test_only_quarter_turns():
    with pytest.raises(RegionError):
        Region(0.1, 0.1, 0.5, 0.5).unrotated(45)
