"""The special-token suppression mask: which ids, EOS spared, built once and reused."""

import pytest
import torch

from ttsbench.engine.kernels.suppression import suppress_special_tokens, suppression_mask

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("vocab, eos", [(3072, 2150), (151936, 151643), (3072, None), (4000, 5)])
def test_masks_the_last_1024_ids_except_eos(device, vocab, eos):
    mask = suppression_mask(vocab, eos, device=device).cpu()
    want = [vocab - 1024 <= i < vocab and i != eos for i in range(vocab)]
    assert mask.tolist() == want


def test_mask_is_built_once_per_key():
    first = suppression_mask(3072, 2150, device="cpu")
    assert suppression_mask(3072, 2150, device=torch.device("cpu")) is first
    assert suppression_mask(3072, 2151, device="cpu") is not first
    assert suppression_mask(3073, 2150, device="cpu") is not first


@pytest.mark.parametrize("device", DEVICES)
def test_suppress_sets_minus_infinity_out_of_place(device):
    logits = torch.randn(2, 3072, generator=torch.Generator().manual_seed(0)).to(device)
    before = logits.clone()
    out = suppress_special_tokens(logits, 2150)
    assert torch.equal(logits, before)
    assert torch.isneginf(out[:, 2048:2150]).all() and torch.isneginf(out[:, 2151:]).all()
    assert torch.equal(out[:, :2048], logits[:, :2048]) and torch.equal(out[:, 2150],
                                                                        logits[:, 2150])


@pytest.mark.parametrize("kwargs, name", [
    (dict(vocab=0, eos_token_id=None), "vocab"),
    (dict(vocab=500, eos_token_id=None), "num_special"),
    (dict(vocab=3072, eos_token_id=-1), "eos_token_id"),
    (dict(vocab=3072, eos_token_id=None, num_special=0), "num_special"),
])
def test_bad_arguments_name_the_parameter(kwargs, name):
    with pytest.raises(ValueError, match=name):
        suppression_mask(**kwargs)


def test_rejects_integer_logits():
    with pytest.raises(ValueError, match="logits"):
        suppress_special_tokens(torch.zeros(3072, dtype=torch.long), None)
