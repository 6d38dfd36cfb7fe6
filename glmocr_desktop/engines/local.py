"""The local engine: GLM-OCR through Hugging Face transformers on CUDA, MPS or the CPU.

torch and transformers are imported inside methods only, so importing this module is cheap and the GUI
can reference it without pulling torch onto its thread.

Generation runs on a private thread; tokens come back through a queue and are detokenised
incrementally on the caller's thread, which yields chunks. Every generated token passes a stopping
check that honours ``cancel()`` and the repetition guard, so a stop takes effect within one token.
"""

from __future__ import annotations

import gc
import logging
import os
import queue
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from glmocr_desktop import DEFAULT_MODEL_ID
from glmocr_desktop.core import imaging, model_limits, paths
from glmocr_desktop.core.errors import (
    ImageTooLargeForModelError,
    ModelError,
    ModelLoadError,
    OcrError,
    OutOfMemoryError,
)
from glmocr_desktop.core.jobs import Chunk, Job, Result, Timings
from glmocr_desktop.core.tasks import REPETITION_PENALTY
from glmocr_desktop.engines.base import EngineInfo, FastPathState, ProgressCallback
from glmocr_desktop.engines.cancellation import GenerationCancelled, cancellation_points
from glmocr_desktop.engines.decoding import (  # noqa: F401  (IncrementalDetokenizer: public here before)
    DecodeRow,
    IncrementalDetokenizer,
    PaddingFreeRepetitionPenalty,
    stock_generate,
)
from glmocr_desktop.engines.model_loading import (  # noqa: F401  (public here before the split)
    image_only_processor,
    load_model,
    load_processor,
    pick_attention,
    pick_device,
    pick_dtype,
)
from glmocr_desktop.engines.modelfiles import resolve_model

log = logging.getLogger(__name__)

IMAGE_TOKEN_ID = 59280
# The model's pixel limits live in core.model_limits; the old names stay importable from here.
MODEL_MAX_PIXELS = model_limits.MAX_PIXELS
MODEL_MIN_PIXELS = model_limits.MIN_PIXELS
CPU_MAX_PIXELS = model_limits.CPU_MAX_PIXELS
MAX_ASPECT = model_limits.MAX_ASPECT


class LocalEngine:
    """GLM-OCR on this computer."""

    def __init__(
        self,
        model: str | os.PathLike[str] = DEFAULT_MODEL_ID,
        device: str = "auto",
        dtype: str = "auto",
        *,
        fast: bool = True,
        max_image_pixels: int | None = None,
        repetition_penalty: float = REPETITION_PENALTY,
    ) -> None:
        self.model_spec = str(model)
        self.requested_device = device
        self.requested_dtype = dtype
        self.use_fast = fast
        self.max_image_pixels = max_image_pixels
        self.repetition_penalty = repetition_penalty
        self.info = EngineInfo(model=self.model_spec)
        self.model = None
        self.processor = None
        self.device = "cpu"
        self.dtype = None
        self.fast = None  # engines.fast_decode.FastDecoder once a batch bucket is warm
        self.on_fast_path = None  # callable(FastPathState, detail), called on the warm-up thread
        self._fast_buckets: set[int] = set()
        self._cancel = threading.Event()
        self._closed = threading.Event()
        self._lock = threading.Lock()  # one generation at a time
        self._waiting = 0  # jobs waiting for the lock: the warm-up lets them go first
        self._waiting_lock = threading.Lock()
        #: several jobs run by continuous batching when the fast path is warm (False: static batches)
        self.continuous = True
        #: most jobs decoded together by continuous batching (``GLMOCR_MAX_BATCH``)
        self.max_batch = paths.max_batch()
        self._continuous_decoder = None
        #: why continuous batching is off for this session ("" while it is on): it failed on this device
        self.continuous_off = ""
        #: what the last continuous run measured (row utilisation, joins, steps, preparation time)
        self.continuous_stats: dict = {}

    # --- loading ---------------------------------------------------------------------------------

    def load(self, progress: ProgressCallback | None = None) -> None:
        def report(frac: float | None, msg: str) -> None:
            if progress is not None:
                progress(frac, msg)

        report(0.0, "Looking for the model")
        path = resolve_model(self.model_spec)
        report(0.1, "Starting PyTorch")
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # progress goes through ``progress``, not a terminal bar

        self.device = pick_device(self.requested_device)
        self.dtype = pick_dtype(self.device, self.requested_dtype)
        attention = pick_attention(self.device)
        report(0.3, "Loading the processor")
        try:
            self.processor = load_processor(path)
        except OcrError:
            raise
        except Exception as exc:
            raise ModelLoadError(f"The tokenizer or image processor in {path} could not be loaded: {exc}") from exc
        self.processor.tokenizer.padding_side = "left"
        report(0.4, f"Loading weights to {self.device}")
        model, attention = load_model(path, self.device, self.dtype, attention, self._free_memory)
        model.eval()
        self.model = model
        self.eos_ids = self._eos_ids()
        self.pad_id = self.processor.tokenizer.pad_token_id
        if self.pad_id is None:
            self.pad_id = self.eos_ids[0]
        self.info = EngineInfo(
            model=str(path) if Path(self.model_spec).exists() else self.model_spec,
            device=self.device,
            dtype=str(self.dtype).replace("torch.", ""),
            attention=attention,
            fast_path=FastPathState.OFF,
        )
        self._prime_processor()
        report(1.0, "Model ready")

    def _prime_processor(self) -> None:
        """Run the processor once on a blank image, so the first job does not pay its first-call costs
        (chat template compilation, image transforms)."""
        from PIL import Image

        try:
            self.prepare_inputs([Job(image=Image.new("RGB", (112, 112), "white"), max_new_tokens=1)])
        except Exception:  # only a warm-up: the first real job reports any real problem
            log.debug("Processor warm-up failed", exc_info=True)

    def _eos_ids(self) -> list[int]:
        gen = getattr(self.model, "generation_config", None)
        eos = getattr(gen, "eos_token_id", None) or getattr(self.model.config.text_config, "eos_token_id", None)
        if eos is None:
            eos = [self.processor.tokenizer.eos_token_id]
        return list(eos) if isinstance(eos, (list, tuple)) else [int(eos)]

    # --- fast path -------------------------------------------------------------------------------

    def _set_fast_path(self, state: FastPathState, detail: str = "") -> None:
        """Record the warm-up's state; ``on_fast_path`` (set by a front end) hears every change."""
        self.info.fast_path, self.info.fast_path_detail = state, detail
        listener = self.on_fast_path
        if listener is not None:
            listener(state, detail)

    def warm_up_fast_path(self, progress: ProgressCallback | None = None, *, compile: bool = True) -> bool:
        """Prepare the fast decoder; call on a background thread after load().

        Two stages, so the fast path arrives in seconds and gets faster later:

        1. CUDA graphs over eager kernels: no compilation, captured in a second or two per batch size.
        2. The same step compiled by torch.compile (minutes the first time on a machine; the kernels are
           cached on disk, so later launches take far less), swapped in when every bucket is warm.

        Stage 1 holds the engine lock per batch size (a job submitted meanwhile waits a second or two); in
        stage 2 jobs run on the graphs of stage 1 and the lock is taken only around each capture, never
        around compiling. The prompt (vision tower and prefill) is captured per shape bucket too: for
        single regions in stage 1, for every batch size in stage 2.
        """
        from glmocr_desktop.engines.fast_warmup import warm_up_fast_path

        return warm_up_fast_path(self, progress, compile=compile)

    # --- public API ------------------------------------------------------------------------------

    def cancel(self) -> None:
        self._cancel.set()

    def close(self) -> None:
        self._closed.set()
        self.cancel()
        with self._lock:
            self.model = None
            self.fast = None
            self.processor = None
        self._free_memory()

    def stream(self, job: Job) -> Iterator[Chunk]:
        return self.stream_many([job])

    #: Most jobs decoded together: the fast path's largest batch; more are run in groups of this size,
    #: one after the other (a wider batch would fall back to stock generate and pad every row).
    MAX_BATCH = 8

    @property
    def continuous_batching(self) -> bool:
        """Whether several jobs now run by continuous batching: hand over many at once (all ready blocks
        of several pages) and each job's result comes back as soon as it ends, not in job order."""
        return bool(self.continuous and self.fast is not None and self.max_batch > 1)

    def stream_many(self, jobs: Iterable[Job]) -> Iterator[Chunk]:
        """Chunks of every job. On the fast path several jobs run by continuous batching (results come
        back as jobs end); otherwise results come back in job order, in groups of at most ``MAX_BATCH``."""
        jobs = list(jobs)
        if not jobs:
            return iter(())
        if self.model is None:
            raise ModelError("The model is not loaded yet.")
        if len(jobs) > 1 and self.continuous_batching:
            return self._run_continuous(jobs)
        if len(jobs) <= self.MAX_BATCH:
            return self._run(jobs)
        return self._run_groups(jobs)

    def _run_groups(self, jobs: list[Job]) -> Iterator[Chunk]:
        for start in range(0, len(jobs), self.MAX_BATCH):
            if start and self._cancel.is_set():
                break
            yield from self._run(jobs[start : start + self.MAX_BATCH])

    def _run_continuous(self, jobs: list[Job]) -> Iterator[Chunk]:
        """Jobs through continuous batching (engines.continuous_run), or static batches where the fast
        path cannot take them before any token came back."""
        from glmocr_desktop.engines.continuous_run import run_many

        return run_many(self, jobs)

    def _continuous_for(self, fast):
        """The continuous decoder over the fast decoder now in use (built once per fast decoder)."""
        if fast is None or self.continuous_off:
            return None
        decoder = self._continuous_decoder
        if decoder is None or decoder.fast is not fast or decoder.max_batch != self.max_batch:
            from glmocr_desktop.engines.fast_decode.continuous import ContinuousDecoder

            decoder = self._continuous_decoder = ContinuousDecoder(fast, max_batch=self.max_batch)
        return decoder

    # --- generation ------------------------------------------------------------------------------

    @property
    def image_pixel_cap(self) -> int:
        """Most pixels one image may have here; render crops with it (``Document.render_region``'s
        ``max_pixels``) and they reach the model without a second resize."""
        return model_limits.pixel_cap(self.device, self.max_image_pixels)

    def _fit_image(self, image, scale: float = 1.0):
        """Bring an image into the model's pixel range by the same rule as the crop rendering
        (:func:`~glmocr_desktop.core.imaging.fit_pixels`); refuse absurd aspect ratios."""
        w, h = image.size
        if not model_limits.fits_aspect(max(1, w), max(1, h)):
            raise ImageTooLargeForModelError(
                f"The image is {w}x{h} pixels: longer than {MAX_ASPECT} times its width, which GLM-OCR "
                "cannot read. Select a region of the page instead."
            )
        if image.mode != "RGB":
            image = image.convert("RGB")
        return imaging.fit_pixels(image, max_pixels=model_limits.clamp_pixels(self.image_pixel_cap * scale))

    def prepare_inputs(self, jobs: Sequence[Job], scale: float = 1.0, *, to_device: bool = True) -> dict:
        """Processor batch for the jobs (left padded), moved to the device unless ``to_device`` is False
        (a preparing thread must not touch the GPU while the decoder captures graphs); checks the image
        tokens."""
        images = [self._fit_image(job.image, scale) for job in jobs]
        texts = [
            self.processor.apply_chat_template(
                [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": job.prompt}]}],
                tokenize=False,
                add_generation_prompt=True,
            )
            for job in jobs
        ]
        try:
            inputs = self.processor(text=texts, images=images, padding=True, return_tensors="pt")
        except ValueError as exc:
            raise ImageTooLargeForModelError(f"The image could not be prepared for the model: {exc}") from exc
        grid = inputs.get("image_grid_thw")
        ids = inputs["input_ids"]
        if grid is None or "pixel_values" not in inputs:
            raise ModelError("The image processor dropped the image (is torchvision installed correctly?).")
        merge = getattr(self.processor.image_processor, "merge_size", 2) ** 2
        expected = [int(g.prod()) // merge for g in grid]
        got = [int((row == IMAGE_TOKEN_ID).sum()) for row in ids]
        if got != expected:
            raise ModelError(f"Image tokens do not match the image grid ({got} vs {expected}).")
        if "mm_token_type_ids" not in inputs:
            raise ModelError("The processor did not return mm_token_type_ids; image positions would be wrong.")
        if not to_device:
            return dict(inputs)
        return {k: (v.to(self.device) if hasattr(v, "to") else v) for k, v in inputs.items()}

    def _acquire(self) -> None:
        """Take the engine for a generation, counted as waiting meanwhile (the warm-up lets it go first)."""
        with self._waiting_lock:
            self._waiting += 1
        try:
            self._lock.acquire()
        finally:
            with self._waiting_lock:
                self._waiting -= 1

    def _run(self, jobs: list[Job]) -> Iterator[Chunk]:
        self._acquire()
        try:
            yield from self._run_locked(jobs)
        finally:
            self._lock.release()

    def _let_jobs_first(self) -> None:
        """Called by the warm-up between its steps: a job waiting for the engine runs before the next."""
        while self._waiting and not self._closed.is_set():
            time.sleep(0.005)

    def _run_locked(self, jobs: list[Job]) -> Iterator[Chunk]:
        import torch

        self._cancel.clear()
        started = time.perf_counter()
        attempt_scale = 1.0
        while True:
            rows = self._new_rows(jobs)
            produced = False
            try:
                inputs = self.prepare_inputs(jobs, attempt_scale)
                prompt_len = int(inputs["input_ids"].shape[1])
                image_tokens = [int((r == IMAGE_TOKEN_ID).sum()) for r in inputs["input_ids"]]
                for chunk in self._generate(rows, inputs, started):
                    produced = True
                    yield chunk
                break
            except torch.cuda.OutOfMemoryError:
                inputs = None
                self._free_memory()
                if produced or attempt_scale < 1.0:
                    raise OutOfMemoryError(
                        "The GPU ran out of memory for this image, even at a smaller size.",
                        hint="Select a smaller region, close other GPU programs, or use the CPU.",
                    ) from None
                log.warning("Out of GPU memory; retrying once at half the pixels")
                attempt_scale = 0.5
        total = time.perf_counter() - started
        for i, row in enumerate(rows):
            tail = row.detok.flush()
            if tail and not row.cut:
                row.text.append(tail)
            yield self._finish(row, total, prompt_len, image_tokens[i], attempt_scale)

    def _new_rows(self, jobs: list[Job]) -> list[DecodeRow]:
        from glmocr_desktop.core.loops import RepetitionGuard

        return [
            DecodeRow(job=j, detok=IncrementalDetokenizer(self.processor.tokenizer), guard=RepetitionGuard(),
                 budget=j.token_budget)
            for j in jobs
        ]

    def _generate(self, rows: list[DecodeRow], inputs: dict, started: float) -> Iterator[Chunk]:
        """Run generation on a private thread; turn its per-step tokens into chunks here."""
        import torch

        n = len(rows)
        steps: queue.Queue = queue.Queue()
        stop_flags = [False] * n
        cancel = self._cancel
        max_new = max(r.budget for r in rows)
        done_marker = object()

        def on_step(next_tokens: torch.Tensor):
            steps.put(next_tokens.tolist())
            if cancel.is_set():
                return torch.ones(n, dtype=torch.bool, device=next_tokens.device)
            if any(stop_flags):
                return torch.tensor(stop_flags, dtype=torch.bool, device=next_tokens.device)
            return None

        def worker() -> None:
            try:
                self._generate_impl(inputs, max_new, [r.budget for r in rows], on_step)
                steps.put(done_marker)
            except GenerationCancelled:  # stopped inside a forward pass (the prompt's, say)
                steps.put(done_marker)
            except BaseException as exc:
                steps.put(exc)

        thread = threading.Thread(target=worker, name="glmocr-generate", daemon=True)
        thread.start()
        eos = set(self.eos_ids)
        try:
            while True:
                item = steps.get()
                if item is done_marker:
                    break
                if isinstance(item, BaseException):
                    raise item
                now = time.perf_counter() - started
                for i, tok in enumerate(item):
                    row = rows[i]
                    delta, stop = row.accept(tok, eos, now)
                    if delta:
                        yield Chunk(job_id=row.job.id, text=delta, generated_tokens=row.tokens)
                    if stop:
                        stop_flags[i] = True
        finally:
            if thread.is_alive():
                cancel.set()  # the consumer stopped early (closed generator): stop the producer too
            thread.join()

    def _generate_impl(self, inputs: dict, max_new_tokens: int, budgets: list[int], on_step) -> None:
        """One batched greedy generation; ``on_step`` sees each step's tokens and may stop rows."""

        fast = self._fast_decoder_for(len(budgets))
        if fast is not None:
            from glmocr_desktop.engines.fast_decode import FastDecodeUnavailable

            delivered = []

            def counting_step(tokens):
                delivered.append(1)
                return on_step(tokens)

            try:
                fast.generate(
                    inputs,
                    max_new_tokens=budgets,
                    eos_token_ids=self.eos_ids,
                    pad_token_id=self.pad_id,
                    repetition_penalty=self.repetition_penalty,
                    on_step=counting_step,
                )
                return
            except FastDecodeUnavailable as exc:
                if delivered:
                    raise ModelError(f"The fast decode path stopped unexpectedly: {exc}") from exc
                log.info("Fast path cannot take this job (%s); using stock generate", exc)
        # a stop reaches every layer, so it ends a long prompt pass too, not only the next token
        with cancellation_points(self.model, self._cancel):
            stock_generate(self.model, inputs, max_new_tokens=max_new_tokens, eos_ids=self.eos_ids,
                           pad_id=self.pad_id, repetition_penalty=self.repetition_penalty, on_step=on_step)

    def _fast_decoder_for(self, batch: int):
        """The fast decoder if it is warm for this batch size (called with the engine lock held)."""
        if self.fast is None:
            return None
        from glmocr_desktop.engines.fast_decode import BATCH_BUCKETS

        bucket = next((b for b in BATCH_BUCKETS if b >= batch), None)
        if bucket is None or (self._fast_buckets and bucket not in self._fast_buckets):
            return None
        return self.fast

    def _finish(self, row: DecodeRow, total: float, prompt_len: int, image_tokens: int, scale: float) -> Chunk:
        from glmocr_desktop.core.results import Generation, finish_result

        generation = Generation(
            raw_text=row.guard.text if row.cut else "".join(row.text),  # the guard saw every piece
            budget_hit=row.truncated,
            cancelled=self._cancel.is_set() and not row.finished,
            reduced_image=scale < 1.0,
        )
        timings = Timings(
            first_token_s=row.first_token_s,
            total_s=total,
            prompt_tokens=prompt_len,
            image_tokens=image_tokens,
            generated_tokens=row.tokens,
        )
        try:
            result = finish_result(row.job, generation, model=self.info.model, device=self.info.device, timings=timings)
        except Exception as exc:  # one region's answer must never fail the others of its batch
            log.exception("finishing the result of job %s failed", row.job.id)
            raw = generation.raw_text
            result = Result(
                job_id=row.job.id, task=row.job.task, text=raw, raw_text=raw, model=self.info.model,
                device=self.info.device, source=row.job.source, timings=timings, truncated=row.truncated,
                warnings=[f"The answer could not be cleaned up and is shown as the model wrote it ({exc})."],
            )
        return Chunk(job_id=row.job.id, done=True, result=result, generated_tokens=row.tokens)

    def _free_memory(self) -> None:
        gc.collect()
        try:
            import torch

            if torch.cuda.is_available():
                torch.cuda.empty_cache()
        except Exception:  # pragma: no cover
            pass

