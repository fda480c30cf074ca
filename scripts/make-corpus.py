#!/usr/bin/env python3
"""Generates ONE Lab's spoken-command corpus with Debian's espeak-ng, MBROLA, SVOX Pico and festival
(Python standard library only; `scripts/corpus-deps.sh` installs the synthesisers).

Three kinds of speaker, each saying all nine commands:

- training (espeak-ng, MBROLA, Pico): the 8 English accents x 6 voice variants of the first
  corpus, and, for variety, every espeak-ng language whose voice reads the English commands as
  words, each with a voice variant of its own (cycling through every variant but the validation
  ones) at a seeded speed and pitch; every MBROLA voice espeak-ng drives (its diphones, espeak-ng's
  phonemes for the voice's language) and Pico's six languages four times each, at seeded speeds
  and pitches. A voice is left out if any of its nine utterances is voiced longer than 1.2 s
  (ONE listens for 12 steps of 100 ms): such voices spell the words out letter by letter; or
  shorter than 0.2 s: MBROLA voices without diphones for English sounds drop parts of words.
- validation (espeak-ng): the 8 English accents x voice variants m4 and f3, which training never
  hears (the first corpus's validation speakers, unchanged).
- cross (festival): a synthesiser training never hears. Festival's English voice ked and its
  Italian, Czech, Finnish, Russian and Catalan voices read the English commands, each at three
  durations (Duration_Stretch 0.85, 1, 1.2; the HTS voice ignores it and speaks once). No voice
  of flite, of the CMU Arctic set or the kal diphone is used anywhere: the lab keeps those for an
  outside judge. Festival's Indian-language voices crash on Latin text and are left out.

Audio is resampled to 16 kHz, trimmed to the voiced part (plus 50 ms either side) and stored as
8-bit mu-law, all utterances concatenated in corpus.bin, with manifest.json giving each speaker
and each utterance's speaker, text, offset, length and SHA-256. Run from the repository root:

    python3 scripts/make-corpus.py [--out DIR] [--training base|languages|all]

The default (all training speakers) writes www/corpus, which is committed, so neither the page
nor the tests need the synthesisers. For comparisons (`onelab run --corpus DIR`), `--training
base` keeps only the 48 English training speakers (the first corpus's) and `--training
languages` only the espeak-ng ones (the corpus before MBROLA and Pico). The run is
reproducible: speeds, pitches and variants come from fixed seeds, and the synthesisers are
deterministic.
"""
import argparse
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
# Festival's voices (Debian packages festvox-*), language first.
FESTIVAL_VOICES = [
    ("en", "ked_diphone"),
    ("it", "lp_diphone"),
    ("it", "pc_diphone"),
    ("cs", "czech_dita"),
    ("cs", "czech_krb"),
    ("cs", "czech_machac"),
    ("cs", "czech_ph"),
    ("fi", "hy_fi_mv_diphone"),
    ("fi", "suo_fi_lj_diphone"),
    ("ru", "msu_ru_nsh_clunits"),
    ("ca", "upc_ca_ona_hts"),
]
FESTIVAL_STRETCHES = [0.85, 1.0, 1.2]
PICO_LANGUAGES = ["en-US", "en-GB", "de-DE", "es-ES", "fr-FR", "it-IT"]
PICO_RENDITIONS = 4
RATE = 16000
PAD = RATE // 20  # 50 ms kept around the voiced part
LONGEST = 1.2  # seconds: ONE's listening phase
SHORTEST = 0.2  # seconds: espeak-ng's, festival's and Pico's shortest word is 0.22 s


def read_wav(path):
    with wave.open(path) as w:
        assert w.getsampwidth() == 2, path
        pcm = w.readframes(w.getnframes())
        if w.getnchannels() == 2:
            pcm = audioop.tomono(pcm, 2, 0.5, 0.5)
        pcm, _ = audioop.ratecv(pcm, 2, 1, w.getframerate(), RATE, None)
    return pcm


def espeak(voice, speed, pitch, text):
    with tempfile.NamedTemporaryFile(suffix=".wav") as f:
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "-w", f.name, text],
                       check=True, capture_output=True)
        return read_wav(f.name)


def pico(language, speed, pitch, text):
    with tempfile.NamedTemporaryFile(suffix=".wav") as f:
        markup = f"<speed level='{speed}'><pitch level='{pitch}'>{text}</pitch></speed>"
        subprocess.run(["pico2wave", "-l", language, "-w", f.name, markup], check=True, capture_output=True)
        return read_wav(f.name)


def festival(voice, stretch, text):
    with tempfile.NamedTemporaryFile(suffix=".wav") as f:
        subprocess.run(["text2wave", "-eval", f"(voice_{voice})", "-eval", f"(Parameter.set 'Duration_Stretch {stretch})",
                        "-o", f.name], input=text.encode(), check=True, capture_output=True)
        return read_wav(f.name)


def trim(pcm):
    """Keeps the span whose 10 ms frames exceed 2% of the loudest frame, plus PAD either side."""
    frame = RATE // 100
    energy = [audioop.rms(pcm[i * 2:(i + frame) * 2], 2) for i in range(0, len(pcm) // 2 - frame, frame)]
    loud = [i for i, e in enumerate(energy) if e > 0.02 * max(energy)]
    start = max(0, loud[0] * frame - PAD)
    end = min(len(pcm) // 2, (loud[-1] + 1) * frame + PAD)
    return pcm[start * 2:end * 2]


def espeak_languages():
    """Every espeak-ng language but English, in the order `espeak-ng --voices` lists them."""
    out = subprocess.run(["espeak-ng", "--voices"], check=True, capture_output=True, text=True).stdout
    langs = [line.split()[1] for line in out.splitlines()[1:]]
    return sorted({lang for lang in langs if not lang.startswith("en")})


def mbrola_voices():
    """Every MBROLA voice espeak-ng knows ("mb-us1", "mb-de4-en", ...), in its order."""
    out = subprocess.run(["espeak-ng", "--voices=mb"], check=True, capture_output=True, text=True).stdout
    return [line.split()[4].removeprefix("mb/") for line in out.splitlines()[1:]]


def whole_words(audio):
    """Every utterance voiced for SHORTEST to LONGEST seconds: longer ones spell the words out,
    shorter ones lost sounds (an MBROLA voice lacking diphones for English says parts of words)."""
    return all(SHORTEST * RATE <= len(pcm) // 2 <= LONGEST * RATE for pcm in audio.values())


def speaker(id, synth, accent, variant, speed, pitch, split):
    """A speaker's manifest entry."""
    return dict(id=id, synth=synth, accent=accent, variant=variant, speed=speed, pitch=pitch, split=split)


def said(s):
    """Speaker `s` saying every command through espeak-ng, each trimmed."""
    return {c: trim(espeak(s["id"], s["speed"], s["pitch"], c)) for c in COMMANDS}


def espoken(s):
    """`said(s)`, or None when it cannot be: a voice espeak-ng lists but cannot load, an MBROLA
    voice whose database is missing or that says nothing for English, or one that fails
    `whole_words`."""
    try:
        audio = said(s)
    except (subprocess.CalledProcessError, wave.Error, EOFError, IndexError):
        return None
    return audio if whole_words(audio) else None


def variants():
    """Every espeak-ng voice variant ("m1", "klatt3", "whisper", ...)."""
    out = subprocess.run(["espeak-ng", "--voices=variant"], check=True, capture_output=True, text=True).stdout
    files = [line.split(None, 4)[4].strip().removeprefix("!v/") for line in out.splitlines()[1:]]
    return sorted(f for f in files if " " not in f)  # "Mr serious" cannot be named after a "+"


def speakers_and_audio(training):
    """Yields (speaker, {command: trimmed pcm}) for every speaker, in the manifest's order."""
    rng = random.Random(2018)
    english = []
    for split, names in (("train", TRAIN_VARIANTS), ("validation", VALIDATION_VARIANTS)):
        for variant in names:
            for accent in ACCENTS:
                english.append(speaker(f"{accent}+{variant}", "espeak-ng", accent, variant,
                                       rng.randrange(130, 191), rng.randrange(25, 76), split))
    for s in english:
        yield s, said(s)
    if training in ("languages", "all"):
        rng = random.Random(2026)
        pool = [v for v in variants() if v not in VALIDATION_VARIANTS]
        rng.shuffle(pool)
        for k, lang in enumerate(espeak_languages()):
            variant = pool[k % len(pool)]
            s = speaker(f"{lang}+{variant}", "espeak-ng", lang, variant,
                        rng.randrange(110, 221), rng.randrange(10, 91), "train")
            audio = espoken(s)
            if audio:
                yield s, audio
    if training == "all":
        rng = random.Random(2027)
        for voice in mbrola_voices():
            s = speaker(voice, "mbrola", voice, voice,
                        rng.randrange(120, 201), rng.randrange(20, 81), "train")
            audio = espoken(s)
            if audio:
                yield s, audio
        rng = random.Random(2028)
        for language in PICO_LANGUAGES:
            for k in range(PICO_RENDITIONS):
                s = speaker(f"pico-{language}-{k + 1}", "pico", language, language,
                            rng.randrange(80, 131), rng.randrange(75, 131), "train")
                audio = {c: trim(pico(language, s["speed"], s["pitch"], c)) for c in COMMANDS}
                if whole_words(audio):
                    yield s, audio
    for lang, voice in FESTIVAL_VOICES:
        for stretch in FESTIVAL_STRETCHES if not voice.endswith("_hts") else [1.0]:
            s = speaker(f"festival-{voice}-{round(100 * stretch)}", "festival", lang, voice,
                        round(100 * stretch), 0, "cross")
            yield s, {c: trim(festival(voice, stretch, c)) for c in COMMANDS}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default=os.path.join("www", "corpus"))
    p.add_argument("--training", choices=["base", "languages", "all"], default="all")
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    blob = bytearray()
    speakers, utterances = [], []
    for s, audio in speakers_and_audio(args.training):
        speakers.append(s)
        for text in COMMANDS:
            mulaw = audioop.lin2ulaw(audio[text], 2)
            utterances.append({
                "speaker": s["id"],
                "text": text,
                "offset": len(blob),
                "samples": len(mulaw),
                "sha256": hashlib.sha256(mulaw).hexdigest(),
            })
            blob += mulaw
    with open(os.path.join(args.out, "corpus.bin"), "wb") as f:
        f.write(blob)
    manifest = {
        "format": "onelab-corpus",
        "version": 2,
        "sample_rate": RATE,
        "encoding": "mu-law, 8 bits per sample (ITU-T G.711)",
        "speed": "espeak-ng, mbrola: words per minute; pico: percent of its rate; festival: percent of the voice's durations",
        "pitch": "espeak-ng, mbrola: 0 to 99; pico: percent of its pitch; festival: 0, the voice's own",
        "commands": COMMANDS,
        "speakers": speakers,
        "utterances": utterances,
        "corpus_sha256": hashlib.sha256(blob).hexdigest(),
    }
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    count = {split: sum(s["split"] == split for s in speakers) for split in ("train", "validation", "cross")}
    print(f"{len(speakers)} speakers ({count['train']} training, {count['validation']} validation, {count['cross']} "
          f"cross-synthesiser), {len(utterances)} utterances, {len(blob) / 1e6:.1f} MB of audio")


if __name__ == "__main__":
    main()
