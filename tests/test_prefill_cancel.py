"""A stop reaches the prompt pass: a long prefill ends within a layer, not at its end."""

from __future__ import annotations

import threading
import time

import pytest
from PIL import Image
from slowing import slow_prefill

from glmocr_desktop.core.jobs import Job


@pytest.fixture(scope="module")
def engine(tiny_model_dir):
    from glmocr_desktop.engines.local import LocalEngine

    engine = LocalEngine(model=tiny_model_dir, device="cpu", fast=False)
    engine.load()
    yield engine
    engine.close()


def test_cancel_during_a_slow_prefill_stops_within_a_layer(engine):
    started = slow_prefill(engine, per_layer_s=0.6)  # 4 layers: a 2.4 s prompt pass
    chunks = []

    def run() -> None:
        chunks.extend(engine.stream(Job(image=Image.new("RGB", (224, 224), "white"), max_new_tokens=50)))

    thread = threading.Thread(target=run)
    thread.start()
    assert started.wait(30)
    time.sleep(0.2)
    t0 = time.monotonic()
    engine.cancel()
    thread.join(10)
    stopped_after = time.monotonic() - t0
    assert not thread.is_alive()
    assert stopped_after < 1.5  # the layer in flight, not the rest of the prompt pass
    result = chunks[-1].result
    assert chunks[-1].done and result.cancelled
    assert result.timings.generated_tokens == 0
    # the hooks are gone afterwards: the engine still reads (slowly: the test's own hooks stay)
    hooks = sum(len(m._forward_pre_hooks) for m in engine.model.modules())
    assert hooks == sum(1 for m in engine.model.modules() if hasattr(m, "_glmocr_vision"))
