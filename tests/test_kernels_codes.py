"""codes_to_tensor: frames [T][16] -> int64 [1, 16, T], codebook-major, with checked input."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from ttsbench.engine.kernels.codes import codes_to_tensor

frames_arrays = st.integers(1, 8).flatmap(
    lambda k: arrays(np.int32, st.tuples(st.integers(0, 40), st.just(k)),
                     elements=st.integers(0, 2047)))


@settings(max_examples=60, deadline=None)
@given(frames_arrays, st.booleans())
def test_round_trip_from_numpy_and_lists(frames, as_list):
    k = frames.shape[1]
    source = frames.tolist() if as_list and len(frames) else frames
    packed = codes_to_tensor(source, num_codebooks=k)
    assert packed.dtype == torch.int64 and packed.shape == (1, k, frames.shape[0])
    np.testing.assert_array_equal(packed[0].numpy().T, frames)


def test_layout_is_codebook_major():
    frames = [[t * 100 + k for k in range(16)] for t in range(3)]
    packed = codes_to_tensor(frames)
    assert packed[0, 5, 2].item() == 205 and packed[0, 0, 1].item() == 100


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_device_argument_places_the_result():
    assert codes_to_tensor([[0] * 16], device="cuda").device.type == "cuda"


@pytest.mark.parametrize("frames, match", [
    ([[1] * 15], "frames: expected shape"),
    ([[1] * 16, [1] * 15], "rectangular"),
    ([[1.0] * 16], "integer"),
    ([[True] * 16], "integer"),
    ([[2048] * 16], "id 2048 out of range"),
    ([[-1] + [0] * 15], "id -1 out of range"),
    (np.zeros((2, 3, 16), dtype=np.int64), "frames: expected shape"),
    ("abc", "integer"),
])
def test_bad_frames_raise_value_error(frames, match):
    with pytest.raises(ValueError, match=match):
        codes_to_tensor(frames)


def test_bad_sizes_raise_value_error():
    with pytest.raises(ValueError, match="num_codebooks"):
        codes_to_tensor([[0]], num_codebooks=0)
    with pytest.raises(ValueError, match="codebook_size"):
        codes_to_tensor([[0] * 16], codebook_size=-4)
