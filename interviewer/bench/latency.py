"""``interviewer bench latency``: how long the candidate waits for the interviewer.

Real turns through the real components, nothing mocked: each spoken answer is fed at
real-time pace through ``VoiceTurn`` (the microphone's capture path: turn file on disk,
Silero VAD, endpointing, streaming Whisper), handed to ``LiveRound`` (the interview
engine with the embedded llama.cpp server) and spoken by ``VoiceSpeaker`` with Piper.

Candidate audio: the answers in ``tests/data/answers/`` cut at sentence ends into pieces
of 25-150 words and spoken once per run by espeak-ng (10-55 s each).

Playback: ``NullOutput`` records the moment ``VoiceSpeaker`` hands it the first sample of
a line (when a sound card would start playing it) and returns at once. Sleeping the audio
out would change no figure (synthesis runs ahead of playback anyway) and would make the
run longer; the container this was built in has no output device.

Push-to-talk: the talk key is toggled on before the turn and toggled off by the source
itself right after it yielded the last speech sample, i.e. on the audio clock, exactly
at the candidate's last word (a live key is released a little after it; that reaction
time is the candidate's, not the app's). Hands-free: the answer is followed by silence
and the endpointer ends the turn after the persona's patience.

Stages (each p50 / p95 over the turns the LLM phrased):
  end of speech -> final transcript: last word (audio clock) to ``VoiceTurn.run`` return
  final transcript -> LLM first token: includes the engine's planning and the prefill
  -> first sentence ready: the first text handed to the speaker
  -> first audio: the first sample handed to the output
  total: the candidate's last word -> the interviewer's first audio

Launch: app start -> the first interviewer audio (the greeting), in a fresh process:
imports, the LLM (cold: the embedded server is started, the GGUF dropped from the page
cache first; warm: a server is already running), Whisper, Silero, Piper, the first line.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import soundfile

from interviewer import catalog, locations
from interviewer.adapters.audio.dsp import resample
from interviewer.core.endpointing import EndpointConfig, TurnMode
from interviewer.core.ports import (
    SAMPLE_RATE,
    AudioBlock,
    ChatMessage,
    ChatModel,
    ChatRequest,
    Samples,
)
from interviewer.core.prompts import words_added
from interviewer.core.sentences import SentenceSplitter

ANSWERS_DIR = locations.REPO_DIR / "tests" / "data" / "answers"
ANSWERS = "jq-*.txt"
"""The job-queue answers: a fixed set, so runs stay comparable as answers are added."""
MIN_WORDS, MAX_WORDS = 25, 150
"""Answer pieces: about 10 s to 55 s at espeak-ng's 165 words per minute."""
LEAD_SILENCE = 0.4
PTT_TAIL = 0.3
"""Push-to-talk: silence after the answer (the key is released before it is reached)."""
SPEECH_LEVEL = 0.01
"""|sample| above this counts as speech when finding the last word of the audio."""


# --------------------------------------------------------------------------- instruments


class NullOutput:
    """``AudioOutput`` that plays nothing and records when each line would start playing."""

    def __init__(self) -> None:
        self.started: list[float] = []
        self._lock = threading.Lock()

    def play(self, samples: Samples, sample_rate: int, should_stop: Callable[[], bool]) -> None:
        with self._lock:
            self.started.append(time.monotonic())

    def first_after(self, since: float) -> float | None:
        with self._lock:
            return next((t for t in self.started if t >= since), None)


@dataclass
class Request:
    sent: float
    first_token: float | None = None
    first_sentence: float | None = None
    done: float | None = None
    max_tokens: int = 0
    asked: ChatRequest | None = None


class TimedChat:
    """``ChatModel`` wrapper that timestamps each request, its first token and its first
    complete sentence (what could be spoken if the reply were streamed to the voice)."""

    def __init__(self, inner: ChatModel) -> None:
        self.inner = inner
        self.requests: list[Request] = []
        self.prompt_cache_warmable = bool(getattr(inner, "prompt_cache_warmable", False))
        self.cpu_gate = getattr(inner, "cpu_gate", None)

    @property
    def model_name(self) -> str:
        return self.inner.model_name

    def stream(
        self, messages: Sequence[ChatMessage], *, max_tokens: int = 256, temperature: float = 0.6
    ) -> Iterator[str]:
        record = Request(
            sent=time.monotonic(),
            max_tokens=max_tokens,
            asked=ChatRequest(tuple(messages), max_tokens, temperature),
        )
        self.requests.append(record)
        splitter = SentenceSplitter()
        deltas = iter(self.inner.stream(messages, max_tokens=max_tokens, temperature=temperature))
        try:
            for delta in deltas:
                now = time.monotonic()
                if record.first_token is None:
                    record.first_token = now
                if record.first_sentence is None and splitter.feed(delta):
                    record.first_sentence = now
                yield delta
        finally:
            record.done = time.monotonic()
            close = getattr(deltas, "close", None)
            if close is not None:
                close()


class TimedSpeaker:
    """``Speaker`` wrapper that records when text is handed to the voice."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.said: list[tuple[float, str]] = []

    def say(self, text: str) -> None:
        self.said.append((time.monotonic(), text))
        self.inner.say(text)

    def stop(self) -> None:
        self.inner.stop()

    def prefetch(self, text: str) -> None:
        self.inner.prefetch(text)

    def wait(self, timeout: float | None = None) -> bool:
        return bool(self.inner.wait(timeout))

    def first_after(self, since: float) -> float | None:
        return next((t for t, _ in self.said if t >= since), None)


class PacedSource:
    """``FileAudioSource`` at real-time pace that knows where the speech ends.

    ``on_speech_end`` is called when the block holding the last speech sample has been
    consumed (push-to-talk: release the key there). ``started`` is the wall time of
    sample 0, so the last word's wall time is ``started + speech_end / SAMPLE_RATE``.
    """

    def __init__(self, audio: Samples, speech_end: int, trailing_silence: float) -> None:
        from interviewer.adapters.audio.files import FileAudioSource

        self._inner = FileAudioSource(
            audio, realtime=True, trailing_silence_seconds=trailing_silence
        )
        self.speech_end = speech_end
        self.started: float | None = None
        self.on_speech_end: Callable[[], None] | None = None

    @property
    def last_word_at(self) -> float:
        assert self.started is not None
        return self.started + self.speech_end / SAMPLE_RATE

    def blocks(self) -> Iterator[AudioBlock]:
        announced = False
        for block in self._inner.blocks():
            if self.started is None:
                self.started = time.monotonic()
            yield block
            end = round(block.started_at * SAMPLE_RATE) + block.samples.size
            if not announced and end >= self.speech_end:
                announced = True
                if self.on_speech_end is not None:
                    self.on_speech_end()

    def stop(self) -> None:
        self._inner.stop()


# --------------------------------------------------------------------------- answers


@dataclass
class Answer:
    name: str
    text: str
    audio: Samples = field(repr=False)
    speech_end: int
    """Sample index just after the last speech sample (LEAD_SILENCE included)."""

    @property
    def seconds(self) -> float:
        return self.speech_end / SAMPLE_RATE


def answer_pieces(max_words: int = MAX_WORDS, pattern: str = ANSWERS) -> list[tuple[str, str]]:
    """(name, text) pieces of the labelled answers, cut at sentence ends."""
    pieces: list[tuple[str, str]] = []
    for path in sorted(ANSWERS_DIR.glob(pattern)):
        sentences = re.split(r"(?<=[.!?])\s+", " ".join(path.read_text().split()))
        chunk: list[str] = []
        part = 0
        for sentence in sentences:
            if chunk and len(" ".join([*chunk, sentence]).split()) > max_words:
                pieces.append((f"{path.stem}#{part}", " ".join(chunk)))
                chunk, part = [], part + 1
            chunk.append(sentence)
        if chunk:
            pieces.append((f"{path.stem}#{part}", " ".join(chunk)))
    kept = [(n, t) for n, t in pieces if min(MIN_WORDS, max_words) <= len(t.split()) <= max_words]
    # Interleave long and short so every round sees both.
    kept.sort(key=lambda p: len(p[1].split()))
    mixed: list[tuple[str, str]] = []
    while kept:
        mixed.append(kept.pop())
        if kept:
            mixed.append(kept.pop(0))
    return mixed


def speak(text: str) -> Samples:
    """``text`` spoken by espeak-ng at 16 kHz, lead silence added, trailing silence cut."""
    wav = subprocess.run(
        ["espeak-ng", "--stdout", "-v", "en-us", "-s", "165", text],
        check=True,
        capture_output=True,
    ).stdout
    data, rate = soundfile.read(io.BytesIO(wav), dtype="float32", always_2d=True)
    audio = resample(data.mean(axis=1), int(rate))
    loud = np.flatnonzero(np.abs(audio) > SPEECH_LEVEL)
    audio = audio[loud[0] : loud[-1] + 1] if loud.size else audio
    lead = np.zeros(round(LEAD_SILENCE * SAMPLE_RATE), np.float32)
    return np.concatenate([lead, audio.astype(np.float32)])


# --------------------------------------------------------------------------- figures


def percentiles(values: Sequence[float]) -> dict[str, float | int | None]:
    if not values:
        return {"p50": None, "p95": None, "n": 0}
    data = np.asarray(values, dtype=np.float64)
    return {
        "p50": round(float(np.percentile(data, 50)), 3),
        "p95": round(float(np.percentile(data, 95)), 3),
        "n": len(values),
    }


def load_average() -> float | None:
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def vm_hwm_mib(pid: int) -> float | None:
    """Peak resident memory of ``pid`` (VmHWM), in MiB; None when unreadable."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


@dataclass
class TurnTiming:
    mode: str
    answer: str
    answer_s: float
    reason: str
    llm: bool
    reply: str
    note: str
    end_to_final_s: float
    capture_to_final_s: float
    """``VoiceTurn.finish_seconds``: end of capture -> final transcript."""
    wait_s: float
    """Last word -> end of capture (hands-free: the persona's patience)."""
    final_to_token_s: float | None
    """A prepared reply's tokens were generated during the pause: 0 when all ready."""
    token_to_sentence_s: float | None
    sentence_to_audio_s: float | None
    total_s: float | None
    stream_sentence_s: float | None
    """Final transcript -> first complete sentence in the LLM stream."""
    words: int
    requests: int
    load_avg: float | None
    """1-minute load average when the turn ended: other work on the machine slows every
    stage (the machine has 2 cores), so figures are only comparable at similar load."""
    prepared: bool = False
    """The reply was generated during the candidate's pause (``LiveRound.prepare_reply``)
    and still fitted the words the turn ended with."""
    preparations: int = 0
    """Replies generated during pauses in this turn (the ones not used were stale)."""
    prepared_fit: str = ""
    """Why the last prepared reply was used or not (empty: none was prepared)."""
    preparations_rejected: int = 0
    """Prepared replies the engine's guard would have rejected (sampled again ahead)."""
    rejected_replies: list[str] = field(default_factory=list)
    """What they said."""


DEADLINE_NOTE = "not ready in time"
PLANNED_QUESTION_NOTE = "the planned question follows"
"""The model reacted to the answer but asked nothing; its reaction, then the planned
question (``guard_reply``)."""
"""In a reply's session note when the planned line was said because the model's reply
missed the first-sentence deadline (``llm.first_sentence_deadline_seconds``)."""

STAGES = (
    ("end_to_final_s", "end of speech -> final transcript"),
    ("final_to_token_s", "final transcript -> LLM first token"),
    ("token_to_sentence_s", "first token -> first sentence ready"),
    ("sentence_to_audio_s", "first sentence -> first audio out"),
    ("total_s", "last word -> first audio (total)"),
)


# --------------------------------------------------------------------------- the run


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--turns", type=int, default=10, help="push-to-talk turns (default 10; 0: skip)"
    )
    parser.add_argument(
        "--hands-free-turns", type=int, default=10, help="hands-free turns (default 10; 0: skip)"
    )
    parser.add_argument("--persona", default="staff-infra")
    parser.add_argument("--rubric", default="distributed-systems-design")
    parser.add_argument(
        "--max-words", type=int, default=MAX_WORDS, help="longest answer piece (default 150)"
    )
    parser.add_argument(
        "--answers", default=ANSWERS, help=f"glob in tests/data/answers (default {ANSWERS})"
    )
    parser.add_argument("--launch", choices=("all", "none"), default="all")
    parser.add_argument(
        "--baseline",
        action="store_true",
        help="turn the latency levers off (speak after the whole reply, no prompt warming)",
    )
    parser.add_argument("--out", default="latency", help="results name (bench/results/NAME)")


def run(args: argparse.Namespace) -> int:
    from interviewer.adapters.audio.vad import SileroVad
    from interviewer.adapters.store.files import FileSessionStore
    from interviewer.adapters.stt.whisper import WhisperTranscriber
    from interviewer.adapters.tts.piper_voice import PiperSynthesizer
    from interviewer.adapters.tts.speaker import VoiceSpeaker
    from interviewer.bench import write_results
    from interviewer.bench.launch import time_launch_to_first_audio
    from interviewer.cli.output import console, err_console, print_json
    from interviewer.llm_runtime import open_llm
    from interviewer.settings import load_settings

    progress = err_console
    settings = load_settings()
    persona = catalog.load_personas().get(args.persona, "persona")
    rubric = catalog.load_rubrics().get(args.rubric, "rubric")
    levers = not args.baseline
    figures: dict[str, Any] = {
        "persona": persona.id,
        "rubric": rubric.id,
        "levers": _lever_names(levers),
        "first_sentence_deadline_s": settings.llm.reply_deadline_seconds if levers else None,
        "output": "null (records the first sample handed to the device; plays nothing)",
        "turn_end": {
            "checks_s": settings.audio.turn_end_check_seconds,
            "threshold": settings.audio.turn_end_threshold,
        },
    }
    launch: dict[str, Any] = {}

    def time_launch(kind: str, label: str, base_url: str | None, drop_cache: bool) -> None:
        progress.print(f"launch, {label}")
        try:
            launch[kind] = time_launch_to_first_audio(
                base_url, persona.id, rubric.id, drop_cache, levers
            )
        except Exception as error:  # a failed probe must not cost the turns measured
            launch[kind] = {"error": str(error)[-500:]}
            progress.print(f"  failed: {launch[kind]['error']}")
            return
        progress.print(f"  first audio after {launch[kind]['first_audio_s']:.2f} s")

    pieces = answer_pieces(args.max_words, args.answers)
    total_turns = args.turns + args.hands_free_turns
    plan = [pieces[i % len(pieces)] for i in range(total_turns)]
    answers: dict[str, Answer] = {}
    with progress.status(f"speaking {len(set(plan))} answers with espeak-ng"):
        for name, text in plan:
            if name not in answers:
                audio = speak(text)
                answers[name] = Answer(name, text, audio, audio.size)
    spoken = [answers[name] for name, _ in plan]
    if spoken:
        progress.print(
            f"{len(spoken)} turns, answers {min(a.seconds for a in spoken):.0f}-"
            f"{max(a.seconds for a in spoken):.0f} s of speech"
        )

    with progress.status("loading Whisper, Silero VAD, Piper and the LLM server"):
        recognizer = WhisperTranscriber.from_settings(settings.stt, glossary=rubric.glossary)
        vad = SileroVad()
        turn_end = _load_turn_end(settings) if levers else None
        output = NullOutput()
        voice = VoiceSpeaker(PiperSynthesizer(), output, "piper")
        runtime = open_llm(settings.llm)
    timings: list[TurnTiming] = []
    try:
        chat = TimedChat(runtime.chat)
        speaker = TimedSpeaker(voice)
        with tempfile.TemporaryDirectory(prefix="bench-latency-") as tmp:
            store = FileSessionStore(Path(tmp))
            modes = [TurnMode.PUSH_TO_TALK] * args.turns + [TurnMode.HANDS_FREE] * (
                args.hands_free_turns
            )
            questions = list(rubric.questions)
            live = None
            asked = 0
            round_no = 0
            for number, (mode, answer) in enumerate(zip(modes, spoken, strict=True), 1):
                if live is None or asked >= persona.followup_depth or live.finished:
                    if live is not None:
                        live.abandon()
                    question = questions[round_no % len(questions)]
                    round_no += 1
                    live = _new_round(
                        store,
                        persona,
                        rubric,
                        question,
                        chat,
                        speaker,
                        levers,
                        settings.llm.reply_deadline_seconds,
                    )
                    live.start()
                    voice.wait(60)
                    asked = 0
                timing = _turn(
                    live,
                    mode,
                    answer,
                    recognizer,
                    vad,
                    chat,
                    speaker,
                    output,
                    voice,
                    levers,
                    tmp,
                    turn_end,
                    tuple(settings.audio.turn_end_check_seconds),
                    settings.audio.turn_end_threshold,
                )
                asked += 1
                timings.append(timing)
                progress.print(_progress_line(number, total_turns, timing))
                # Saved as it goes: a run stopped early still leaves its turns behind.
                write_results(
                    args.out,
                    {
                        **figures,
                        **_summarize(timings),
                        "launch": launch,
                        "complete": False,
                        "turns": [asdict(t) for t in timings],
                    },
                )
            if live is not None:
                live.abandon()
        memory = {
            "bench_process_mib": vm_hwm_mib(os.getpid()),
            "llm_server_mib": vm_hwm_mib(runtime.server.pid)
            if runtime.server is not None and runtime.server.pid is not None
            else None,
        }
        if args.launch == "all":
            time_launch(
                "warm", "warm: the LLM server is already running", runtime.chat.base_url, False
            )
    finally:
        voice.close()
        runtime.close()
    if args.launch == "all":
        time_launch(
            "cold", "cold: server started, model files dropped from the page cache", None, True
        )
        time_launch("cold_cached", "server started again, model files cached", None, False)
    if memory["bench_process_mib"] is not None and memory["llm_server_mib"] is not None:
        memory["total_mib"] = round(memory["bench_process_mib"] + memory["llm_server_mib"], 1)
    figures.update(_summarize(timings))
    figures["launch"] = launch
    figures["peak_memory"] = memory
    figures["turns"] = [asdict(t) for t in timings]
    figures["complete"] = True
    path = write_results(args.out, figures)
    markdown = render_markdown(figures)
    path.with_suffix(".md").write_text(markdown)
    if args.json:
        print_json(figures)
        return 0
    console.print(markdown)
    console.print(f"results: {path} and {path.with_suffix('.md')}")
    return 0


def _load_turn_end(settings: Any) -> Any:
    """The end-of-turn model for hands-free turns, or None (patience only, said so)."""
    from interviewer.adapters.audio.turn_model import SmartTurnDetector, TurnModelUnavailable
    from interviewer.cli.output import err_console

    try:
        return SmartTurnDetector.load(settings.audio.turn_model_path)
    except TurnModelUnavailable as error:
        err_console.print(f"no end-of-turn model ({error.message}): hands-free uses patience")
        return None


def _lever_names(levers: bool) -> list[str]:
    names = [
        "speak-first-sentence-early",
        "warm-prompt-cache",
        "prepare-reply-in-pause (hands-free) / while speaking (push-to-talk)",
        "pause-llm-server-during-speech-decodes",
        "first-sentence-deadline",
    ]
    return names if levers else []


def _new_round(
    store: Any,
    persona: Any,
    rubric: Any,
    question: Any,
    chat: TimedChat,
    speaker: TimedSpeaker,
    levers: bool,
    deadline: float | None = None,
) -> Any:
    from interviewer.live import LiveRound

    live = LiveRound(
        store=store,
        persona=persona,
        rubric=rubric,
        question=question,
        level=persona_level(persona),
        chat=chat,
        speaker=speaker,
        round_minutes=60.0,
        on_event=lambda event: None,
        first_sentence_deadline=deadline if levers else None,
    )
    _set_levers(live, levers)
    return live


def persona_level(persona: Any) -> Any:
    from interviewer.core.content import Level

    return Level.SENIOR


def _set_levers(live: Any, levers: bool) -> None:
    """Switch the latency levers of ``LiveRound`` on or off (baseline runs)."""
    for name in ("speak_early", "warm_prompt", "prepare_replies"):
        if hasattr(live, name):
            setattr(live, name, levers)


def _turn(
    live: Any,
    mode: TurnMode,
    answer: Answer,
    recognizer: Any,
    vad: Any,
    chat: TimedChat,
    speaker: TimedSpeaker,
    output: NullOutput,
    voice: Any,
    levers: bool,
    tmp: str,
    turn_end: Any = None,
    turn_end_checks: tuple[float, ...] = (),
    turn_end_threshold: float = 0.5,
) -> TurnTiming:
    from interviewer.voice import VoiceTurn

    patience = live.engine.persona.patience_seconds
    endpoint = EndpointConfig(
        mode=mode,
        patience_seconds=patience,
        turn_end_check_seconds=turn_end_checks if turn_end is not None else (),
        turn_end_threshold=turn_end_threshold,
    )
    hands_free = mode is TurnMode.HANDS_FREE
    tail = patience * endpoint.hesitation_multiplier + 2.0 if hands_free else PTT_TAIL
    source = PacedSource(answer.audio, answer.speech_end, tail)
    path = Path(tmp) / f"turn-{len(chat.requests)}-{time.monotonic_ns()}.wav"
    on_partial = live.prefill if levers and hasattr(live, "prefill") else None
    prepare = levers and hasattr(live, "prepare_reply")
    turn = VoiceTurn(
        source,
        recognizer,
        path,
        endpoint,
        vad=vad,
        turn_end=turn_end,
        on_partial=on_partial,
        on_pause=live.prepare_reply if prepare and hands_free else None,
        on_resume=live.cancel_prepared if prepare and hands_free else None,
        on_progress=live.prepare_ahead if prepare and not hands_free else None,
        decode_gate=live.cpu_gate if levers else None,
    )
    prepared_before = getattr(live, "prepared_replies_used", 0)
    rejected_before = getattr(live, "prepared_replies_rejected", 0)
    rejected_texts_before = len(getattr(live, "prepared_replies_rejected_texts", []))
    if not hands_free:
        turn.toggle_talk()
        source.on_speech_end = turn.toggle_talk
    requests_before = len(chat.requests)
    result = turn.run()
    final_at = time.monotonic()
    capture_end = final_at - result.finish_seconds
    last_word = source.last_word_at
    live.answer(result.turn)
    voice.wait(60)
    # Replies only: prompt warm-ups (max_tokens=1) are not attempts.
    new = [r for r in chat.requests[requests_before:] if r.sent >= final_at and r.max_tokens > 1]
    prepared = getattr(live, "prepared_replies_used", 0) > prepared_before
    # Replies prepared ahead (LiveRound.prepare_reply in a pause, prepare_ahead while
    # speaking) went out before the final transcript; the one used is the reply.
    ahead = [r for r in chat.requests[requests_before:] if r.sent < final_at and r.max_tokens > 1]
    used = None
    if prepared and live.last_prepared is not None:
        request_used, added = live.last_prepared
        # The same request may have been prepared twice (the probe changed and changed
        # back); the one that had finished when the turn ended is the one replayed.
        matches = [r for r in ahead if r.asked == request_used]
        finished = [r for r in matches if r.first_token is not None and (r.done or 0) < final_at]
        used = (finished or matches)[-1] if matches else None
    prepared_fit = _prepared_fit(ahead[-1] if ahead else None, new[0] if new else None, prepared)
    if used is not None:
        prepared_fit = f"used ({added} words added)"
        new = [used, *new]
    reply = live.engine.session.turns[-1]
    llm = bool(new) and "scripted" not in (reply.note or "")
    request = new[0] if new else None
    first_text = speaker.first_after(final_at)
    first_audio = output.first_after(final_at)

    def gap(start: float | None, end: float | None) -> float | None:
        return None if start is None or end is None else round(end - start, 3)

    token = request.first_token if request else None
    if token is not None:
        token = max(token, final_at)  # a prepared token is there the moment it is asked for
    return TurnTiming(
        mode=mode.value,
        answer=answer.name,
        answer_s=round(answer.seconds, 1),
        reason=result.reason.value if result.reason else "",
        llm=llm,
        reply=reply.text,
        note=reply.note or "",
        end_to_final_s=round(final_at - last_word, 3),
        capture_to_final_s=round(result.finish_seconds, 3),
        wait_s=round(capture_end - last_word, 3),
        final_to_token_s=gap(final_at, token),
        token_to_sentence_s=gap(token, first_text),
        sentence_to_audio_s=gap(first_text, first_audio),
        total_s=gap(last_word, first_audio),
        stream_sentence_s=gap(
            final_at,
            max(request.first_sentence, final_at) if request and request.first_sentence else None,
        ),
        prepared=prepared,
        preparations=len(ahead),
        prepared_fit=prepared_fit,
        preparations_rejected=getattr(live, "prepared_replies_rejected", 0) - rejected_before,
        rejected_replies=getattr(live, "prepared_replies_rejected_texts", [])[
            rejected_texts_before:
        ],
        words=len(result.turn.text.split()),
        requests=len(new),
        load_avg=load_average(),
    )


def _prepared_fit(ahead: Request | None, asked: Request | None, used: bool) -> str:
    if ahead is None or ahead.asked is None:
        return ""
    if used:
        return "used"
    if asked is None or asked.asked is None:
        return "not used: no LLM request after the turn"
    added = words_added(ahead.asked, asked.asked)
    if added is None:
        return "not used: another probe, or the answer changed"
    return f"not used: {added} words added"


def _progress_line(number: int, total: int, t: TurnTiming) -> str:
    def f(value: float | None) -> str:
        return "-" if value is None else f"{value:.2f}"

    return (
        f"turn {number}/{total} {t.mode:<12} {t.answer:<22} {t.answer_s:>4.0f} s: "
        f"final {f(t.end_to_final_s)}  token {f(t.final_to_token_s)}  "
        f"sentence {f(t.token_to_sentence_s)}  audio {f(t.sentence_to_audio_s)}  "
        f"total {f(t.total_s)} s{'' if t.llm else ' (scripted)'}"
        f"{f' (prepared ahead: {t.prepared_fit})' if t.prepared else ''}"
    )


def _summarize(timings: list[TurnTiming]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for mode in (TurnMode.PUSH_TO_TALK, TurnMode.HANDS_FREE):
        rows = [t for t in timings if t.mode == mode.value and t.llm]
        if not [t for t in timings if t.mode == mode.value]:
            continue
        stages: dict[str, Any] = {}
        for key, _label in STAGES:
            stages[key] = percentiles([v for t in rows if (v := getattr(t, key)) is not None])
        stages["capture_to_final_s"] = percentiles([t.capture_to_final_s for t in rows])
        # What the candidate lives with, scripted fallbacks (after LLM faults) included.
        stages["total_all_turns_s"] = percentiles(
            [t.total_s for t in timings if t.mode == mode.value and t.total_s is not None]
        )
        stages["stream_sentence_s"] = percentiles(
            [t.stream_sentence_s for t in rows if t.stream_sentence_s is not None]
        )
        stages["end_to_final_all_turns_s"] = percentiles(
            [t.end_to_final_s for t in timings if t.mode == mode.value]
        )
        stages["total_all_turns_excluding_wait_s"] = percentiles(
            [t.total_s - t.wait_s for t in timings if t.mode == mode.value and t.total_s]
        )
        if mode is TurnMode.HANDS_FREE:
            stages["wait_s"] = percentiles([t.wait_s for t in rows])
            stages["wait_all_turns_s"] = percentiles(
                [t.wait_s for t in timings if t.mode == mode.value]
            )
            stages["total_excluding_wait_s"] = percentiles(
                [t.total_s - t.wait_s for t in rows if t.total_s is not None]
            )
        loads = [t.load_avg for t in timings if t.mode == mode.value and t.load_avg is not None]
        out[mode.value.replace("-", "_")] = {
            "turns": len([t for t in timings if t.mode == mode.value]),
            "llm_turns": len(rows),
            "prepared_in_pause": len([t for t in rows if t.prepared]),
            "preparations": sum(t.preparations for t in timings if t.mode == mode.value),
            "preparations_rejected": sum(
                t.preparations_rejected for t in timings if t.mode == mode.value
            ),
            "deadline_fallbacks": len(
                [t for t in timings if t.mode == mode.value and DEADLINE_NOTE in t.note]
            ),
            "llm_reaction_then_planned_question": len(
                [t for t in rows if PLANNED_QUESTION_NOTE in t.note]
            ),
            "llm_attempts_per_turn": round(
                float(np.mean([t.requests for t in rows])) if rows else 0.0, 2
            ),
            "median_load_avg": round(float(np.median(loads)), 2) if loads else None,
            "ended_by": {
                reason: len([t for t in timings if t.mode == mode.value and t.reason == reason])
                for reason in sorted({t.reason for t in timings if t.mode == mode.value})
            },
            "cut_before_last_word": len(
                [t for t in timings if t.mode == mode.value and t.wait_s < 0]
            ),
            "stages": stages,
        }
    return out


def render_markdown(figures: dict[str, Any]) -> str:
    """The short table the README carries."""

    def cell(stage: dict[str, Any] | None) -> str:
        if not stage or stage.get("p50") is None:
            return "–"
        return f"{stage['p50']:.2f} / {stage['p95']:.2f}"

    ptt = figures.get("push_to_talk", {}).get("stages", {})
    hf = figures.get("hands_free", {}).get("stages", {})
    lines = [
        f"Turn latency, seconds, p50 / p95 ({figures.get('push_to_talk', {}).get('llm_turns', 0)}"
        f" push-to-talk and {figures.get('hands_free', {}).get('llm_turns', 0)} hands-free "
        f"turns phrased by the LLM; persona {figures['persona']}; levers: "
        f"{', '.join(figures['levers']) or 'none'}; median 1-min load average "
        f"{figures.get('push_to_talk', {}).get('median_load_avg')} on "
        f"{os.cpu_count()} cores):",
        "",
        "| stage | push-to-talk | hands-free |",
        "|---|---|---|",
    ]
    for key, label in STAGES:
        lines.append(f"| {label} | {cell(ptt.get(key))} | {cell(hf.get(key))} |")
    lines.append(f"| hands-free silence wait (persona patience) | – | {cell(hf.get('wait_s'))} |")
    lines.append(
        f"| total excluding the silence wait | {cell(ptt.get('total_s'))} | "
        f"{cell(hf.get('total_excluding_wait_s'))} |"
    )
    lines.append(
        f"| **every turn** (planned lines included): end of speech -> final transcript | "
        f"{cell(ptt.get('end_to_final_all_turns_s'))} | "
        f"{cell(hf.get('end_to_final_all_turns_s'))} |"
    )
    lines.append(
        f"| **every turn**: last word -> first audio | "
        f"{cell(ptt.get('total_all_turns_s'))} | {cell(hf.get('total_all_turns_s'))} |"
    )
    lines.append(
        f"| **every turn**: excluding the silence wait | "
        f"{cell(ptt.get('total_all_turns_excluding_wait_s'))} | "
        f"{cell(hf.get('total_all_turns_excluding_wait_s'))} |"
    )
    modes = [figures.get(mode, {}) for mode in ("push_to_talk", "hands_free")]
    lines.append(
        "| replies prepared ahead and used | "
        + " | ".join(f"{m.get('prepared_in_pause', 0)} of {m.get('llm_turns', 0)}" for m in modes)
        + " |"
    )
    lines.append(
        "| LLM turns that were the model's reaction, then the planned question | "
        + " | ".join(
            f"{m.get('llm_reaction_then_planned_question', 0)} of {m.get('llm_turns', 0)}"
            for m in modes
        )
        + " |"
    )
    lines.append(
        "| planned line said, the model's reply not ready in time | "
        + " | ".join(f"{m.get('deadline_fallbacks', 0)} of {m.get('turns', 0)}" for m in modes)
        + " |"
    )
    launch = figures.get("launch", {})
    if launch:
        lines += ["", "| launch -> first interviewer audio | seconds |", "|---|---|"]
        names = {
            "cold": "cold (server started, model file not cached)",
            "cold_cached": "server started, model file cached",
            "warm": "warm (server already running)",
        }
        for key, label in names.items():
            if key in launch and "first_audio_s" in launch[key]:
                lines.append(f"| {label} | {launch[key]['first_audio_s']:.2f} |")
    memory = figures.get("peak_memory", {})
    if memory.get("total_mib"):
        lines += [
            "",
            f"Peak memory (VmHWM): app {memory['bench_process_mib']:.0f} MiB + LLM server "
            f"{memory['llm_server_mib']:.0f} MiB = {memory['total_mib']:.0f} MiB.",
        ]
    return "\n".join(lines) + "\n"
