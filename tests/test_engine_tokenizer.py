"""The byte-level tokenizer: UTF-8 bytes as ids, control ids after them, clear errors."""

import pytest
import torch

from ttsbench.engine import tokenizer
from ttsbench.engine.config import PRESETS


def test_ids_are_the_utf8_bytes():
    ids = tokenizer.encode("héllo")
    assert ids.dtype == torch.int64 and ids.shape == (1, 6)
    assert ids[0].tolist() == list("héllo".encode("utf-8"))
    assert tokenizer.decode(ids) == "héllo"


def test_control_ids_follow_the_bytes_and_fit_every_preset():
    assert (tokenizer.TTS_PAD, tokenizer.TTS_BOS, tokenizer.TTS_EOS) == (256, 257, 258)
    assert tokenizer.decode(torch.tensor([104, tokenizer.TTS_BOS, 105])) == "hi"
    for config in PRESETS.values():
        assert config.talker.text_vocab_size >= tokenizer.VOCAB_SIZE


@pytest.mark.parametrize("text, message", [("", "empty"), (None, "str"), (b"abc", "str")])
def test_bad_text_is_refused(text, message):
    with pytest.raises(ValueError, match=message):
        tokenizer.encode(text)
