"""Sampling for a batch of requests that each own a generator, options and history.

The distributions of all rows that share options are computed at once; only the random draw is
per row. ``draw_rows`` reproduces ``torch.multinomial(probs, 1, generator)`` (PyTorch draws one
sample as the argmax of ``probs / q`` with ``q ~ Exponential(1)`` from the generator), so a
request alone draws exactly what ``kernels.sampling.sample`` draws for it; the tests hold it to
that. The repetition penalty uses a per-request mask of the ids seen so far, which scores ids
exactly as the gather/scatter of ``apply_repetition_penalty`` does.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Protocol

import torch

from ttsbench.engine.kernels.sampling import SamplingOptions, greedy, sampling_probs
from ttsbench.engine.kernels.suppression import suppress_special_tokens


class Sampled(Protocol):
    """What a row needs: its options, generator, ids seen so far and frames generated."""

    options: SamplingOptions
    generator: torch.Generator
    seen: torch.Tensor  # [1, vocab] bool
    count: int


def draw_rows(probs: torch.Tensor, generators: Sequence[torch.Generator]) -> torch.Tensor:
    """One id per row of ``probs`` ``[B, V]``, row ``i`` drawn from ``generators[i]``."""
    noise = torch.empty_like(probs)
    for row, generator in enumerate(generators):
        noise[row].exponential_(1, generator=generator)
    return (probs / noise).argmax(dim=1)


def _warpers_only(options: SamplingOptions) -> SamplingOptions:
    """``options`` with the processors off, for scores that were already processed."""
    return dataclasses.replace(options, repetition_penalty=1.0, min_new_tokens=0,
                               eos_token_id=None, suppress_tokens=False)


def first_codes(logits: torch.Tensor, rows: Sequence[Sampled]) -> torch.Tensor:
    """Each row's next first code ``[B]`` from talker logits ``[B, V]`` (rows grouped by
    options: penalty, EOS mask before ``min_new_tokens``, suppression, warpers, draw)."""
    codes = torch.empty(len(rows), dtype=torch.long, device=logits.device)
    groups: dict[SamplingOptions, list[int]] = defaultdict(list)
    for index, row in enumerate(rows):
        groups[row.options].append(index)
    for options, members in groups.items():
        index = torch.tensor(members, device=logits.device)
        scores = logits.index_select(0, index).to(torch.float32)
        penalty = options.repetition_penalty
        if penalty != 1:
            seen = torch.cat([rows[i].seen for i in members])
            penalized = torch.where(scores < 0, scores * penalty, scores / penalty)
            scores = torch.where(seen, penalized, scores)
        if options.eos_token_id is not None:
            early = [n for n, i in enumerate(members) if rows[i].count < options.min_new_tokens]
            if early:
                scores[early, options.eos_token_id] = float("-inf")
        if options.suppress_tokens:
            scores = suppress_special_tokens(scores, options.eos_token_id)
        if options.do_sample:
            probs = sampling_probs(scores, _warpers_only(options))
            picked = draw_rows(probs, [rows[i].generator for i in members])
        else:
            picked = greedy(scores)
        codes[index] = picked
    return codes


def residual_sampler(rows: Sequence[Sampled], options: SamplingOptions
                     ) -> Callable[[torch.Tensor, int], torch.Tensor]:
    """The code predictor's ``sample(logits, group)`` for ``rows``: ``options`` (the residual
    settings) for all, each row drawn from its own generator, greedy rows by argmax."""
    sampling = [row.options.do_sample for row in rows]
    generators = [row.generator for row in rows]

    def draw(logits: torch.Tensor, group: int) -> torch.Tensor:
        if all(sampling):
            return draw_rows(sampling_probs(logits, options), generators)
        codes = greedy(logits.to(torch.float32))
        if any(sampling):
            drawn = draw_rows(sampling_probs(logits, options), generators)
            codes = torch.where(torch.tensor(sampling, device=logits.device), drawn, codes)
        return codes

    return draw
