"""`ttsbench synth` writes a 24 kHz mono WAV; bad options are one line and exit code 2."""

import wave

import pytest
import torch

from ttsbench.cli import main


def _read_wav(path):
    with wave.open(str(path), "rb") as wav:
        return wav.getnchannels(), wav.getframerate(), wav.getsampwidth(), wav.getnframes()


def test_synth_writes_a_24khz_wav_of_the_generated_frames(tmp_path, capsys):
    out = tmp_path / "hello.wav"
    code = main(["synth", "--text", "Hello world.", "--preset", "tiny", "--device", "cpu",
                 "--out", str(out), "--max-frames", "5", "--fixed-length"])
    assert code == 0
    assert _read_wav(out) == (1, 24000, 2, 5 * 1920)
    assert str(out) in capsys.readouterr().out


def test_synth_default_length_follows_the_text(tmp_path):
    out = tmp_path / "hello.wav"
    assert main(["synth", "--text", "Hello world.", "--out", str(out)]) == 0
    channels, rate, _, samples = _read_wav(out)
    assert (channels, rate) == (1, 24000)
    assert 0 < samples <= 10 * 1920  # 12 characters: at most 10 frames, fewer on EOS
    assert samples % 1920 == 0


GOOD = {"--text": "Hello.", "--preset": "tiny", "--device": "cpu", "--dtype": "float32"}
BAD_OPTIONS = [
    ({"--preset": "huge"}, "--preset"),
    ({"--dtype": "float8"}, "--dtype"),
    ({"--device": "tpu"}, "--device"),
    ({"--max-frames": "0"}, "--max-frames"),
    ({"--text": "   "}, "--text"),
    ({"--out": "/nonexistent-dir/x.wav"}, "--out"),
    ({"--cuda-graphs": None}, "--cuda-graphs"),
]
if not torch.cuda.is_available():
    BAD_OPTIONS.append(({"--device": "cuda"}, "--device"))


@pytest.mark.parametrize(("override", "option"), BAD_OPTIONS)
def test_bad_option_is_one_line_and_exit_2(tmp_path, capsys, override, option):
    options = {**GOOD, "--out": str(tmp_path / "x.wav"), **override}
    argv = ["synth"]
    for name, value in options.items():
        argv += [name] if value is None else [name, value]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("ttsbench synth: error:")
    assert option in err
    assert not (tmp_path / "x.wav").exists()
