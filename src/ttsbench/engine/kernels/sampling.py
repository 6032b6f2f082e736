"""Next-token sampling for one decode step, in the order of transformers' logits processors.

``sample`` applies: repetition penalty -> min-new-tokens EOS mask -> special-token suppression ->
temperature -> top-k -> top-p -> softmax -> multinomial (explicit ``torch.Generator``). With
``do_sample=False`` it returns the argmax after the first three (the processors), like greedy
decoding in transformers. Every filter is also usable on its own; all are out of place and work
on logits [batch, vocab] on any device (computations follow the input tensor).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ._checks import (check_float_tensor, check_ids_in_range, check_int, check_int_tensor,
                      check_positive_float)
from .suppression import NUM_SPECIAL_TOKENS, suppress_special_tokens

_NEG_INF = float("-inf")


@dataclass(frozen=True)
class SamplingOptions:
    """How one decode step picks its token; defaults are Qwen3-TTS's talker settings.

    ``top_k=None`` and ``top_p=None`` (or 1.0) switch those filters off; ``repetition_penalty=1.0``
    likewise. ``min_new_tokens`` masks EOS while ``step < min_new_tokens`` (needs ``eos_token_id``).
    ``suppress_tokens`` masks ids [vocab - 1024, vocab) except EOS.
    """

    temperature: float = 0.9
    top_k: int | None = 50
    top_p: float | None = 1.0
    repetition_penalty: float = 1.05
    min_new_tokens: int = 2
    eos_token_id: int | None = None
    suppress_tokens: bool = True
    do_sample: bool = True

    def __post_init__(self) -> None:
        check_positive_float("temperature", self.temperature)
        if self.top_k is not None:
            check_int("top_k", self.top_k, 1)
        if self.top_p is not None:
            _check_top_p(self.top_p)
        check_positive_float("repetition_penalty", self.repetition_penalty)
        check_int("min_new_tokens", self.min_new_tokens, 0)
        if self.eos_token_id is not None:
            check_int("eos_token_id", self.eos_token_id, 0)
        for name in ("suppress_tokens", "do_sample"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name}={getattr(self, name)!r}: expected True or False")


def _check_top_p(top_p) -> None:
    if isinstance(top_p, bool) or not isinstance(top_p, (int, float)) or not 0 < top_p <= 1:
        raise ValueError(f"top_p={top_p!r}: expected a number in (0, 1]")


def _check_options(options) -> None:
    if not isinstance(options, SamplingOptions):
        raise ValueError(f"options: expected SamplingOptions, got {type(options).__name__}")


def _check_logits(logits) -> None:
    check_float_tensor("logits", logits, (2,), "[batch, vocab]")


def apply_repetition_penalty(logits: torch.Tensor, previous_tokens: torch.Tensor,
                             penalty: float) -> torch.Tensor:
    """Penalise ids in ``previous_tokens`` [batch, n]: score < 0 ? score * p : score / p."""
    _check_logits(logits)
    check_positive_float("repetition_penalty", penalty)
    check_int_tensor("previous_tokens", previous_tokens, (2,), "[batch, n]")
    if previous_tokens.shape[0] != logits.shape[0]:
        raise ValueError(f"previous_tokens: batch {previous_tokens.shape[0]} does not match "
                         f"logits batch {logits.shape[0]}")
    check_ids_in_range("previous_tokens", previous_tokens, logits.shape[1])
    if previous_tokens.shape[1] == 0:
        return logits.clone()
    index = previous_tokens.to(device=logits.device, dtype=torch.int64)
    score = logits.gather(1, index)
    score = torch.where(score < 0, score * penalty, score / penalty)
    return logits.scatter(1, index, score)


def mask_eos_before_min_tokens(logits: torch.Tensor, eos_token_id: int, step: int,
                               min_new_tokens: int) -> torch.Tensor:
    """Set EOS to -inf while fewer than ``min_new_tokens`` tokens were generated (``step``)."""
    _check_logits(logits)
    check_int("eos_token_id", eos_token_id, 0)
    check_int("step", step, 0)
    check_int("min_new_tokens", min_new_tokens, 0)
    if eos_token_id >= logits.shape[1]:
        raise ValueError(f"eos_token_id={eos_token_id}: out of range for vocab {logits.shape[1]}")
    out = logits.clone()
    if step < min_new_tokens:
        out[:, eos_token_id] = _NEG_INF
    return out


def apply_temperature(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """Divide the logits by ``temperature`` (> 0)."""
    _check_logits(logits)
    check_positive_float("temperature", temperature)
    return logits / temperature


def top_k_filter(logits: torch.Tensor, top_k: int) -> torch.Tensor:
    """Keep the ``top_k`` largest logits per row (ties with the k-th kept), the rest -inf.

    ``top_k`` >= vocab keeps every id.
    """
    _check_logits(logits)
    check_int("top_k", top_k, 1)
    if top_k >= logits.shape[1]:
        return logits.clone()
    kth = torch.topk(logits, top_k, dim=1).values[:, -1:]
    return logits.masked_fill(logits < kth, _NEG_INF)


def top_p_filter(logits: torch.Tensor, top_p: float) -> torch.Tensor:
    """Nucleus filter: drop every id whose more-probable ids already hold mass >= ``top_p``.

    The most probable id is always kept; ``top_p=1.0`` keeps every id.
    """
    _check_logits(logits)
    _check_top_p(top_p)
    if top_p == 1:
        return logits.clone()
    sorted_logits, order = torch.sort(logits, dim=1, descending=False)
    cumulative = sorted_logits.softmax(dim=1).cumsum(dim=1)
    remove_sorted = cumulative <= 1 - top_p
    remove_sorted[:, -1] = False
    remove = remove_sorted.scatter(1, order, remove_sorted)
    return logits.masked_fill(remove, _NEG_INF)


def process_logits(logits: torch.Tensor, options: SamplingOptions, *,
                   previous_tokens: torch.Tensor | None = None, step: int = 0) -> torch.Tensor:
    """The processors (repetition penalty, EOS mask, suppression) in float32; no warpers."""
    _check_logits(logits)
    _check_options(options)
    check_int("step", step, 0)
    scores = logits.to(torch.float32)
    if previous_tokens is not None and options.repetition_penalty != 1:
        scores = apply_repetition_penalty(scores, previous_tokens, options.repetition_penalty)
    if options.eos_token_id is not None and step < options.min_new_tokens:
        scores = mask_eos_before_min_tokens(scores, options.eos_token_id, step,
                                            options.min_new_tokens)
    if options.suppress_tokens:
        if scores.shape[1] <= NUM_SPECIAL_TOKENS:
            raise ValueError(f"logits: vocab {scores.shape[1]} has no room for "
                             f"{NUM_SPECIAL_TOKENS} special ids; set suppress_tokens=False")
        scores = suppress_special_tokens(scores, options.eos_token_id)
    return scores


def sampling_probs(logits: torch.Tensor, options: SamplingOptions, *,
                   previous_tokens: torch.Tensor | None = None, step: int = 0) -> torch.Tensor:
    """The distribution ``sample`` draws from: processors, warpers, softmax [batch, vocab]."""
    scores = process_logits(logits, options, previous_tokens=previous_tokens, step=step)
    if options.temperature != 1:
        scores = apply_temperature(scores, options.temperature)
    if options.top_k is not None:
        scores = top_k_filter(scores, options.top_k)
    if options.top_p is not None and options.top_p < 1:
        scores = top_p_filter(scores, options.top_p)
    return scores.softmax(dim=1)


def greedy(logits: torch.Tensor) -> torch.Tensor:
    """The argmax id per row: LongTensor [batch]."""
    _check_logits(logits)
    return logits.argmax(dim=1)


def sample(logits: torch.Tensor, options: SamplingOptions, *,
           previous_tokens: torch.Tensor | None = None, step: int = 0,
           generator: torch.Generator | None = None) -> torch.Tensor:
    """Pick the next id per row of ``logits`` [batch, vocab]: LongTensor [batch] on its device.

    ``previous_tokens`` [batch, n] feeds the repetition penalty, ``step`` (tokens generated so
    far) the min-new-tokens EOS mask; ``generator`` (on the logits' device) makes draws repeatable.
    """
    _check_options(options)
    if not options.do_sample:
        return greedy(process_logits(logits, options, previous_tokens=previous_tokens, step=step))
    probs = sampling_probs(logits, options, previous_tokens=previous_tokens, step=step)
    return torch.multinomial(probs, 1, generator=generator).squeeze(1)
