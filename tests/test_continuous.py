"""Continuous batching gives every region exactly the tokens it gets alone (fp32, tiny checkpoint, CPU)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from graph_sim import GraphSim, simulate_cuda_graphs
from make_tiny_model import build_model, build_processor, tiny_config_dict
from test_fast_decode import EOS, PAD, make_inputs, stock

from glmocr_desktop.engines.fast_decode import FastDecoder
from glmocr_desktop.engines.fast_decode.continuous import ContinuousDecoder, ListSource, Region, collate

#: (width, height) of each region's image and its forced length: prompts and outputs of different sizes
MIXED = [((112, 84), 24), ((56, 196), 8), ((224, 140), 18), ((84, 84), 5), ((140, 56), 13), ((84, 140), 3)]


@pytest.fixture(scope="module")
def tiny():
    model = build_model(tiny_config_dict(), seed=0, dtype=torch.float32)
    model.generation_config.eos_token_id = EOS
    model.generation_config.pad_token_id = PAD
    return model, build_processor()


@pytest.fixture(scope="module")
def alone(tiny):
    """Each region of MIXED run alone (batch of one) on stock greedy ``generate``, forced to its length."""
    model, proc = tiny
    prompts = [make_inputs(proc, [size]) for size, _ in MIXED]
    return prompts, [stock(model, p, n, min_new=n)[0] for p, (_, n) in zip(prompts, MIXED)]


def run_continuous(dec, prompts, lengths, forced=True, stop=None, cancel_after=None):
    got: dict[int, list[int]] = {i: [] for i in range(len(prompts))}
    calls = []

    def on_tokens(events):
        calls.append(len(events))
        out = []
        for key, tok in events:
            got[key].append(tok)
            if stop and len(got[key]) >= stop.get(key, 10**9):
                out.append(key)
        return out

    regions = [Region(i, p, n, n if forced else 0) for i, (p, n) in enumerate(zip(prompts, lengths))]
    stats = dec.run(ListSource(regions), eos_token_ids=EOS, pad_token_id=PAD, repetition_penalty=1.1,
                    on_tokens=on_tokens,
                    should_stop=None if cancel_after is None else (lambda: len(calls) >= cancel_after))
    return [got[i] for i in range(len(prompts))], stats


@pytest.mark.parametrize("max_batch,join_fraction,len_step", [(4, 0.25, 512), (32, 0.5, 16)])
def test_mixed_regions_identical_to_each_alone(tiny, alone, max_batch, join_fraction, len_step):
    """Six regions of different sizes and lengths through a batch of four (rows refilled one at a time) and
    through one batch of eight (prompts joining four at a time, left-padded into one pass, with a cache
    that grows mid-run): each region's tokens are exactly stock greedy's for that region alone."""
    from glmocr_desktop.engines.fast_decode import BucketPolicy

    model, _ = tiny
    prompts, ref = alone
    fd = FastDecoder(model, device="cpu", dtype=torch.float32, use_graphs=False, compile=False,
                     buckets=BucketPolicy(len_step=len_step))
    dec = ContinuousDecoder(fd, max_batch=max_batch, join_fraction=join_fraction)
    got, stats = run_continuous(dec, prompts, [n for _, n in MIXED])
    assert got == ref
    assert stats.batch == (4 if max_batch == 4 else 8)  # six regions: the bucket of eight
    assert stats.joined_regions == len(MIXED) and stats.tokens == sum(n for _, n in MIXED)
    if len_step == 16:
        assert stats.cache_growths > 0
    if max_batch == 4:
        assert stats.joins >= len(MIXED) and stats.utilisation > 0.5  # rows refilled one at a time
    else:
        assert stats.joins < len(MIXED)  # groups of up to four prompts in one pass


def test_identical_to_static_path(tiny, alone):
    """The same regions through the static batch path (one padded batch of eight) give the same tokens."""
    model, _ = tiny
    prompts, ref = alone
    fd = FastDecoder(model, device="cpu", dtype=torch.float32, use_graphs=False, compile=False)
    lengths = [n for _, n in MIXED]
    steps = []
    fd.generate(collate(prompts, PAD), max_new_tokens=lengths, min_new_tokens=lengths,
                eos_token_ids=EOS, pad_token_id=PAD, repetition_penalty=1.1,
                on_step=lambda t: steps.append(t.tolist()))
    static = [[row[i] for row in steps][:n] for i, n in enumerate(lengths)]
    dec = ContinuousDecoder(fd, max_batch=4, join_fraction=0.5)
    assert run_continuous(dec, prompts, lengths)[0] == static == ref


def test_collate_pads_like_the_processor(tiny):
    from test_fast_decode import _image

    _, proc = tiny
    images = [_image(w, h, seed) for seed, (w, h) in enumerate([(112, 84), (56, 196), (224, 140)])]

    def inputs(batch):
        msgs = [[{"role": "user", "content": [{"type": "image", "image": im},
                                              {"type": "text", "text": "Text Recognition:"}]}] for im in batch]
        out = proc.apply_chat_template(msgs, tokenize=True, add_generation_prompt=True, return_dict=True,
                                       return_tensors="pt", padding=True)
        return dict(out)

    batch = inputs(images)
    got = collate([inputs([im]) for im in images], PAD)
    assert (batch["attention_mask"] == 0).any()
    for name in ("input_ids", "attention_mask", "mm_token_type_ids", "image_grid_thw", "pixel_values"):
        assert torch.equal(got[name], batch[name]), name


def test_regions_end_at_eos_as_alone(tiny, alone):
    """Without forced lengths a region ends at its own EOS (the next region joins its row); each region's
    output is stock's alone, up to and including the EOS."""
    model, _ = tiny
    prompts, forced = alone[0][:4], alone[1][:4]
    fd = FastDecoder(model, device="cpu", dtype=torch.float32, use_graphs=False, compile=False)
    # A random head almost never picks EOS: make EOS a close second to a token several regions emit.
    common = max(set(forced[0]), key=lambda t: sum(t in f for f in forced))
    saved = model.lm_head.weight[PAD].clone()
    try:
        with torch.no_grad():
            model.lm_head.weight[PAD] = 1.04 * model.lm_head.weight[common]
        ref = [stock(model, p, 16)[0] for p in prompts]
        ref = [r[: r.index(PAD) + 1] if PAD in r else r for r in ref]
        assert sum(len(r) < 16 for r in ref) >= 2, "some regions should end with EOS on their own"
        got, stats = run_continuous(ContinuousDecoder(fd, max_batch=2), prompts, [16] * len(prompts), forced=False)
    finally:
        with torch.no_grad():
            model.lm_head.weight[PAD] = saved
    assert got == ref
    assert stats.tokens == sum(len(r) for r in ref)


def test_stop_one_region_and_cancel_all(tiny, alone):
    model, _ = tiny
    prompts, ref = alone
    fd = FastDecoder(model, device="cpu", dtype=torch.float32, use_graphs=False, compile=False)
    dec = ContinuousDecoder(fd, max_batch=4)
    lengths = [n for _, n in MIXED]
    got, _ = run_continuous(dec, prompts, lengths, stop={0: 4, 2: 1})
    assert got[0] == ref[0][:4] and got[2] == ref[2][:1]
    assert all(got[i] == ref[i] for i in range(len(MIXED)) if i not in (0, 2)), "the others run on unchanged"
    got, stats = run_continuous(dec, prompts, lengths, cancel_after=5)
    assert stats.steps < max(lengths) and sum(map(len, got)) < sum(lengths)
    assert all(g == r[: len(g)] for g, r in zip(got, ref))


@pytest.fixture
def simulated_graphs(monkeypatch):
    simulate_cuda_graphs(monkeypatch)


def test_graph_replay_and_grouped_steps_identical(tiny, alone, simulated_graphs):
    """The decode step captured per (batch, capacity, attended length) and replayed from its static state,
    steps enqueued in groups ahead of the host: still each region's tokens alone."""
    model, _ = tiny
    prompts, ref = alone
    fd = FastDecoder(model, device="cpu", dtype=torch.float32, use_graphs=False, compile=False, long_from=1)
    dec = ContinuousDecoder(fd, max_batch=4, join_fraction=0.5, group=3)
    dec.use_graphs = True
    real = dec._step_function
    dec._step_function = lambda attended: GraphSim.recording(real(attended))
    got, _ = run_continuous(dec, prompts, [n for _, n in MIXED], stop={1: 3})
    assert len(dec.graphs) >= 1
    assert got[1] == ref[1][:3] and all(got[i] == ref[i] for i in range(len(MIXED)) if i != 1)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_graphs_identical_to_each_alone_and_static(tiny, alone):
    """On a GPU, in float32: the continuous batch on real CUDA graphs (decode step, vision tower and prompt
    graphs, grouped steps, pinned copies) decodes each region's stock tokens alone, and the static path's."""
    import copy

    model, _ = tiny
    gpu = copy.deepcopy(model).to("cuda")
    prompts = [{k: v.to("cuda") for k, v in p.items()} for p in alone[0]]
    lengths = [n for _, n in MIXED]
    ref = [stock(gpu, p, n, min_new=n)[0] for p, n in zip(prompts, lengths)]
    fd = FastDecoder(gpu, device="cuda", dtype=torch.float32, compile=False, max_batch=4)
    assert fd.use_graphs and fd.available()[0]
    fd.warmup(batch_sizes=[1, 2, 4], pad_token_id=PAD)
    dec = ContinuousDecoder(fd, max_batch=4, join_fraction=0.5)
    got, stats = run_continuous(dec, prompts, lengths, stop={1: 3})
    assert len(dec.graphs) >= 1 and stats.joins > 1
    assert got[1] == ref[1][:3] and all(got[i] == ref[i] for i in range(len(MIXED)) if i != 1)
    steps = []
    fd.generate(collate(prompts[:4], PAD), max_new_tokens=lengths[:4], min_new_tokens=lengths[:4],
                eos_token_ids=EOS, pad_token_id=PAD, repetition_penalty=1.1, on_step=lambda t: steps.append(t.tolist()))
    assert [[row[i] for row in steps][:n] for i, n in enumerate(lengths[:4])] == ref[:4]
