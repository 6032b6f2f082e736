"""Turns a ``GenerationRequest`` into the talker's prefill input for one model variant.

Base variants carry the speaker encoder and the reference tokenizer (seeded random weights from
their own generator, so adding them leaves the talker's weights for a seed unchanged); the
reference clip's mel (``MEL_B``) feeds both. Everything here runs inside the timed prefill stage:
a voice-clone prefill costs its speaker encoding, which is what the mode benchmarks measure.
"""

from __future__ import annotations

import torch

from ttsbench.engine import tokenizer
from ttsbench.engine.kernels.mel import MEL_B, mel_spectrogram
from ttsbench.engine.prompts import GenerationRequest, Prompt, check_request, prefill_embeds
from ttsbench.engine.reference import ReferenceTokenizer, frames_of, load_reference
from ttsbench.engine.speaker_encoder import SpeakerEncoder
from ttsbench.engine.variants import Variant
from ttsbench.engine.weights import initialize


class Conditioner:
    """The variant's conditioning modules on the model's device and dtype, and the prompt."""

    def __init__(self, variant: Variant, model, seed: int) -> None:
        self.variant, self.model = variant, model
        weight = model.talker.codec_head.weight
        self.device, self.dtype = weight.device, weight.dtype
        self.speaker_encoder = self.reference_tokenizer = None
        if variant.speaker_encoder is not None:
            with torch.device("meta"):
                encoder = SpeakerEncoder(variant.speaker_encoder)
                quantizer = ReferenceTokenizer(variant.speaker_encoder.mel_dim,
                                               model.config.talker.codebook_size)
            generator = torch.Generator(device=self.device).manual_seed(seed)
            self.speaker_encoder, self.reference_tokenizer = (
                self._materialize(module, generator) for module in (encoder, quantizer))

    def _materialize(self, module: torch.nn.Module, generator: torch.Generator):
        module = module.to(dtype=self.dtype).to_empty(device=self.device)
        initialize(module, generator)
        return module.eval().requires_grad_(False)

    def check(self, request: GenerationRequest) -> None:
        """ValueError naming the first input the variant cannot take (before any work)."""
        check_request(self.variant, request, self.model.config.talker.codebook_size)
        tokenizer.encode(request.text)

    def prompt(self, request: GenerationRequest) -> Prompt:
        """The request's prompt pieces: text ids, speaker embedding, context codes."""
        text_ids = tokenizer.encode(request.text)
        speaker_embed = context = None
        if request.mode == "voice-clone":
            clip = load_reference(request.reference)
            mel = mel_spectrogram(clip.to(self.device), MEL_B)[None].to(self.dtype)
            speaker_embed = self.speaker_encoder(mel)
            if request.reference_text is not None:
                text_ids = torch.cat((tokenizer.encode(request.reference_text), text_ids), 1)
                context = self.reference_tokenizer(mel, frames_of(clip))
        elif request.mode == "continue":
            context = request.codes.to(self.device)
        instruct = (None if request.instruct is None else tokenizer.encode(request.instruct))
        return Prompt(text_ids, instruct, speaker_embed, context)

    def embeds(self, request: GenerationRequest, batch: int):
        """``(prefill input [batch, L, H], context codes or None)`` of ``request``."""
        prompt = self.prompt(request)
        embeds = prefill_embeds(self.model, self.variant, prompt, request.speaker, batch)
        return embeds, prompt.context_codes
