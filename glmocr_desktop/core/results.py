"""From a finished generation to the :class:`~glmocr_desktop.core.jobs.Result` the user keeps.

Every engine (local, and any other) ends a job here, so the clean-up, the cut and limit flags and their
messages, and the extraction check are the same whatever ran the model.
"""

from __future__ import annotations

from dataclasses import dataclass

from glmocr_desktop.core.jobs import Job, Result, Timings
from glmocr_desktop.core.postprocess import clean_up
from glmocr_desktop.core.tasks import Task


@dataclass(frozen=True)
class Generation:
    """What an engine knows when a job's generation has ended."""

    raw_text: str  # everything the model wrote (up to where it was stopped)
    budget_hit: bool = False  # the token limit ended it
    cancelled: bool = False  # the user stopped it
    reduced_image: bool = False  # the image was read at a reduced size (GPU memory)


def finish_result(job: Job, generation: Generation, *, model: str, device: str, timings: Timings) -> Result:
    """The result of ``job``: cleaned text, flags with their reasons, extraction fields."""
    raw = generation.raw_text
    cleaned = clean_up(job.task, raw)
    result = Result(
        job_id=job.id,
        task=job.task,
        text=cleaned.text,
        raw_text=raw,
        model=model,
        device=device,
        source=job.source,
        timings=timings,
        cut=cleaned.cut,
        cancelled=generation.cancelled,
        truncated=generation.budget_hit and not cleaned.cut,
    )
    if cleaned.loop is not None:
        result.cut_reason = cleaned.loop.reason
        result.warnings.append(result.cut_reason)
    if result.truncated:
        result.truncated_reason = (
            f"The output reached the limit of {job.token_budget:,} tokens and may be incomplete."
        )
        result.warnings.append(result.truncated_reason)
    if generation.reduced_image:
        result.warnings.append("GPU memory was short; the image was read at a reduced size.")
    if job.task is Task.EXTRACT and job.template is not None:
        from glmocr_desktop.core.extraction import parse_extraction

        parsed = parse_extraction(cleaned.text, job.template)
        result.extraction = parsed.data
        if parsed.error:
            result.warnings.append(f"The answer is not valid JSON: {parsed.error}")
        if parsed.missing:
            result.warnings.append("Missing fields: " + ", ".join(parsed.missing))
        if parsed.extra:
            result.warnings.append("Extra fields: " + ", ".join(parsed.extra))
    return result
