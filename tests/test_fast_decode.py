"""The fast decode path gives exactly stock greedy output (fp32, tiny checkpoint, CPU, no graphs)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from graph_sim import GraphSim, simulate_cuda_graphs
from make_tiny_model import build_model, build_processor, tiny_config_dict

from glmocr_desktop.engines.fast_decode import FastDecoder, FastDecodeUnavailable

EOS = [59246, 59253]
PAD = 59246


def _image(w, h, seed):
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 255, size=(h, w, 3), dtype=np.uint8))


def make_inputs(processor, sizes, prompt="Text Recognition:"):
    msgs = [
        [{"role": "user", "content": [{"type": "image", "image": _image(w, h, i)}, {"type": "text", "text": prompt}]}]
        for i, (w, h) in enumerate(sizes)
    ]
    batch = processor.apply_chat_template(
        msgs, tokenize=True, add_generation_prompt=True, return_dict=True, return_tensors="pt", padding=True
    )
    batch.pop("token_type_ids", None)
    return dict(batch)


@pytest.fixture(scope="module")
def tiny():
    model = build_model(tiny_config_dict(), seed=0, dtype=torch.float32)
    model.generation_config.eos_token_id = EOS
    model.generation_config.pad_token_id = PAD
    return model, build_processor()


def stock(model, inputs, n, min_new=0):
    with torch.inference_mode():
        out = model.generate(
            **inputs, max_new_tokens=n, min_new_tokens=min_new or None, do_sample=False,
            repetition_penalty=1.1, eos_token_id=EOS, pad_token_id=PAD,
        )
    return out[:, inputs["input_ids"].shape[1]:].tolist()


def fast(fd, inputs, n, min_new=0, stop_at=None):
    steps = []

    def on_step(tok):
        steps.append(tok.tolist())
        if stop_at is not None:
            return torch.tensor([len(steps) >= stop_at.get(r, 10**9) for r in range(tok.shape[0])])
        return None

    fd.generate(inputs, max_new_tokens=n, eos_token_ids=EOS, pad_token_id=PAD, repetition_penalty=1.1,
                on_step=on_step, min_new_tokens=min_new)
    return [list(r) for r in zip(*steps)]


def _trim(rows):
    """Stock pads every row to the longest; compare up to each row's first eos/padding run."""
    return list(rows)


def test_batch1_identical(tiny):
    model, proc = tiny
    fd = FastDecoder(model, device="cpu", dtype=torch.float32, use_graphs=False, compile=False)
    assert fd.available() == (True, "")
    inputs = make_inputs(proc, [(112, 84)])
    ref = stock(model, inputs, 40, min_new=40)
    got = fast(fd, inputs, 40, min_new=40)
    assert got == ref


def test_padded_batch3_identical(tiny):
    model, proc = tiny
    fd = FastDecoder(model, device="cpu", dtype=torch.float32, use_graphs=False, compile=False)
    inputs = make_inputs(proc, [(112, 84), (56, 196), (224, 140)])
    assert (inputs["attention_mask"] == 0).any(), "the batch should be left-padded"
    ref = stock(model, inputs, 30, min_new=30)
    got = fast(fd, inputs, 30, min_new=30)
    assert got == ref


def test_eos_allowed_identical(tiny):
    """Without forcing the length, rows end at eos and then emit pad exactly as stock does."""
    model, proc = tiny
    fd = FastDecoder(model, device="cpu", dtype=torch.float32, use_graphs=False, compile=False)
    inputs = make_inputs(proc, [(84, 84), (140, 56), (56, 56)])
    ref = stock(model, inputs, 25)
    got = fast(fd, inputs, 25)
    assert len(got[0]) <= 25
    assert [r[: len(got[0])] for r in ref] == got


def test_on_step_stop(tiny):
    model, proc = tiny
    fd = FastDecoder(model, device="cpu", dtype=torch.float32, use_graphs=False, compile=False)
    inputs = make_inputs(proc, [(112, 84), (56, 196)])
    ref = stock(model, inputs, 20, min_new=20)
    got = fast(fd, inputs, 20, min_new=20, stop_at={0: 5})
    assert got[0][:5] == ref[0][:5] and set(got[0][5:]) == {PAD}
    assert got[1] == ref[1]
    # stopping every row ends generation early
    got = fast(fd, inputs, 20, min_new=20, stop_at={0: 3, 1: 3})
    assert len(got[0]) == 3


def test_fallback_without_cuda(tiny, monkeypatch):
    model, _ = tiny
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    fd = FastDecoder(model, device="cpu", dtype=torch.float32)  # defaults: graphs/compile only on CUDA
    assert fd.available()[0]
    fd = FastDecoder(model, device="cpu", dtype=torch.float32, use_graphs=True)
    ok, why = fd.available()
    assert not ok and "CUDA" in why
    fd.warmup()
    assert not fd.ready
    with pytest.raises(FastDecodeUnavailable):
        fd.generate({}, max_new_tokens=1, eos_token_ids=EOS, pad_token_id=PAD, on_step=lambda t: None)


def test_bucketed_prefill_and_vision_identical(tiny):
    """The shape-bucketed prompt path (what CUDA graphs replay): images padded with masked-out patches,
    prompts padded on the right, batch rows padded up to the bucket; output stays token-identical."""
    from glmocr_desktop.engines import fast_decode as fdm

    model, proc = tiny
    fd = FastDecoder(model, device="cpu", dtype=torch.float32, use_graphs=False, compile=False,
                     bucket_prefill=True)
    for sizes in ([(112, 84)], [(112, 84), (56, 196), (224, 140)]):
        inputs = make_inputs(proc, sizes)
        grids = inputs["image_grid_thw"].tolist()
        patches = [t * h * w for t, h, w in grids]
        assert all(n % 256 for n in patches), "each image should need padding to its bucket"
        assert inputs["input_ids"].shape[1] not in fdm.PREFILL_BUCKETS
        with torch.inference_mode():
            ref_img = torch.cat(model.model.get_image_features(
                inputs["pixel_values"], inputs["image_grid_thw"], return_dict=True).pooler_output)
            got_img = fd.encode_images(inputs["pixel_values"], inputs["image_grid_thw"])
        torch.testing.assert_close(got_img, ref_img, rtol=1e-4, atol=1e-5)
        n = 30
        assert fast(fd, inputs, n, min_new=n) == stock(model, inputs, n, min_new=n)
    # the padded entries really were used
    assert fd.vision.inputs and fd.prefill.buffers


def test_bucket_helper():
    from glmocr_desktop.engines.fast_decode import (
        PREFILL_BUCKETS,
        VISION_BUCKETS,
        BucketPolicy,
        fitting_bucket,
    )

    assert fitting_bucket(1, PREFILL_BUCKETS) == 64
    assert fitting_bucket(281, PREFILL_BUCKETS) == 320
    assert fitting_bucket(1025, PREFILL_BUCKETS) is None
    assert fitting_bucket(1024, VISION_BUCKETS) == 1024
    assert fitting_bucket(4097, VISION_BUCKETS) is None
    policy = BucketPolicy()
    assert [policy.batch_bucket(n, 8) for n in (1, 2, 3, 5, 8)] == [1, 2, 4, 8, 8]
    assert policy.batch_bucket(3, 3) == 3 and policy.batch_bucket(9, 8) is None
    assert [policy.attended_length(s) for s in (0, 511, 512)] == [512, 512, 1024]


class _ReplayByRecompute:
    """Stands in for a CUDA graph on the CPU: a replay recomputes the captured function from its static
    input buffers into the captured output, so anything read from outside those buffers shows up."""

    def __init__(self, fn, out):
        self.fn, self.out = fn, out

    def replay(self):
        self.out.copy_(self.fn())


def test_prefill_graph_buffers_feed_replays(tiny, monkeypatch):
    """warm_prefill's captured entries are driven only through their static buffers: replaying them for
    new prompts (other images, other lengths, a padded batch) still gives stock's tokens."""
    model, proc = tiny
    fd = FastDecoder(model, device="cpu", dtype=torch.float32, use_graphs=False, compile=False,
                     bucket_prefill=True, max_batch=4)

    from glmocr_desktop.engines.fast_decode import graphs

    def fake_graph(fn, pool, gate, restore=None):
        out = fn()
        return graphs.CapturedGraph(_ReplayByRecompute(fn, out), out)

    monkeypatch.setattr(graphs, "record_cuda_graph", fake_graph)
    fd.use_graphs = True  # only for warm_prefill: decode steps stay eager on the CPU
    fd.warm_prefill([1, 4], pad_token_id=PAD)
    fd.use_graphs = False
    assert "prefill_graph_error" not in fd.stats
    assert fd.vision.inputs and all(fd.vision_graphs.can_run(n) for n in fd.vision.inputs)
    assert len(fd.vision_graphs) == len(fd.buckets.vision)
    assert fd.prefill.buffers and len(fd.prefill_graphs) == len(fd.prefill.buffers)
    for sizes in ([(84, 112)], [(196, 56), (112, 84), (140, 140)]):
        inputs = make_inputs(proc, sizes)
        assert fast(fd, inputs, 24, min_new=24) == stock(model, inputs, 24, min_new=24)


@pytest.mark.parametrize("opts", [
    {"split_argmax": False}, {"long_from": 1}, {"long_from": 1, "split_argmax": False},
], ids=lambda o: "+".join(f"{k}={v}" for k, v in o.items()))
def test_step_forms_identical(tiny, opts):
    """The other forms of the decode step (one-stage argmax; the long form's chunked softmax, which the
    compiled GPU step uses past LONG_FROM slots) decode stock's tokens in fp32 too."""
    model, proc = tiny
    fd = FastDecoder(model, device="cpu", dtype=torch.float32, use_graphs=False, compile=False, **opts)
    for sizes in ([(112, 84)], [(112, 84), (56, 196)]):
        inputs = make_inputs(proc, sizes)
        assert fast(fd, inputs, 30, min_new=30) == stock(model, inputs, 30, min_new=30)


def test_split_argmax_first_index_on_ties():
    from glmocr_desktop.engines.fast_decode.sampling import first_argmax

    scores = torch.zeros(3, 128)
    scores[0, [5, 70]] = 2.0  # tie across chunks: the first index wins
    scores[1, [66, 67]] = 1.0  # tie inside a chunk
    scores[2] = -1.0
    assert first_argmax(scores, split=True).tolist() == scores.argmax(-1).tolist() == [5, 66, 0]


@pytest.mark.parametrize("group", [3, 5])
def test_grouped_delivery(tiny, group):
    """Steps enqueued in groups (as on CUDA) change nothing the caller sees: same tokens, eos ends rows,
    a stopped row gets pad, and the last group never runs past the token budget."""
    model, proc = tiny
    fd = FastDecoder(model, device="cpu", dtype=torch.float32, use_graphs=False, compile=False)
    fd.group = group
    inputs = make_inputs(proc, [(112, 84), (56, 196)])
    assert fast(fd, inputs, 17, min_new=17) == stock(model, inputs, 17, min_new=17)
    got = fast(fd, inputs, 20, min_new=20, stop_at={0: 4})
    ref = stock(model, inputs, 20, min_new=20)
    assert got[0][:4] == ref[0][:4] and set(got[0][4:]) == {PAD} and got[1] == ref[1]
    inputs = make_inputs(proc, [(84, 84), (140, 56), (56, 56)])
    got = fast(fd, inputs, 25)
    ref = stock(model, inputs, 25)
    assert [r[: len(got[0])] for r in ref] == got


def test_graph_capture_and_replay_plumbing(tiny, monkeypatch):
    """The CUDA-graph code paths (capture with warm-up runs and state restore, replay of decode, vision and
    prompt graphs, grouped delivery) run on the CPU under simulated graphs: output stays stock's."""
    model, proc = tiny
    simulate_cuda_graphs(monkeypatch)
    from glmocr_desktop.engines.fast_decode import BucketPolicy

    # fewer captures; these images fit
    buckets = BucketPolicy(vision=(256, 512), prompt=(64, 128, 192))
    fd = FastDecoder(model, device="cpu", dtype=torch.float32, use_graphs=False, compile=False,
                     bucket_prefill=True, max_batch=4, cache_tokens=2048, max_cache_len=2048, buckets=buckets)
    fd.use_graphs, fd.group = True, 4
    step_function = fd._step_function
    fd._step_function = lambda attended_len: GraphSim.recording(step_function(attended_len))
    fd.vision.run_static = GraphSim.recording(fd.vision.run_static)
    fd.prefill.run_static = GraphSim.recording(fd.prefill.run_static)
    fd.warmup(batch_sizes=[1, 4], pad_token_id=PAD)
    assert fd.ready and "prefill_graph_error" not in fd.stats
    # one decode graph per batch and length bucket: 2,048 slots at batch 1, 512 each at batch 4
    assert len(fd.stats["captures"]) == 4 + 1
    assert all(fd.vision_graphs.can_run(n) for n in buckets.vision) and len(fd.prefill_graphs) == 2 * 3
    for sizes in ([(112, 84)], [(196, 56), (112, 84), (140, 140)]):
        inputs = make_inputs(proc, sizes)
        assert inputs["input_ids"].shape[1] <= 192, "the prompt should take a captured bucket"
        assert fast(fd, inputs, 23, min_new=23) == stock(model, inputs, 23, min_new=23)
    inputs = make_inputs(proc, [(84, 84), (140, 56)])
    got = fast(fd, inputs, 20, min_new=20, stop_at={1: 6})
    ref = stock(model, inputs, 20, min_new=20)
    assert got[0] == ref[0] and got[1][:6] == ref[1][:6] and set(got[1][6:]) == {PAD}


def test_padding_never_penalised_region_same_alone_and_in_batch():
    """Left padding uses the pad id, which is also EOS: it must not count as a seen token, or a region
    that ends with EOS alone runs on with another token (penalised EOS) inside a padded batch."""
    model = build_model(tiny_config_dict(), seed=0, dtype=torch.float32)
    proc = build_processor()
    sizes = [(56, 56), (224, 140), (112, 196)]
    alone, batch = make_inputs(proc, sizes[:1]), make_inputs(proc, sizes)
    assert (batch["attention_mask"][0] == 0).any(), "the region's row should be left-padded"
    fd = FastDecoder(model, device="cpu", dtype=torch.float32, use_graphs=False, compile=False)
    n = 20
    forced = fast(fd, alone, n, min_new=n)[0]
    # A random head almost never picks EOS; make EOS's output row a scaled copy of the row of the last
    # token the region emits, so that ending is a real, close decision that the penalty can tip.
    with torch.no_grad():
        model.lm_head.weight[PAD] = 1.05 * model.lm_head.weight[forced[-1]]
    solo = fast(fd, alone, n)[0]
    assert PAD in solo and len(solo) < n, "the region should end with EOS on its own"
    in_batch = fast(fd, batch, n)[0]
    assert in_batch[: len(solo)] == solo
    assert set(in_batch[len(solo):]) <= {PAD}
