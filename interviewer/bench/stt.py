"""``interviewer bench stt``: how well and how fast the candidate's speech becomes text.

Builds its own test set: the answers in ``stt_corpus`` spoken by two synthetic voices
(Piper en_US-joe-medium and espeak-ng), clean and with noise at 10 dB SNR. Measures word
error rate and glossary-term recall with no biasing, with the glossary ``initial_prompt``
and with faster-whisper ``hotwords``; the real-time factor; and, on a ~60 s answer fed
block by block, the partial-update interval and the time from end of speech to the final
transcript.
"""

from __future__ import annotations

import argparse
import io
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import soundfile

from interviewer import catalog
from interviewer.adapters.stt.audio_in import resample
from interviewer.adapters.stt.streaming import StreamingTranscriber
from interviewer.adapters.stt.whisper import WhisperTranscriber
from interviewer.bench import write_results
from interviewer.bench.stt_corpus import ANSWERS, LONG_ANSWER_PARTS
from interviewer.cli.output import console, print_json
from interviewer.core.glossary import biasing_prompt, normalize_for_matching, terms_in
from interviewer.core.ports import SAMPLE_RATE, Samples

NOISE_SNR_DB = 10.0
BLOCK_SECONDS = 0.1
"""Capture block size the streaming figures are fed in (sounddevice's usual 100 ms)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rubric", default="distributed-systems-design", help="glossary source")
    parser.add_argument(
        "--answers", type=int, default=len(ANSWERS), help="how many answers (default: all 24)"
    )
    parser.add_argument(
        "--model",
        action="append",
        type=Path,
        default=[],
        help="another CTranslate2 Whisper model dir to compare with tiny.en (repeatable)",
    )
    parser.add_argument("--no-noise", action="store_true", help="skip the noisy copies")
    parser.add_argument("--threads", type=int, default=2, help="Whisper CPU threads")


def word_error_rate(reference: str, hypothesis: str) -> tuple[int, int]:
    """(word edits, reference words) after normalising case, punctuation and hyphens."""
    ref = normalize_for_matching(reference).split()
    hyp = normalize_for_matching(hypothesis).split()
    previous = list(range(len(hyp) + 1))
    for i, ref_word in enumerate(ref, 1):
        current = [i] + [0] * len(hyp)
        for j, hyp_word in enumerate(hyp, 1):
            current[j] = min(
                previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref_word != hyp_word)
            )
        previous = current
    return previous[-1], len(ref)


@dataclass
class Clip:
    voice: str
    noise: str
    text: str
    audio: Samples


class Voices:
    """Synthetic speakers. Piper is required; espeak-ng is used when installed."""

    def __init__(self) -> None:
        from interviewer.adapters.tts.piper_voice import PiperSynthesizer

        self.piper = PiperSynthesizer()
        self.espeak = shutil.which("espeak-ng")

    def names(self) -> list[str]:
        return ["piper-joe"] + (["espeak-ng"] if self.espeak else [])

    def speak(self, voice: str, text: str) -> Samples:
        if voice == "piper-joe":
            return resample(self.piper.synthesize(text), self.piper.sample_rate)
        assert self.espeak is not None
        wav = subprocess.run(
            [self.espeak, "--stdout", "-v", "en-us", "-s", "165", text],
            check=True,
            capture_output=True,
        ).stdout
        data, rate = soundfile.read(io.BytesIO(wav), dtype="float32", always_2d=True)
        return resample(data.mean(axis=1), int(rate))


def with_noise(audio: Samples, snr_db: float, seed: int) -> Samples:
    """Pink-ish noise (white, low-passed) at ``snr_db`` below the speech power."""
    rng = np.random.default_rng(seed)
    white = rng.standard_normal(audio.size + 8).astype(np.float32)
    noise = np.convolve(white, np.ones(8) / 8, mode="valid")[: audio.size]
    speech_power = float(np.mean(np.square(audio))) or 1e-6
    noise *= np.sqrt(speech_power / (10 ** (snr_db / 10)) / float(np.mean(np.square(noise))))
    return (audio + noise).astype(np.float32)


def _score(
    transcriber: WhisperTranscriber,
    clips: list[Clip],
    glossary: list[str],
    *,
    prompt: str,
    hotwords: str,
) -> dict[str, Any]:
    edits = words = expected = found = 0
    decode_seconds = audio_seconds = 0.0
    groups: dict[str, list[int]] = {}
    for clip in clips:
        started = time.perf_counter()
        text = transcriber.transcribe(clip.audio, prompt=prompt, hotwords=hotwords or None).text
        decode_seconds += time.perf_counter() - started
        audio_seconds += clip.audio.size / SAMPLE_RATE
        e, n = word_error_rate(clip.text, text)
        wanted = terms_in(clip.text, glossary)
        heard = [t for t in wanted if t in terms_in(text, glossary)]
        edits, words = edits + e, words + n
        expected, found = expected + len(wanted), found + len(heard)
        for key in (clip.voice, clip.noise, f"{clip.voice}/{clip.noise}"):
            group = groups.setdefault(key, [0, 0, 0, 0])
            group[0] += e
            group[1] += n
            group[2] += len(heard)
            group[3] += len(wanted)
    return {
        "wer": round(edits / max(words, 1), 4),
        "term_recall": round(found / max(expected, 1), 4),
        "terms_expected": expected,
        "rtf": round(decode_seconds / max(audio_seconds, 1e-9), 4),
        "audio_seconds": round(audio_seconds, 1),
        "by_condition": {
            key: {
                "wer": round(g[0] / max(g[1], 1), 4),
                "term_recall": round(g[2] / max(g[3], 1), 4),
            }
            for key, g in groups.items()
        },
    }


def _streaming(transcriber: WhisperTranscriber, audio: Samples, prompt: str) -> dict[str, Any]:
    """Feed ``audio`` and 0.5 s of silence in capture-sized blocks as fast as decoding
    allows, then time ``finish``: the usual end of a turn (and always the case when
    hands-free endpointing ends it, after the persona's patience of silence)."""
    padded = np.concatenate([audio, np.zeros(SAMPLE_RATE // 2, np.float32)])
    stream = StreamingTranscriber(transcriber, prompt=prompt)
    block = int(BLOCK_SECONDS * SAMPLE_RATE)
    partial_at: list[float] = []
    decode_times: list[float] = []
    for index in range(0, padded.size, block):
        started = time.perf_counter()
        partial = stream.feed(padded[index : index + block])
        if partial is not None:
            decode_times.append(time.perf_counter() - started)
            partial_at.append(partial.audio_seconds)
    started = time.perf_counter()
    final = stream.finish()
    latency = time.perf_counter() - started
    gaps = np.diff([0.0, *partial_at]) if partial_at else np.zeros(1)
    return {
        "audio_s": round(padded.size / SAMPLE_RATE, 1),
        "partials": len(partial_at),
        "partial_interval_audio_s_max": round(float(gaps.max()), 3),
        "partial_compute_s_mean": round(float(np.mean(decode_times or [0.0])), 3),
        "partial_compute_s_max": round(float(np.max(decode_times or [0.0])), 3),
        "decodes": stream.decodes,
        "final_latency_s": round(latency, 3),
        "final_text": final.text,
    }


def _cut_mid_speech(transcriber: WhisperTranscriber, audio: Samples, prompt: str) -> list[float]:
    """The worst case: the turn ends while a word is still being said (a key pressed
    mid-word). ``finish`` latency at five cut points inside words; each stream gets the
    11.5 s before its cut, about all the uncommitted audio a stream ever holds."""
    frame = SAMPLE_RATE // 20
    loud = [
        i * frame
        for i in range(audio.size // frame)
        if np.sqrt(np.mean(np.square(audio[i * frame : (i + 1) * frame]))) > 0.05
    ]
    picks = [loud[int(len(loud) * share)] for share in (0.3, 0.45, 0.6, 0.75, 0.9)]
    latencies: list[float] = []
    block = int(BLOCK_SECONDS * SAMPLE_RATE)
    for cut in picks:
        stream = StreamingTranscriber(transcriber, prompt=prompt)
        # 11.5 s: the last update then lies 0.5 s before the cut, so finish() has speech
        # left to decode (a multiple of the update interval would let feed() do it).
        lead_in = audio[max(0, cut - int(11.5 * SAMPLE_RATE)) : cut]
        for index in range(0, lead_in.size, block):
            stream.feed(lead_in[index : index + block])
        started = time.perf_counter()
        stream.finish()
        latencies.append(round(time.perf_counter() - started, 3))
    return latencies


def _non_speech(transcriber: WhisperTranscriber, prompt: str) -> dict[str, int]:
    """Words transcribed from 10 s of silence, hiss and loud noise: should all be 0."""
    rng = np.random.default_rng(0)
    seconds = 10 * SAMPLE_RATE
    clips = {
        "silence": np.zeros(seconds, np.float32),
        "hiss": (0.003 * rng.standard_normal(seconds)).astype(np.float32),
        "noise": (0.05 * rng.standard_normal(seconds)).astype(np.float32),
        "hum": (0.1 * np.sin(2 * np.pi * 50 * np.arange(seconds) / SAMPLE_RATE)).astype(np.float32),
    }
    return {
        name: len(transcriber.transcribe(audio, prompt=prompt).words)
        for name, audio in clips.items()
    }


def run(args: argparse.Namespace) -> int:
    rubric = catalog.load_rubrics().get(args.rubric, "rubric")
    glossary = list(rubric.glossary)
    prompt = biasing_prompt(glossary)
    hotwords = " ".join(glossary)
    voices = Voices()
    texts = list(ANSWERS[: max(1, args.answers)])
    clips: list[Clip] = []
    with console.status("synthesizing the spoken answers"):
        for voice in voices.names():
            for number, text in enumerate(texts):
                audio = voices.speak(voice, text)
                clips.append(Clip(voice, "clean", text, audio))
                if not args.no_noise:
                    noisy = with_noise(audio, NOISE_SNR_DB, seed=number)
                    clips.append(Clip(voice, f"noise-{NOISE_SNR_DB:g}dB", text, noisy))
    models: list[tuple[str, Path | None]] = [("tiny.en", None)]
    models += [(str(path), path) for path in args.model]
    figures: dict[str, Any] = {
        "answers": len(texts),
        "voices": voices.names(),
        "clips": len(clips),
        "glossary_terms": len(glossary),
        "models": {},
    }
    variants = {"none": ("", ""), "prompt": (prompt, ""), "hotwords": ("", hotwords)}
    tiny: WhisperTranscriber | None = None
    for name, path in models:
        if tiny is not None:
            # Other models: no biasing against the glossary prompt only, to keep the run
            # short; hotwords are measured on tiny.en.
            variants.pop("hotwords", None)
        loaded_at = time.perf_counter()
        transcriber = WhisperTranscriber(path, threads=args.threads, prompt="")
        load_seconds = time.perf_counter() - loaded_at
        tiny = tiny or transcriber
        results: dict[str, Any] = {"load_s": round(load_seconds, 2)}
        for variant, (variant_prompt, variant_hotwords) in variants.items():
            with console.status(f"{name}: transcribing {len(clips)} clips, biasing={variant}"):
                results[variant] = _score(
                    transcriber, clips, glossary, prompt=variant_prompt, hotwords=variant_hotwords
                )
            console.print(
                f"{name:<10} biasing={variant:<9} WER {results[variant]['wer']:.1%}  "
                f"term recall {results[variant]['term_recall']:.1%}  "
                f"RTF {results[variant]['rtf']:.3f}"
            )
        figures["models"][name] = results
    assert tiny is not None
    # Recall of the terms is what biasing is for, but not at the price of the other words.
    tiny_results = figures["models"]["tiny.en"]
    best = max(
        ("none", "prompt", "hotwords"),
        key=lambda v: tiny_results[v]["term_recall"] - tiny_results[v]["wer"],
    )
    figures["best_biasing"] = best
    figures["default_biasing"] = "prompt"

    long_text = " ".join(ANSWERS[i] for i in LONG_ANSWER_PARTS)
    gap = np.zeros(int(0.4 * SAMPLE_RATE), np.float32)
    long_audio = np.concatenate(
        [np.concatenate([voices.speak("piper-joe", ANSWERS[i]), gap]) for i in LONG_ANSWER_PARTS]
    )[: -gap.size]
    with console.status("batch transcription of the long answer"):
        started = time.perf_counter()
        batch = tiny.transcribe(long_audio, prompt=prompt)
        batch_seconds = time.perf_counter() - started
    long_seconds = long_audio.size / SAMPLE_RATE
    streaming: list[dict[str, Any]] = []
    with console.status("streaming the long answer"):
        result = _streaming(tiny, long_audio, prompt)
    final_text = result.pop("final_text")
    e, n = word_error_rate(batch.text, final_text)
    result["final_vs_batch_wer"] = round(e / max(n, 1), 4)
    e, n = word_error_rate(long_text, final_text)
    result["final_wer"] = round(e / max(n, 1), 4)
    with console.status("finishing mid-word"):
        result["final_latency_mid_word_s"] = _cut_mid_speech(tiny, long_audio, prompt)
    streaming.append(result)
    figures["non_speech"] = _non_speech(tiny, prompt)
    e, n = word_error_rate(long_text, batch.text)
    figures["long_answer"] = {
        "audio_s": round(long_seconds, 1),
        "batch_s": round(batch_seconds, 2),
        "batch_rtf": round(batch_seconds / long_seconds, 4),
        "batch_wer": round(e / max(n, 1), 4),
        "streaming": streaming,
    }
    path = write_results("stt", figures)
    if args.json:
        print_json(figures)
        return 0
    console.print(
        f"long answer {long_seconds:.0f} s: batch {batch_seconds:.2f} s "
        f"(RTF {batch_seconds / long_seconds:.3f}, WER {e / max(n, 1):.1%})"
    )
    for result in streaming:
        console.print(
            f"streaming {result['audio_s']} s: {result['partials']} partials, max "
            f"{result['partial_interval_audio_s_max']} s of audio between them, compute per "
            f"partial mean {result['partial_compute_s_mean']} s / max "
            f"{result['partial_compute_s_max']} s; final ready {result['final_latency_s']} s "
            f"after finish() at a pause, {result['final_latency_mid_word_s']} s when cut "
            f"mid-word; final WER {result['final_wer']:.1%} "
            f"(vs batch text {result['final_vs_batch_wer']:.1%})"
        )
    console.print(
        "words invented on non-speech: "
        + ", ".join(f"{k} {v}" for k, v in figures["non_speech"].items())
    )
    console.print(f"best biasing for term recall: {best} (default: prompt)")
    console.print(f"results: {path}")
    return 0
