"""Generation requests and the talker prefill input each mode and variant builds.

Layout of the prefill (each position is a text-side plus a codec-side embedding, as in the
talker's dual-track input; ``pad`` is the text pad or codec pad embedding):

    [instruction + codec pad]* [speaker] [reference text + target text + codec pad]*
    [speech start] [context frame + text pad]*

* ``text``: the target text only (the instruction/speaker parts per variant);
* ``voice-clone`` (Base variants): ``[speaker]`` is the speaker encoder's embedding of the
  reference clip; with ``reference_text`` the clip's codec codes follow the speech start as
  context frames (in-context cloning) and its text precedes the target text;
* ``continue``: ``codes`` (the stream so far) follow the speech start as context frames.

CustomVoice puts the preset speaker's codec embedding in ``[speaker]`` and takes an optional
instruction; VoiceDesign's instruction is the voice description. Context frames are also the
codec decoder's left context for the new audio.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from ttsbench.engine import tokenizer
from ttsbench.engine.options import MODES, choose
from ttsbench.engine.variants import DEFAULT_VOICE_DESCRIPTION, Variant


@dataclass(frozen=True)
class GenerationRequest:
    """What to generate: ``text`` in ``mode``, with the mode's conditioning inputs."""

    text: str
    mode: str = "text"
    reference: str | Path | torch.Tensor | None = None
    reference_text: str | None = None
    codes: torch.Tensor | None = None
    speaker: str | None = None
    instruct: str | None = None


@dataclass
class Prompt:
    """The pieces of a request's prefill, computed once (speaker embedding, context codes)."""

    text_ids: torch.Tensor  # [1, L]: reference text (in-context cloning) + target text
    instruct_ids: torch.Tensor | None  # [1, I]; a voicedesign variant without one uses its default
    speaker_embed: torch.Tensor | None  # [1, H]
    context_codes: torch.Tensor | None  # [1, 16, T0]


def check_request(variant: Variant, request: GenerationRequest, codebook_size: int) -> None:
    """ValueError naming the first input this variant cannot take for this mode."""
    choose("mode", request.mode, MODES)
    if request.mode not in variant.modes:
        raise ValueError(f"mode={request.mode!r}: variant {variant.name} has no speaker encoder; "
                         f"choose one of {', '.join(variant.modes)} or a base variant")
    if request.mode == "voice-clone" and request.reference is None:
        raise ValueError("mode='voice-clone' needs a reference clip (reference=WAV or tensor)")
    if request.mode != "voice-clone" and request.reference is not None:
        raise ValueError(f"reference is only used by mode='voice-clone', not {request.mode!r}")
    if request.reference_text is not None and request.mode != "voice-clone":
        raise ValueError("reference_text is only used by mode='voice-clone'")
    if request.mode == "continue":
        check_codes(request.codes, codebook_size)
    elif request.codes is not None:
        raise ValueError(f"codes are only used by mode='continue', not {request.mode!r}")
    if request.speaker is not None:
        variant.speaker_id(request.speaker)
    if request.instruct is not None and variant.kind == "base":
        raise ValueError(f"instruct: variant {variant.name} takes no instruction (the "
                         "customvoice and voicedesign variants do)")


def check_codes(codes, codebook_size: int) -> None:
    """ValueError unless ``codes`` is a non-empty int tensor ``[1, 16, T]`` of valid codes."""
    if codes is None:
        raise ValueError("mode='continue' needs codes: the codec codes [1, 16, T] generated so far")
    if (not isinstance(codes, torch.Tensor) or codes.is_floating_point() or codes.dim() != 3
            or codes.shape[0] != 1 or codes.shape[1] != 16 or codes.shape[2] == 0):
        shape = tuple(codes.shape) if isinstance(codes, torch.Tensor) else type(codes).__name__
        raise ValueError(f"codes: expected an integer tensor [1, 16, T>0], got {shape}")
    if int(codes.min()) < 0 or int(codes.max()) >= codebook_size:
        raise ValueError(f"codes: values must lie in [0, {codebook_size})")


def prefill_embeds(model, variant: Variant, prompt: Prompt, speaker: str | None,
                   batch: int) -> torch.Tensor:
    """The talker prefill input ``[batch, L, H]`` of a prepared prompt (layout above)."""
    talker = model.talker
    cfg = talker.config
    device = talker.codec_head.weight.device

    def codec(ids):
        return talker.codec_embedding(torch.tensor(ids, device=device))

    def text(ids):
        return talker.embed_text(ids.to(device))[0]

    pad_codec, bos_codec = codec([cfg.codec_pad_id, cfg.codec_bos_id])
    pad_text, bos_text = text(torch.tensor([[tokenizer.TTS_PAD, tokenizer.TTS_BOS]]))
    parts = []
    instruct = prompt.instruct_ids
    if variant.kind == "voicedesign" and instruct is None:
        instruct = tokenizer.encode(DEFAULT_VOICE_DESCRIPTION)
    if instruct is not None:
        parts.append(text(instruct) + pad_codec)
    if variant.kind == "customvoice":
        name = speaker if speaker is not None else variant.speakers[0][0]
        parts.append((pad_text + codec([variant.speaker_id(name)])[0])[None])
    if prompt.speaker_embed is not None:
        parts.append(pad_text[None] + prompt.speaker_embed.to(device))
    parts.append(text(prompt.text_ids) + pad_codec)
    parts.append((bos_text + bos_codec)[None])
    if prompt.context_codes is not None:
        frames = prompt.context_codes[0].to(device).T  # [T0, 16]
        parts.append(model.frame_embedding(frames) + pad_text)
    return torch.cat(parts, dim=0)[None].expand(batch, -1, -1)
