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


def test_voice_clone_then_continue_from_the_saved_codes(tmp_path):
    fixtures = __import__("pathlib").Path(__file__).resolve().parents[1] / "fixtures"
    codes = tmp_path / "codes.npy"
    assert main(["synth", "--text", "Hello.", "--out", str(tmp_path / "a.wav"), "--max-frames",
                 "3", "--fixed-length", "--mode", "voice-clone", "--reference",
                 str(fixtures / "reference_10s.wav"), "--codes-out", str(codes)]) == 0
    assert main(["synth", "--text", "Hello.", "--out", str(tmp_path / "b.wav"), "--max-frames",
                 "2", "--fixed-length", "--mode", "continue", "--codes", str(codes),
                 "--variant", "tiny-customvoice", "--speaker", "aiden"]) == 0
    assert _read_wav(tmp_path / "b.wav") == (1, 24000, 2, 2 * 1920)


@pytest.mark.parametrize(("argv", "option"), [
    (["--mode", "continue"], "--mode continue needs codes"),
    (["--codes", "{tmp}/missing.npy", "--mode", "continue"], "--codes"),
    (["--codes", "{tmp}/float.npy", "--mode", "continue"], "--codes"),
    (["--codes", "{tmp}/wrong.npy", "--mode", "continue"], "--mode continue: codes"),
    (["--mode", "voice-clone", "--reference", "{tmp}/quiet.wav"], "--reference"),
    (["--mode", "voice-clone", "--reference", "{tmp}/low.wav"], "--reference"),
    (["--variant", "tiny-voicedesign", "--mode", "voice-clone"], "--mode"),
    (["--variant", "tiny-customvoice", "--speaker", "bob"], "--speaker"),
    (["--arch", "fused"], "--arch"),
    (["--variant", "huge-base"], "--variant"),
])
def test_bad_mode_inputs_are_one_line_and_exit_2(tmp_path, capsys, argv, option):
    import numpy as np

    from ttsbench.engine.audio import write_wav

    np.save(tmp_path / "float.npy", np.zeros((1, 16, 2), dtype=np.float32))
    np.save(tmp_path / "wrong.npy", np.zeros((16, 2), dtype=np.int64))
    write_wav(tmp_path / "quiet.wav", torch.zeros(48_000), 24_000)
    write_wav(tmp_path / "low.wav", 0.3 * torch.ones(48_000), 16_000)
    argv = [arg.format(tmp=tmp_path) for arg in argv]
    assert main(["synth", "--text", "Hi.", "--out", str(tmp_path / "x.wav"), *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("ttsbench synth: error:")
    assert option in err
