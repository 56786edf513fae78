"""Benchmark: real-time factor of dictation transcription on this machine's 2 cores.

The real-time factor (RTF) is seconds of work per second of audio: 0.1 means a 5-minute
dictation is ready in 30 s. Side by side in one run, on the same clips and threads:
  * chartdraft: tiny.en int8, greedy (beam 1), voice-activity filter, word timings (our defaults);
  * faster-whisper's defaults: the model's own float weights, beam 5, no filter, no word timings
    (what a user calling ``WhisperModel("tiny.en").transcribe(path)`` gets);
  * each of our choices alone: float32 instead of int8, beam 5 instead of 1, no word timings.
Also the model's load time and the word error rate on jfk.wav (real speech).

Usage: python bench/bench_speech.py [--rounds 5] [--threads 2] [--data DIR]
"""

import argparse
import io
import statistics
import time
from pathlib import Path

import jiwer
import numpy as np
from faster_whisper import WhisperModel
from faster_whisper.audio import decode_audio

from chartdraft.capture.speech.model_files import checked_model_dir

REPO = Path(__file__).resolve().parent.parent
JFK = (
    "And so my fellow Americans, ask not what your country can do for you, "
    "ask what you can do for your country."
)
# name: (compute type, beam size, voice-activity filter, word timings); chartdraft's rows
# decode greedily only (temperature 0, no sampling fallback), as its recognizer does.
CONFIGURATIONS = {
    "chartdraft (int8, beam 1, VAD, word timings)": ("int8", 1, True, True),
    "faster-whisper defaults (float weights, beam 5)": ("default", 5, False, False),
    "float32 instead of int8": ("float32", 1, True, True),
    "beam 5 instead of 1": ("int8", 5, True, True),
    "without word timings": ("int8", 1, True, False),
}
DEFAULTS = "faster-whisper defaults (float weights, beam 5)"


def main() -> int:
    """Run every configuration over the clips and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    args = parser.parse_args()
    clips = {
        name: decode_audio(io.BytesIO((args.data / "audio" / name).read_bytes()))
        for name in ("jfk.wav", "synthetic_dictation_en.wav")
    }
    seconds = sum(len(samples) for samples in clips.values()) / 16_000
    model_dir = str(checked_model_dir(None))
    print(f"tiny.en on {args.threads} threads; {len(clips)} clips, {seconds:.1f} s of audio; "
          f"median of {args.rounds} rounds\n")  # fmt: skip
    print("| configuration | load s | RTF (median) | RTF (best) | x ours | WER jfk.wav |")
    print("|---|---:|---:|---:|---:|---:|")
    ours = None
    for name, (compute, beam, vad, words) in CONFIGURATIONS.items():
        started = time.perf_counter()
        model = WhisperModel(model_dir, device="cpu", compute_type=compute,
                             cpu_threads=args.threads)  # fmt: skip
        load = time.perf_counter() - started
        rounds, text = [], ""
        for _ in range(args.rounds):
            started = time.perf_counter()
            for clip, samples in clips.items():
                heard = _hear(model, samples, beam, vad, words, greedy=name != DEFAULTS)
                if clip == "jfk.wav":
                    text = heard
            rounds.append((time.perf_counter() - started) / seconds)
        rtf = statistics.median(rounds)
        ours = ours or rtf
        print(f"| {name} | {load:.2f} | {rtf:.3f} | {min(rounds):.3f} | {rtf / ours:.2f} | "
              f"{_wer(text):.1%} |")  # fmt: skip
    return 0


def _hear(
    model: WhisperModel, samples: np.ndarray, beam: int, vad: bool, words: bool, *, greedy: bool
) -> str:
    fallback = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)  # faster-whisper's own default
    segments, _info = model.transcribe(
        samples, language="en", beam_size=beam, vad_filter=vad, word_timestamps=words,
        condition_on_previous_text=not greedy, temperature=0.0 if greedy else fallback,
    )  # fmt: skip
    return " ".join(segment.text.strip() for segment in segments)


def _wer(text: str) -> float:
    words = jiwer.Compose([jiwer.ToLowerCase(), jiwer.RemovePunctuation(),
                           jiwer.RemoveMultipleSpaces(), jiwer.Strip(),
                           jiwer.ReduceToListOfListOfWords()])  # fmt: skip
    return float(jiwer.wer(JFK, text, reference_transform=words, hypothesis_transform=words))


if __name__ == "__main__":
    raise SystemExit(main())
