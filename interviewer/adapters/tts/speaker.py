"""The interviewer's voice: sentences synthesized and played in the background, stopped
at once when the candidate starts talking.

Synthesis runs one sentence ahead of playback on its own thread, so the gap between
sentences is the synthesis time of nothing at all once the first one is out. The fallback
chain is Piper (bundled voice) -> espeak-ng -> text only; ``backend`` says which one is in
use, and ``note`` says why a better one was not.
"""

from __future__ import annotations

import io
import queue
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Protocol

import numpy as np
import soundfile

from interviewer.adapters import model_assets
from interviewer.core.content import Persona, Voice
from interviewer.core.ports import Samples, Speaker
from interviewer.core.sentences import SentenceSplitter, split_sentences
from interviewer.errors import InterviewerError
from interviewer.settings import TTSSettings

ESPEAK_WORDS_PER_MINUTE = 165
PREFETCHED_SENTENCES = 4
"""Sentences synthesized ahead that are kept (the planned line changes as the answer
goes on; only the latest ones can still be said)."""
PLAYBACK_CHUNK_SECONDS = 0.05
"""How often playback checks for a stop: barge-in silences the voice within ~50 ms."""


class Synthesizer(Protocol):
    sample_rate: int

    def synthesize(self, text: str) -> Samples: ...


class AudioOutput(Protocol):
    """Plays samples; returns early when ``should_stop()`` turns true."""

    def play(self, samples: Samples, sample_rate: int, should_stop: Callable[[], bool]) -> None: ...


class SoundDeviceOutput:
    """The default output device through sounddevice (PortAudio)."""

    def __init__(self, device: str | int | None = None) -> None:
        import sounddevice  # PortAudio missing raises OSError here, not at import of us

        self._sd = sounddevice
        self.device = device

    def play(self, samples: Samples, sample_rate: int, should_stop: Callable[[], bool]) -> None:
        chunk = max(1, int(PLAYBACK_CHUNK_SECONDS * sample_rate))
        with self._sd.OutputStream(
            samplerate=sample_rate, channels=1, dtype="float32", device=self.device
        ) as stream:
            for start in range(0, samples.size, chunk):
                if should_stop():
                    stream.abort()
                    return
                stream.write(np.ascontiguousarray(samples[start : start + chunk]).reshape(-1, 1))


class EspeakSynthesizer:
    """espeak-ng as a subprocess: robotic but always there when Piper is not."""

    def __init__(self, binary: str = "espeak-ng", *, speaking_rate: float = 1.0) -> None:
        found = shutil.which(binary)
        if found is None:
            raise InterviewerError(
                f"{binary} is not installed", fix="sudo apt-get install espeak-ng"
            )
        self.binary = found
        self.words_per_minute = round(ESPEAK_WORDS_PER_MINUTE * speaking_rate)
        self.sample_rate = 22_050
        self.sample_rate = int(self._run("ready")[1])

    def _run(self, text: str) -> tuple[Samples, int]:
        wav = subprocess.run(
            [self.binary, "--stdout", "-v", "en-us", "-s", str(self.words_per_minute), text],
            check=True,
            capture_output=True,
            timeout=30,
        ).stdout
        data, rate = soundfile.read(io.BytesIO(wav), dtype="float32", always_2d=True)
        return data.mean(axis=1).astype(np.float32), int(rate)

    def synthesize(self, text: str) -> Samples:
        return self._run(text)[0]


class SilentSpeaker:
    """Text only: the line is on screen, nothing is played."""

    backend = "text only"

    def __init__(self, note: str = "") -> None:
        self.note = note
        self.spoken: list[str] = []
        """Every sentence that would have been spoken (for tests and transcripts)."""

    def say(self, text: str) -> None:
        self.spoken += split_sentences(text)

    def stop(self) -> None:
        pass

    def wait(self, timeout: float | None = None) -> bool:
        return True

    @property
    def speaking(self) -> bool:
        return False

    def close(self) -> None:
        pass


_END = object()


class VoiceSpeaker:
    """Speaks queued sentences in the background. ``say`` returns at once.

    Safe to call from any thread. ``stop()`` (barge-in) cuts the current sentence within
    one playback chunk and drops everything queued; later ``say`` calls speak normally.
    """

    def __init__(self, synthesizer: Synthesizer, output: AudioOutput, backend: str) -> None:
        self.synthesizer = synthesizer
        self.output = output
        self.backend = backend
        self.note = ""
        self.errors: list[str] = []
        """Synthesis or playback failures; speaking carries on with the next sentence."""
        self._generation = 0
        """Bumped by stop(): work tagged with an older generation is dropped."""
        self._lock = threading.Lock()
        self._texts: queue.Queue[tuple[int, str] | object] = queue.Queue()
        self._audio: queue.Queue[tuple[int, str, Samples] | object] = queue.Queue(maxsize=2)
        self._pending = 0
        self._idle = threading.Condition(self._lock)
        self._prefetched: dict[str, Samples] = {}
        """Sentences synthesized ahead (``prefetch``), newest last; a few are kept."""
        self._prefetch: queue.Queue[str | object] = queue.Queue()
        self._threads = [
            threading.Thread(target=self._synthesize_loop, name="tts-synth", daemon=True),
            threading.Thread(target=self._play_loop, name="tts-play", daemon=True),
            threading.Thread(target=self._prefetch_loop, name="tts-prefetch", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    @property
    def speaking(self) -> bool:
        with self._lock:
            return self._pending > 0

    def say(self, text: str) -> None:
        sentences = split_sentences(text)
        with self._lock:
            generation = self._generation
            self._pending += len(sentences)
        for sentence in sentences:
            self._texts.put((generation, sentence))

    def prefetch(self, text: str) -> None:
        """Synthesize the first sentence of ``text`` now, in the background, in case it
        is said soon: the line the interviewer falls back on when the model's reply is
        late. Said then, its audio starts at once instead of after ~0.3-0.5 s of
        synthesis. Returns at once."""
        sentences = split_sentences(text)
        if sentences:
            self._prefetch.put(sentences[0])

    def stop(self) -> None:
        with self._lock:
            self._generation += 1
        for pending in (self._texts, self._audio):
            while True:
                try:
                    item = pending.get_nowait()
                except queue.Empty:
                    break
                if item is not _END:
                    self._done()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until everything queued was spoken or dropped; False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def close(self) -> None:
        self.stop()
        self._texts.put(_END)
        self._prefetch.put(_END)
        for thread in self._threads:
            thread.join(timeout=2)

    def _stale(self, generation: int) -> bool:
        with self._lock:
            return generation != self._generation

    def _done(self) -> None:
        with self._idle:
            self._pending = max(0, self._pending - 1)
            self._idle.notify_all()

    def _synthesize_loop(self) -> None:
        while True:
            item = self._texts.get()
            if item is _END:
                self._audio.put(_END)
                return
            assert isinstance(item, tuple)
            generation, sentence = item
            if self._stale(generation):
                self._done()
                continue
            with self._lock:
                ready = self._prefetched.pop(sentence, None)
            try:
                samples = ready if ready is not None else self.synthesizer.synthesize(sentence)
            except Exception as error:  # a bad sentence must not kill the voice
                self.errors.append(f"synthesis failed for {sentence[:40]!r}: {error}")
                self._done()
                continue
            self._audio.put((generation, sentence, samples))

    def _prefetch_loop(self) -> None:
        while True:
            sentence = self._prefetch.get()
            if sentence is _END:
                return
            assert isinstance(sentence, str)
            with self._lock:
                if sentence in self._prefetched:
                    continue
            try:
                samples = self.synthesizer.synthesize(sentence)
            except Exception:  # only a head start: saying it later will report the error
                continue
            with self._lock:
                self._prefetched[sentence] = samples
                while len(self._prefetched) > PREFETCHED_SENTENCES:
                    del self._prefetched[next(iter(self._prefetched))]

    def _play_loop(self) -> None:
        while True:
            item = self._audio.get()
            if item is _END:
                return
            assert isinstance(item, tuple)
            generation, _sentence, samples = item
            try:
                if not self._stale(generation):

                    def interrupted(generation: int = generation) -> bool:
                        return self._stale(generation)

                    self.output.play(samples, self.synthesizer.sample_rate, interrupted)
            except Exception as error:  # reported, not raised
                self.errors.append(f"playback failed: {error}")
            finally:
                self._done()


AnySpeaker = VoiceSpeaker | SilentSpeaker


def open_speaker(
    engine: str = "piper",
    *,
    voice_path: Path | None = None,
    speaking_rate: float = 1.0,
    no_voice: bool = False,
    output: AudioOutput | None = None,
    espeak_binary: str = "espeak-ng",
) -> AnySpeaker:
    """The best voice available, falling back Piper -> espeak-ng -> text only.

    ``engine`` is ``settings.tts.engine`` (piper, espeak or none); ``no_voice`` is the
    ``--no-voice`` flag; ``speaking_rate`` is the persona's (1.0 normal, 1.2 faster).
    """
    if no_voice or engine == "none":
        return SilentSpeaker("voice off")
    notes: list[str] = []
    if output is None:
        try:
            output = SoundDeviceOutput()
        except OSError as error:
            return SilentSpeaker(f"no audio output ({error}); text only")
    if engine == "piper":
        try:
            from interviewer.adapters.tts.piper_voice import PiperSynthesizer

            piper = PiperSynthesizer(voice_path, speaking_rate=speaking_rate)
            return VoiceSpeaker(piper, output, f"piper ({piper.voice_path.stem})")
        except Exception as error:  # any Piper failure: try espeak
            notes.append(f"Piper unavailable ({_describe(error)})")
    try:
        espeak = EspeakSynthesizer(espeak_binary, speaking_rate=speaking_rate)
        speaker = VoiceSpeaker(espeak, output, "espeak-ng")
        speaker.note = "; ".join(notes)
        return speaker
    except (InterviewerError, OSError, subprocess.SubprocessError) as error:
        notes.append(f"espeak-ng unavailable ({_describe(error)})")
    return SilentSpeaker("; ".join(notes) + "; text only")


def piper_voice_for(tts_voice: str, configured: Path | None = None) -> Path | None:
    """The Piper voice file to load: ``settings.tts.voice_path`` wins, then a persona's
    ``voice.tts_voice`` given as an .onnx path, then a voice of that name beside the
    bundled one. None means the bundled voice."""
    if configured is not None:
        return configured.expanduser()
    if tts_voice.endswith(".onnx"):
        return Path(tts_voice).expanduser()
    if tts_voice == model_assets.PIPER_VOICE_NAME:
        return None
    try:
        bundled = model_assets.piper_voice_path()
    except InterviewerError:
        return None
    # An unknown name gives a path that does not exist: Piper fails, espeak-ng takes over
    # and the speaker's note names the missing file.
    return bundled.with_name(f"{tts_voice}.onnx")


def speaker_from_settings(
    tts: TTSSettings,
    persona: Persona | None = None,
    *,
    no_voice: bool = False,
    output: AudioOutput | None = None,
) -> AnySpeaker:
    """The speaker for a round: the settings' engine with the persona's voice and rate."""
    voice = persona.voice if persona is not None else Voice()
    return open_speaker(
        tts.engine,
        voice_path=piper_voice_for(voice.tts_voice, tts.voice_path),
        speaking_rate=voice.speaking_rate,
        no_voice=no_voice,
        output=output,
    )


def _describe(error: BaseException) -> str:
    return getattr(error, "message", None) or str(error) or type(error).__name__


def speak_streamed(speaker: Speaker, deltas: Iterable[str]) -> str:
    """Speak an LLM reply as it streams: each sentence as soon as it is complete.

    Returns the whole reply text (for the screen and the transcript).
    """
    splitter = SentenceSplitter()
    parts: list[str] = []
    for delta in deltas:
        parts.append(delta)
        for sentence in splitter.feed(delta):
            speaker.say(sentence)
    rest = splitter.flush()
    if rest:
        speaker.say(rest)
    return "".join(parts).strip()
