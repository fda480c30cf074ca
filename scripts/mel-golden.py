#!/usr/bin/env python3
"""Golden log-mel values for crate/tests/speech.rs, computed independently with numpy.

Writes crate/tests/data/mel_golden.json: the default settings of MelConfig, a synthetic signal
with its log-mel frames, and the frames of the corpus's first utterance (mu-law decoded by
Python's audioop). Run from the repository root after scripts/make-corpus.py.
"""
import audioop
import json

import numpy as np

RATE, WINDOW, HOP, FFT, BANDS = 16000, 400, 160, 512, 16


def mel_filters():
    hz_to_mel = lambda hz: 2595.0 * np.log10(1.0 + hz / 700.0)
    mel_to_hz = lambda m: 700.0 * (10.0 ** (m / 2595.0) - 1.0)
    edges = mel_to_hz(np.linspace(0.0, hz_to_mel(RATE / 2), BANDS + 2))
    freqs = np.arange(FFT // 2 + 1) * RATE / FFT
    filters = np.zeros((BANDS, FFT // 2 + 1))
    for b in range(BANDS):
        lo, mid, hi = edges[b:b + 3]
        rising = (freqs - lo) / (mid - lo)
        falling = (hi - freqs) / (hi - mid)
        filters[b] = np.where((freqs > lo) & (freqs < hi), np.minimum(rising, falling), 0.0)
    return filters


def log_mel(x):
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(WINDOW) / WINDOW)
    count = (len(x) - WINDOW) // HOP + 1
    frames = np.stack([x[f * HOP:f * HOP + WINDOW] * window for f in range(count)])
    power = np.abs(np.fft.rfft(frames, n=FFT)) ** 2
    return np.log(power @ mel_filters().T + 1e-6)


def main():
    n = np.arange(8000)
    signal = (0.5 * np.sin(2 * np.pi * 440 * n / RATE) + 0.25 * np.sin(2 * np.pi * 3000 * n / RATE + 0.3)).astype(np.float32)
    manifest = json.load(open("www/corpus/manifest.json"))
    first = manifest["utterances"][0]
    blob = open("www/corpus/corpus.bin", "rb").read()[first["offset"]:first["offset"] + first["samples"]]
    speech = np.frombuffer(audioop.ulaw2lin(blob, 2), dtype="<i2").astype(np.float32) / 32768.0
    golden = {
        "config": {"sample_rate": RATE, "window": WINDOW, "hop": HOP, "fft": FFT, "bands": BANDS},
        "signal": signal.tolist(),
        "signal_frames": log_mel(signal.astype(np.float64)).round(6).tolist(),
        "utterance": {"speaker": first["speaker"], "text": first["text"]},
        "utterance_frames": log_mel(speech.astype(np.float64)).round(6).tolist(),
    }
    with open("crate/tests/data/mel_golden.json", "w") as f:
        json.dump(golden, f)
    print(f"{len(golden['signal_frames'])} + {len(golden['utterance_frames'])} golden frames")


if __name__ == "__main__":
    main()
