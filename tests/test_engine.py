"""The local engine on the tiny GLM-OCR checkpoint, loaded through the public loading code."""

from __future__ import annotations

import json
import shutil
import threading

import pytest
from forcing import force_distinct_tokens
from PIL import Image, ImageDraw

torch = pytest.importorskip("torch")

from glmocr_desktop.core.errors import (
    ImageTooLargeForModelError,
    ModelLoadError,
    ModelNotFoundError,
    OutOfMemoryError,
)
from glmocr_desktop.core.jobs import Job
from glmocr_desktop.core.tasks import Task
from glmocr_desktop.engines.local import IMAGE_TOKEN_ID, LocalEngine
from glmocr_desktop.engines.modelfiles import resolve_model


def page_image(w: int = 448, h: int = 448, text: str = "Hello GLM-OCR") -> Image.Image:
    img = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(img)
    d.text((20, 20), text, fill="black")
    d.rectangle((10, h // 2, w - 10, h // 2 + 30), outline="black")
    return img


@pytest.fixture(scope="module")
def engine(tiny_model_dir):
    eng = LocalEngine(tiny_model_dir, device="cpu", dtype="fp32", fast=False)
    eng.load()
    yield eng
    eng.close()


@pytest.fixture
def varied_output(engine, monkeypatch):
    """Random weights loop at once; force a long run of distinct tokens so a run lasts until stopped."""
    monkeypatch.setattr(engine.model.lm_head, "forward", engine.model.lm_head.forward)
    monkeypatch.setattr(engine, "repetition_penalty", engine.repetition_penalty)
    return force_distinct_tokens(engine)


def collect(chunks):
    deltas, results = {}, {}
    order = []
    for c in chunks:
        if c.done:
            results[c.job_id] = c.result
            order.append(c.job_id)
        else:
            deltas.setdefault(c.job_id, []).append(c.text)
    return deltas, results, order


def test_loads_through_public_code(engine, tiny_model_dir):
    assert type(engine.model).__name__ == "GlmOcrForConditionalGeneration"
    assert type(engine.processor).__name__ == "Glm46VProcessor"
    assert engine.info.device == "cpu" and engine.info.dtype == "float32"
    assert engine.eos_ids == [59246, 59253]


def test_image_tokens_reach_the_model(engine):
    inputs = engine.prepare_inputs([Job(image=page_image(448, 448))])
    grid = inputs["image_grid_thw"][0]
    n_image = int((inputs["input_ids"][0] == IMAGE_TOKEN_ID).sum())
    assert n_image == int(grid.prod()) // 4 == 256
    assert "mm_token_type_ids" in inputs and int(inputs["mm_token_type_ids"].sum()) == n_image
    assert inputs["pixel_values"].shape[0] == int(grid.prod())

    seen = {}
    visual = engine.model.model.visual

    def hook(module, args, kwargs, output):
        seen["patches"] = args[0].shape[0] if args else kwargs["hidden_states"].shape[0]

    handle = visual.register_forward_hook(hook, with_kwargs=True)
    try:
        job = Job(image=page_image(), max_new_tokens=2)
        list(engine.stream(job))
    finally:
        handle.remove()
    assert seen["patches"] == int(grid.prod()), "the vision tower did not see the image"


def test_prompt_renders_like_the_official_usage(engine):
    inputs = engine.prepare_inputs([Job(image=page_image(), task=Task.FORMULA)])
    text = engine.processor.tokenizer.decode(inputs["input_ids"][0])
    assert text.startswith("[gMASK]<sop><|user|>\n<|begin_of_image|><|image|>")
    assert text.endswith("<|end_of_image|>Formula Recognition:<|assistant|>\n")


def test_stream_chunks_concatenate_to_final_text(engine, varied_output):
    job = Job(image=page_image(), max_new_tokens=40)
    chunks = list(engine.stream(job))
    assert chunks[-1].done and chunks[-1].result is not None
    assert all(not c.done for c in chunks[:-1])
    counts = [c.generated_tokens for c in chunks[:-1]]
    assert counts == sorted(counts), "chunks arrive in order"
    result = chunks[-1].result
    streamed = "".join(c.text for c in chunks[:-1])
    assert not result.cut and result.truncated
    assert len(chunks) > 10
    assert streamed == result.raw_text
    assert result.timings.generated_tokens > 0
    assert result.timings.first_token_s is not None and result.timings.total_s >= result.timings.first_token_s


def test_cancel_stops_within_a_token(engine, varied_output):
    job = Job(image=page_image(), max_new_tokens=4000)
    stream = engine.stream(job)
    seen = 0
    for chunk in stream:
        if chunk.done:
            result = chunk.result
            break
        seen = chunk.generated_tokens
        if seen >= 5:
            engine.cancel()
    assert result.cancelled
    # Tokens already in flight when cancel() landed may still arrive, but generation stops at once.
    assert result.timings.generated_tokens <= seen + 2


def test_cancel_from_another_thread(engine, varied_output):
    job = Job(image=page_image(), max_new_tokens=4000)
    timer = threading.Timer(0.5, engine.cancel)
    timer.start()
    results = [c.result for c in engine.stream(job) if c.done]
    timer.join()
    assert results[0].cancelled and results[0].timings.generated_tokens < 4000


def test_batch_equals_one_by_one(engine):
    jobs = [
        Job(image=page_image(448, 448, "first"), max_new_tokens=24),
        Job(image=page_image(300, 620, "second page"), max_new_tokens=24, task=Task.TABLE),
        Job(image=page_image(700, 200, "third"), max_new_tokens=12, task=Task.FORMULA),
    ]
    _, batched, order = collect(engine.stream_many(jobs))
    assert order == [j.id for j in jobs], "results come back in job order"
    for job in jobs:
        single = next(c.result for c in engine.stream(Job(image=job.image, task=job.task,
                                                       max_new_tokens=job.max_new_tokens)) if c.done)
        assert batched[job.id].raw_text == single.raw_text
        assert batched[job.id].timings.generated_tokens == single.timings.generated_tokens
    assert batched[jobs[2].id].timings.generated_tokens <= 12


def test_repetition_guard_stops_a_forced_loop(engine, monkeypatch):
    tok = engine.processor.tokenizer
    cycle = tok.convert_tokens_to_ids(["Ġab", "Ġcd", "Ġef", "Ġgh", "Ġij"])
    step = {"n": 0}
    original = engine.model.lm_head.forward

    def looping_head(hidden):
        logits = original(hidden)
        forced = torch.full_like(logits, -1e4)
        forced[..., cycle[step["n"] % len(cycle)]] = 1e4
        step["n"] += 1
        return forced

    monkeypatch.setattr(engine.model.lm_head, "forward", looping_head)
    monkeypatch.setattr(engine, "repetition_penalty", 1.0)
    result = next(c.result for c in engine.stream(Job(image=page_image(), max_new_tokens=3000)) if c.done)
    assert result.cut
    # stopped as soon as the text is long enough for the SDK's rule (2,048 characters), well before 3,000
    assert result.timings.generated_tokens < 2100 / 3, "the loop was stopped early"
    assert result.text.count("ab cd ef gh ij") == 1
    assert result.raw_text.count("ab cd ef gh ij") > 100  # the Source keeps what the model wrote
    assert any("repeating" in w for w in result.warnings) and result.cut_reason


def test_out_of_memory_retries_smaller_once(engine, monkeypatch):
    calls = []
    real = engine._generate_impl

    def flaky(inputs, *a, **k):
        calls.append(int(inputs["pixel_values"].shape[0]))
        if len(calls) == 1:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory (injected)")
        return real(inputs, *a, **k)

    monkeypatch.setattr(engine, "_generate_impl", flaky)
    result = next(c.result for c in engine.stream(Job(image=page_image(896, 896), max_new_tokens=3)) if c.done)
    assert len(calls) == 2 and calls[1] < calls[0]
    assert any("reduced size" in w for w in result.warnings)

    def always_oom(*a, **k):
        raise torch.cuda.OutOfMemoryError("CUDA out of memory (injected)")

    monkeypatch.setattr(engine, "_generate_impl", always_oom)
    with pytest.raises(OutOfMemoryError) as info:
        list(engine.stream(Job(image=page_image(), max_new_tokens=3)))
    assert "out of memory" in str(info.value).lower()
    # The engine still works afterwards.
    monkeypatch.setattr(engine, "_generate_impl", real)
    assert [c for c in engine.stream(Job(image=page_image(), max_new_tokens=2)) if c.done]


def test_extreme_aspect_ratio_is_a_clear_error(engine):
    with pytest.raises(ImageTooLargeForModelError, match="200 times"):
        list(engine.stream(Job(image=Image.new("RGB", (6000, 20), "white"))))


def test_tiny_image_is_padded_up(engine):
    inputs = engine.prepare_inputs([Job(image=Image.new("RGB", (1, 1), "white"))])
    assert int((inputs["input_ids"][0] == IMAGE_TOKEN_ID).sum()) >= 4


def test_a_crop_rendered_for_the_engine_is_not_resized_again(engine, tmp_path):
    from glmocr_desktop.core.documents import open_document
    from glmocr_desktop.core.model_limits import CPU_MAX_PIXELS

    assert engine.image_pixel_cap == CPU_MAX_PIXELS  # the CPU engine scales pages down
    path = tmp_path / "big.png"
    page_image(3000, 2000).save(path)
    with open_document(path) as doc:
        crop = doc.render_region(0, None, max_pixels=engine.image_pixel_cap)
    assert crop.width * crop.height <= CPU_MAX_PIXELS
    assert engine._fit_image(crop) is crop  # one resize, in the rendering
    # an image from elsewhere gets the same rule as the crops
    from glmocr_desktop.core.imaging import fit_pixels

    big = page_image(3000, 2000)
    assert engine._fit_image(big).size == fit_pixels(big, max_pixels=CPU_MAX_PIXELS).size


def test_extraction_result_is_parsed(engine):
    template = {"name": "", "total": ""}
    result = next(c.result for c in engine.stream(Job(image=page_image(), task=Task.EXTRACT, template=template,
                                                  max_new_tokens=8)) if c.done)
    # Random weights do not produce JSON; the parse failure is reported, not raised.
    assert result.task is Task.EXTRACT and result.ok
    assert result.extraction is None
    assert any("not valid JSON" in w for w in result.warnings), result.warnings


def test_image_only_processor_without_torchvision(tiny_model_dir, monkeypatch):
    import transformers

    def no_torchvision(*a, **k):
        raise ImportError("torchvision is required for Glm46VVideoProcessor")

    monkeypatch.setattr(transformers.AutoProcessor, "from_pretrained", no_torchvision)
    eng = LocalEngine(tiny_model_dir, device="cpu", dtype="fp32", fast=False)
    eng.load()
    assert "Pil" in type(eng.processor.image_processor).__name__
    img = page_image(448, 448)
    inputs = eng.prepare_inputs([Job(image=img)])
    assert int((inputs["input_ids"][0] == IMAGE_TOKEN_ID).sum()) == 256
    result = next(c.result for c in eng.stream(Job(image=img, max_new_tokens=4)) if c.done)
    assert result.timings.image_tokens == 256 and result.timings.generated_tokens > 0
    eng.close()


# --- missing and damaged models ---------------------------------------------------------------


def test_missing_model_says_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    with pytest.raises(ModelNotFoundError) as info:
        resolve_model("zai-org/GLM-OCR")
    assert "hf download zai-org/GLM-OCR" in str(info.value)
    with pytest.raises(ModelNotFoundError):
        LocalEngine(tmp_path / "nowhere").load()


@pytest.fixture
def model_copy(tiny_model_dir, tmp_path):
    dst = tmp_path / "model"
    shutil.copytree(tiny_model_dir, dst)
    return dst


def test_bad_config_json(model_copy):
    (model_copy / "config.json").write_text("{not json")
    with pytest.raises(ModelLoadError, match=r"config\.json is damaged"):
        LocalEngine(model_copy).load()


def test_wrong_model_type(model_copy):
    cfg = json.loads((model_copy / "config.json").read_text())
    cfg["model_type"] = "llama"
    (model_copy / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(ModelLoadError, match="not GLM-OCR"):
        LocalEngine(model_copy).load()


def test_truncated_weights(model_copy):
    f = model_copy / "model.safetensors"
    data = f.read_bytes()
    f.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelLoadError, match="damaged or incomplete"):
        LocalEngine(model_copy).load()


def test_missing_shard(model_copy):
    index = {"metadata": {}, "weight_map": {"a.weight": "model-00001-of-00002.safetensors",
                                             "b.weight": "model-00002-of-00002.safetensors"}}
    (model_copy / "model.safetensors").rename(model_copy / "model-00001-of-00002.safetensors")
    (model_copy / "model.safetensors.index.json").write_text(json.dumps(index))
    with pytest.raises(ModelLoadError, match=r"model-00002-of-00002\.safetensors"):
        LocalEngine(model_copy).load()


def test_no_weights_or_pickle_only(model_copy):
    (model_copy / "model.safetensors").unlink()
    with pytest.raises(ModelLoadError, match="no weights"):
        LocalEngine(model_copy).load()
    (model_copy / "pytorch_model.bin").write_bytes(b"\x80\x04")
    with pytest.raises(ModelLoadError, match="safetensors"):
        LocalEngine(model_copy).load()


# --- fast decode path inside the engine -----------------------------------------------------------


def test_cpu_keeps_stock_generate(engine):
    engine.use_fast = True
    try:
        assert engine.warm_up_fast_path() is False
        assert engine.fast is None and engine.info.fast_path.startswith("off")
    finally:
        engine.use_fast = False


def test_fast_path_in_engine_matches_stock_and_falls_back(engine, monkeypatch):
    from glmocr_desktop.engines.fast_decode import FastDecoder

    jobs = [Job(image=page_image(448, 448, "alpha"), max_new_tokens=20),
            Job(image=page_image(320, 560, "beta"), max_new_tokens=14, task=Task.TABLE)]
    _, stock, _ = collect(engine.stream_many(jobs))
    decoder = FastDecoder(engine.model, device="cpu", dtype=torch.float32, max_cache_len=2048)
    assert decoder.available()[0]
    decoder.warmup(pad_token_id=engine.pad_id)
    monkeypatch.setattr(engine, "fast", decoder)
    monkeypatch.setattr(engine, "continuous", False)  # the static batch path (continuous: test_continuous_engine)
    used = []
    real_generate = decoder.generate
    monkeypatch.setattr(decoder, "generate", lambda *a, **k: (used.append(1), real_generate(*a, **k))[1])
    _, fast, _ = collect(engine.stream_many(jobs))
    assert used, "the fast decoder ran"
    for job in jobs:
        assert fast[job.id].raw_text == stock[job.id].raw_text
        assert fast[job.id].timings.generated_tokens == stock[job.id].timings.generated_tokens
    # A job larger than the static cache goes to stock generate instead of failing.
    big = Job(image=page_image(), max_new_tokens=4000)
    result = next(c.result for c in engine.stream(big) if c.done)
    assert result.ok and result.timings.generated_tokens > 0


def test_warm_up_lets_a_waiting_job_go_first(engine):
    """Between its steps the fast-path warm-up yields the engine to a job that is waiting for it."""
    import threading

    engine._lock.acquire()  # the warm-up is "between two steps" while holding nothing; a job holds this
    chunks = engine.stream(Job(image=page_image(448, 448, "wait"), max_new_tokens=3))
    got = []
    t = threading.Thread(target=lambda: got.extend(chunks), daemon=True)
    t.start()
    for _ in range(200):
        if engine._waiting == 1:
            break
        threading.Event().wait(0.01)
    assert engine._waiting == 1, "the job waits for the engine and says so"
    yielded = threading.Event()
    w = threading.Thread(target=lambda: (engine._let_jobs_first(), yielded.set()), daemon=True)
    w.start()
    assert not yielded.wait(0.2), "the warm-up must not take its next step while a job waits"
    engine._lock.release()
    t.join(timeout=60)
    assert yielded.wait(5) and engine._waiting == 0
    assert got and got[-1].done and got[-1].result.ok


def test_many_jobs_run_in_groups_in_order(engine, monkeypatch):
    sizes = []
    run = engine._run

    def counting(jobs):
        sizes.append(len(jobs))
        return run(jobs)

    monkeypatch.setattr(engine, "_run", counting)
    jobs = [Job(image=page_image(200 + 20 * i, 200, f"region {i}"), max_new_tokens=2) for i in range(11)]
    done = [c.job_id for c in engine.stream_many(jobs) if c.done]
    assert done == [j.id for j in jobs]
    assert sizes == [engine.MAX_BATCH, 11 - engine.MAX_BATCH]
