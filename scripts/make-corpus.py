#!/usr/bin/env python3
"""Generates ONE Lab's spoken-command corpus with Debian's espeak-ng (Python standard library only).

Speakers are (accent, voice variant, speed, pitch) combinations; the training and validation
speakers share no voice variant. Every speaker says every command. Audio is resampled to 16 kHz,
trimmed to the voiced part (plus 50 ms either side) and stored as 8-bit mu-law, all utterances
concatenated in www/corpus/corpus.bin, with www/corpus/manifest.json giving each utterance's
speaker, text, offset, length and SHA-256. Run from the repository root:

    python3 scripts/make-corpus.py

The output is committed, so neither the page nor the tests need espeak-ng. The run is
reproducible: speeds and pitches come from a fixed seed, and espeak-ng is deterministic.
"""
import audioop
import hashlib
import json
import os
import random
import subprocess
import tempfile
import wave

COMMANDS = ["north east", "north west", "south east", "south west", "center", "tree", "house", "bird", "dog"]
ACCENTS = ["en-us", "en-gb", "en-gb-scotland", "en-029", "en-gb-x-rp", "en-gb-x-gbclan", "en-gb-x-gbcwmd", "en-us-nyc"]
TRAIN_VARIANTS = ["m1", "m2", "m3", "f1", "f2", "f4"]
VALIDATION_VARIANTS = ["m4", "f3"]
RATE = 16000
PAD = RATE // 20  # 50 ms kept around the voiced part
OUT = os.path.join("www", "corpus")


def synthesise(voice, speed, pitch, text):
    with tempfile.NamedTemporaryFile(suffix=".wav") as f:
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "-w", f.name, text], check=True)
        with wave.open(f.name) as w:
            assert w.getnchannels() == 1 and w.getsampwidth() == 2
            pcm = w.readframes(w.getnframes())
            pcm, _ = audioop.ratecv(pcm, 2, 1, w.getframerate(), RATE, None)
    return pcm


def trim(pcm):
    """Keeps the span whose 10 ms frames exceed 2% of the loudest frame, plus PAD either side."""
    frame = RATE // 100
    energy = [audioop.rms(pcm[i * 2:(i + frame) * 2], 2) for i in range(0, len(pcm) // 2 - frame, frame)]
    loud = [i for i, e in enumerate(energy) if e > 0.02 * max(energy)]
    start = max(0, loud[0] * frame - PAD)
    end = min(len(pcm) // 2, (loud[-1] + 1) * frame + PAD)
    return pcm[start * 2:end * 2]


def main():
    rng = random.Random(2018)
    speakers = []
    for split, variants in (("train", TRAIN_VARIANTS), ("validation", VALIDATION_VARIANTS)):
        for variant in variants:
            for accent in ACCENTS:
                speakers.append({
                    "id": f"{accent}+{variant}",
                    "accent": accent,
                    "variant": variant,
                    "speed": rng.randrange(130, 191),
                    "pitch": rng.randrange(25, 76),
                    "split": split,
                })
    os.makedirs(OUT, exist_ok=True)
    blob = bytearray()
    utterances = []
    for s in speakers:
        for text in COMMANDS:
            pcm = trim(synthesise(s["id"], s["speed"], s["pitch"], text))
            mulaw = audioop.lin2ulaw(pcm, 2)
            utterances.append({
                "speaker": s["id"],
                "text": text,
                "offset": len(blob),
                "samples": len(mulaw),
                "sha256": hashlib.sha256(mulaw).hexdigest(),
            })
            blob += mulaw
    with open(os.path.join(OUT, "corpus.bin"), "wb") as f:
        f.write(blob)
    manifest = {
        "format": "onelab-corpus",
        "version": 1,
        "sample_rate": RATE,
        "encoding": "mu-law, 8 bits per sample (ITU-T G.711)",
        "commands": COMMANDS,
        "speakers": speakers,
        "utterances": utterances,
        "corpus_sha256": hashlib.sha256(blob).hexdigest(),
    }
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    print(f"{len(speakers)} speakers, {len(utterances)} utterances, {len(blob) / 1e6:.1f} MB of audio")


if __name__ == "__main__":
    main()
