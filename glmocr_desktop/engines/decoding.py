"""What the engine does with the tokens of a generation: text deltas, the padding-free repetition
penalty, the per-job row of a batch, and stock transformers ``generate`` with a per-step hook.

Why a module of its own: the static batch path and continuous batching both turn tokens into chunks
the same way, and stock ``generate`` is the one decoder every device has.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from glmocr_desktop.core.jobs import Job


class IncrementalDetokenizer:
    """Turns a growing list of token ids into text deltas without re-decoding everything.

    Only a short window is decoded per token; text that ends in an incomplete UTF-8 sequence is held
    back until the next token completes it.
    """

    def __init__(self, tokenizer) -> None:
        self.tokenizer = tokenizer
        self.ids: list[int] = []
        self.prefix = 0
        self.read = 0

    def push(self, token_id: int) -> str:
        self.ids.append(token_id)
        prefix_text = self.tokenizer.decode(self.ids[self.prefix:self.read], skip_special_tokens=True)
        new_text = self.tokenizer.decode(self.ids[self.prefix:], skip_special_tokens=True)
        if len(new_text) > len(prefix_text) and not new_text.endswith("\ufffd"):
            delta = new_text[len(prefix_text):]
            self.prefix = self.read
            self.read = len(self.ids)
            return delta
        return ""

    def flush(self) -> str:
        prefix_text = self.tokenizer.decode(self.ids[self.prefix:self.read], skip_special_tokens=True)
        new_text = self.tokenizer.decode(self.ids[self.prefix:], skip_special_tokens=True)
        self.prefix = self.read = len(self.ids)
        return new_text[len(prefix_text):] if len(new_text) > len(prefix_text) else ""


class PaddingFreeRepetitionPenalty:
    """The official repetition penalty (CTRL-style, as transformers applies it) over the real tokens only.

    A batch is left-padded with the pad id, which is also ``<|endoftext|>``, an end-of-sequence id:
    counted as seen, padding would make a padded row less likely to end, so a region could read
    differently in a batch than alone. Pad positions are replaced by the row's first real token, which
    is seen anyway, so the penalised set is exactly that of the row run alone.
    """

    def __init__(self, penalty: float, attention_mask: Any) -> None:
        self.penalty = float(penalty)
        self.mask = attention_mask
        self._prompt_ids: Any = None

    def _real_ids(self, input_ids: Any) -> Any:
        import torch

        if self.mask is None or bool(self.mask.all()):
            return input_ids
        if self._prompt_ids is None:
            width = self.mask.shape[1]
            prompt = input_ids[:, :width]
            mask = self.mask.to(device=input_ids.device, dtype=torch.bool)
            first_real = mask.to(torch.int64).argmax(dim=1, keepdim=True)
            fill = torch.gather(prompt, 1, first_real).expand_as(prompt)
            self._prompt_ids = torch.where(mask, prompt, fill)
        width = self._prompt_ids.shape[1]
        return torch.cat([self._prompt_ids, input_ids[:, width:]], dim=1)

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        import torch

        if self.penalty == 1.0:
            return scores
        ids = self._real_ids(input_ids)
        score = torch.gather(scores, 1, ids)
        score = torch.where(score < 0, score * self.penalty, score / self.penalty)
        return scores.scatter(1, ids, score)


@dataclass
class DecodeRow:
    job: Job
    detok: IncrementalDetokenizer
    guard: Any
    budget: int
    text: list[str] = field(default_factory=list)
    tokens: int = 0
    finished: bool = False
    cut: bool = False
    truncated: bool = False
    first_token_s: float | None = None

    def accept(self, token: int, eos: set[int] | frozenset[int], now: float) -> tuple[str, bool]:
        """Take one generated token: returns the text to stream ("" for none) and whether the row asks
        to be stopped (the repetition guard cut it, or its budget is spent). EOS ends the row quietly."""
        if self.finished:
            return "", False
        if token in eos:
            self.finished = True
            return "", False
        self.tokens += 1
        if self.first_token_s is None:
            self.first_token_s = now
        delta = self.detok.push(int(token))
        if delta:
            if self.guard.feed(delta):
                self.cut = self.finished = True
                return "", True
            self.text.append(delta)
        if self.tokens >= self.budget:
            self.truncated = self.finished = True
            return delta, True
        return delta, False


def stock_generate(model, inputs: dict, *, max_new_tokens: int, eos_ids: list[int], pad_id: int,
                   repetition_penalty: float, on_step) -> None:
    """Greedy stock transformers ``generate`` with the official rule; ``on_step(last tokens)`` is called
    every step and may return one bool per row (True stops the row)."""
    import torch
    from transformers import LogitsProcessorList, StoppingCriteria, StoppingCriteriaList

    class _StepHook(StoppingCriteria):
        def __call__(self, input_ids, scores, **kwargs):
            stop = on_step(input_ids[:, -1])
            if stop is None:
                return torch.zeros(input_ids.shape[0], dtype=torch.bool, device=input_ids.device)
            return stop.to(input_ids.device)

    penalty = PaddingFreeRepetitionPenalty(repetition_penalty, inputs.get("attention_mask"))
    with torch.inference_mode():
        model.generate(
            **inputs,
            max_new_tokens=max_new_tokens,
            do_sample=False,
            repetition_penalty=None,
            logits_processor=LogitsProcessorList([penalty]),
            eos_token_id=eos_ids,
            pad_token_id=pad_id,
            stopping_criteria=StoppingCriteriaList([_StepHook()]),
            temperature=None,
            top_p=None,
            top_k=None,
        )
