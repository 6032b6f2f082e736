"""The body of ``POST /v1/audio/speech`` (OpenAI's speech API), checked field by field.

Fields: ``model`` (any non-empty string: one engine serves every name), ``input`` (the text,
at most ``max_input_chars``), ``voice`` (one of ``VOICES``; the weights are random, so a voice is
the sampling seed it names), ``response_format`` (``pcm``: raw 24 kHz mono 16-bit little-endian,
or ``wav``; default ``wav``), ``stream`` (bool, default false: chunked audio as it is decoded),
and the extension ``seed`` (an integer >= 0 replacing the voice's seed). Other fields of the
OpenAI API (``speed``, ``instructions``) are accepted and ignored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

VOICES = ("alloy", "ash", "ballad", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer")
FORMATS = ("pcm", "wav")


class BadRequest(Exception):
    """A 400: ``field`` names the offending field (``body`` for the document itself)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field

    def as_json(self) -> dict:
        """OpenAI's error shape, with the field in ``param``."""
        return {"error": {"message": str(self), "type": "invalid_request_error",
                          "param": self.field}}


@dataclass(frozen=True)
class SpeechRequest:
    model: str
    input: str
    voice: str
    response_format: str
    stream: bool
    seed: int


def parse_speech_request(body: bytes, max_input_chars: int) -> SpeechRequest:
    """The checked request; ``BadRequest`` naming the first bad field."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest("body", f"body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise BadRequest("body", "body must be a JSON object")
    model = _field(data, "model", str)
    text = _field(data, "input", str)
    voice = _field(data, "voice", str)
    response_format = _field(data, "response_format", str, "wav")
    stream = _field(data, "stream", bool, False)
    if not model:
        raise BadRequest("model", "model must not be empty")
    if not text.strip():
        raise BadRequest("input", "input is empty: give some text to speak")
    if len(text) > max_input_chars:
        raise BadRequest("input", f"input has {len(text)} characters, at most "
                         f"{max_input_chars} are accepted")
    if voice not in VOICES:
        raise BadRequest("voice", f"voice {voice!r} is unknown: choose one of {', '.join(VOICES)}")
    if response_format not in FORMATS:
        raise BadRequest("response_format", f"response_format {response_format!r} is not "
                         f"supported: choose one of {', '.join(FORMATS)}")
    seed = _field(data, "seed", int, VOICES.index(voice))
    if seed < 0:
        raise BadRequest("seed", f"seed {seed} must be 0 or more")
    return SpeechRequest(model, text, voice, response_format, stream, seed)


def _field(data: dict, name: str, kind: type, default=None):
    if name not in data or (default is not None and data[name] is None):
        if default is None:
            raise BadRequest(name, f"{name} is required")
        return default
    value = data[name]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise BadRequest(name, f"{name} must be a {_TYPE_NAMES[kind]}, got "
                         f"{type(value).__name__}")
    return value


_TYPE_NAMES = {str: "string", bool: "boolean", int: "integer"}
