"""Speculative decoding with the MTP layer gives exactly plain greedy output (fp32, tiny checkpoint, CPU).

The checkpoint carries an MTP layer as the hub file does (tests/make_tiny_model.py), loaded from its
files through the fast path's own loader. Random draft weights are almost always wrong, so drafts that are
right, wrong and mixed are also forced through the benchmarks' oracle (the known output, right where a
coin says so): whatever the drafts, the tokens are the plain greedy ones.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from graph_sim import GraphSim, simulate_cuda_graphs
from test_fast_decode import EOS, PAD, fast, make_inputs, stock

from glmocr_desktop.engines.fast_decode import FastDecoder
from glmocr_desktop.engines.fast_decode.mtp import load_mtp, mtp_layer_index, read_mtp_tensors


@pytest.fixture(scope="module")
def loaded(tiny_model_dir):
    from transformers import AutoProcessor, GlmOcrForConditionalGeneration

    model = GlmOcrForConditionalGeneration.from_pretrained(str(tiny_model_dir), dtype=torch.float32).eval()
    model.generation_config.eos_token_id = EOS
    model.generation_config.pad_token_id = PAD
    return model, AutoProcessor.from_pretrained(str(tiny_model_dir))


def _decoder(model, k=3, **kw):
    return FastDecoder(model, device="cpu", dtype=torch.float32, use_graphs=False, compile=False,
                       draft_tokens=k, cache_tokens=2048, max_cache_len=2048, **kw)


def test_mtp_layer_read_from_the_checkpoint_files(loaded, tiny_model_dir):
    model, _ = loaded
    index = mtp_layer_index(model.config)
    assert index == model.config.text_config.num_hidden_layers
    tensors = read_mtp_tensors(tiny_model_dir, index)
    assert {"eh_proj.weight", "enorm.weight", "hnorm.weight", "shared_head.norm.weight",
            "self_attn.q_proj.weight", "mlp.gate_up_proj.weight"} <= set(tensors)
    # transformers itself dropped them: the loaded model has no such layer
    assert len(model.model.language_model.layers) == index
    fd = _decoder(model)
    assert fd.speculative is not None and fd.speculative.k == 3, fd.mtp_reason
    weights, why = load_mtp(model, fd.decoder, "cpu")
    assert weights is not None and why == ""
    assert weights.head is fd.decoder.lm_head and weights.embed is fd.decoder.embed


def test_no_mtp_layer_means_plain_decoding(tiny_model_dir):
    from make_tiny_model import build_model, tiny_config_dict

    model = build_model(tiny_config_dict(), seed=0, dtype=torch.float32)  # not loaded from a folder
    fd = _decoder(model)
    assert fd.speculative is None and "folder" in fd.mtp_reason
    assert _decoder(model, k=0).speculative is None


@pytest.fixture(scope="module")
def reference(loaded):
    """One region and its plain greedy output (forced length), shared by the draft variants."""
    model, proc = loaded
    inputs = make_inputs(proc, [(140, 56)])
    return inputs, stock(model, inputs, 32, min_new=32)[0]


def _oracle(ref, hits):
    tokens = torch.zeros(hits.shape[0], dtype=torch.long)
    tokens[: len(ref)] = torch.tensor(ref)
    return tokens, hits


def test_greedy_identical_with_the_real_draft_layer(loaded, reference):
    model, proc = loaded
    inputs, ref = reference
    fd = _decoder(model, k=3)
    assert fast(fd, inputs, 32, min_new=32) == [ref]
    other = make_inputs(proc, [(84, 84)])
    assert fast(fd, other, 24) == stock(model, other, 24)  # EOS allowed
    assert fd.speculative.stats["rounds"] > 0


@pytest.mark.parametrize(("k", "alpha"), [(3, 0.0), (3, 0.5), (3, 1.0), (1, 0.5)])
def test_greedy_identical_with_right_wrong_and_mixed_drafts(loaded, reference, k, alpha):
    model, _ = loaded
    inputs, ref = reference
    n = len(ref)
    fd = _decoder(model, k=k)
    spec = fd.speculative
    spec.oracle = _oracle(ref, torch.rand(4096, generator=torch.Generator().manual_seed(7)) < alpha)
    assert fast(fd, inputs, n, min_new=n) == [ref]
    drafted, accepted = spec.stats["drafted"], spec.stats["accepted"]
    if alpha == 1.0:
        assert accepted >= drafted - k and spec.stats["rounds"] <= n // (k + 1) + 2  # k+1 tokens a round
    elif alpha == 0.0:
        assert accepted == 0 and spec.stats["rounds"] == n - 1
    else:
        assert 0 < accepted < drafted


def test_stop_request_and_budget(loaded, reference):
    model, _ = loaded
    inputs, ref = reference
    fd = _decoder(model, k=3)
    fd.speculative.oracle = _oracle(ref, torch.ones(4096, dtype=torch.bool))
    got = fast(fd, inputs, 20, min_new=20, stop_at={0: 6})
    assert got == [ref[:6]]  # a round delivers 4 tokens, the caller's stop still ends at the 6th
    assert fast(fd, inputs, 9, min_new=9) == [ref[:9]]  # the budget ends mid-round


def test_rounds_captured_and_replayed_as_graphs(loaded, reference, monkeypatch):
    """The CUDA-graph path of the rounds (capture with warm-up runs and state restore, replay) under
    simulated graphs on the CPU: the output stays plain greedy."""
    model, _ = loaded
    simulate_cuda_graphs(monkeypatch)
    fd = _decoder(model, k=2)
    fd.use_graphs = True
    spec = fd.speculative
    spec.round = GraphSim.recording(spec.round)
    inputs, ref = reference
    spec.oracle = _oracle(ref, torch.rand(4096, generator=torch.Generator().manual_seed(3)) < 0.7)
    assert fast(fd, inputs, 32, min_new=32) == [ref]
    assert len(spec.graphs) == 1 and len(spec.stats["captures"]) == 1
    assert fast(fd, inputs, 32, min_new=32) == [ref]  # replayed, not captured again
    assert len(spec.stats["captures"]) == 1


def test_the_warm_up_checks_speculative_decoding_and_turns_it_off_when_it_fails(loaded, reference):
    """A device where the rounds fail never gets a user's region: the check turns drafts off, and the
    region decodes plainly, with the same tokens."""
    model, _ = loaded
    inputs, ref = reference
    fd = _decoder(model, k=2)
    fd.check_speculative(PAD, 1.1)
    assert fd.speculative is not None, fd.mtp_reason  # works here: kept

    def broken(*a, **k):
        raise RuntimeError("no kernel for this device")

    fd.speculative.round = broken
    fd.check_speculative(PAD, 1.1)
    assert fd.speculative is None and "no kernel for this device" in fd.mtp_reason
    assert fast(fd, inputs, 32, min_new=32) == [ref]
