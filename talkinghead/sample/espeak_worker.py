"""Run one espeak-ng synthesis through libespeak-ng (ctypes) and save the audio and its
word/phoneme events. Started as a fresh process for every synthesis by `espeak.py`:
libespeak-ng keeps state between syntheses (a second synthesis in the same process differs
from the first by a few samples, and `espeak_Terminate` + `espeak_Initialize` hangs), while
the first synthesis of a fresh process is byte-identical to `espeak-ng -w`.

Usage: python espeak_worker.py OUT.npz VOICE RATE_WPM < text (UTF-8); it imports only
numpy, so it starts fast.
Exit code 3: the library could not be loaded (the caller falls back to the CLI).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

import numpy as np

# espeak_EVENT_TYPE values (speak_lib.h).
EVENT_LIST_TERMINATED = 0
EVENT_WORD = 1
EVENT_SENTENCE = 2
EVENT_END = 5
EVENT_PHONEME = 7
# espeak_AUDIO_OUTPUT: synthesise into the callback, in the caller's thread.
AUDIO_OUTPUT_SYNCHRONOUS = 2
# espeak_Initialize option: emit one event per phoneme (its mnemonic in id.string).
INITIALIZE_PHONEME_EVENTS = 0x0001
POS_CHARACTER = 1
CHARS_UTF8 = 1
ENDPAUSE = 0x1000  # the CLI's flags: with it the audio equals `espeak-ng -w` exactly
RATE_PARAMETER = 1  # espeakRATE, words per minute
EXIT_NO_LIBRARY = 3


class _EventId(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", _EventId),
    ]


_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event)
)


def _load_library() -> ctypes.CDLL | None:
    for name in ("libespeak-ng.so.1", ctypes.util.find_library("espeak-ng")):
        if not name:
            continue
        try:
            return ctypes.CDLL(name)
        except OSError:
            continue
    return None


def synthesize_events(text: str, voice: str, rate_wpm: int) -> dict[str, np.ndarray]:
    """Synthesise `text`; return int16 samples, the sample rate and parallel event arrays
    (type, text_position (1-based characters), length, sample index, phoneme mnemonic)."""
    lib = _load_library()
    if lib is None:
        raise OSError("libespeak-ng.so.1 not found")
    lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
    lib.espeak_Synth.argtypes = [
        ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
        ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p,
    ]
    chunks: list[np.ndarray] = []
    events: list[tuple[int, int, int, int, str]] = []

    def on_audio(wav, n_samples, event_list):  # called by the library, same thread
        if n_samples > 0:
            chunks.append(np.ctypeslib.as_array(wav, shape=(n_samples,)).copy())
        i = 0
        while event_list[i].type != EVENT_LIST_TERMINATED:
            e = event_list[i]
            label = ""
            if e.type == EVENT_PHONEME:
                label = e.id.string.decode("utf-8", errors="replace")
            events.append((e.type, e.text_position, e.length, e.sample, label))
            i += 1
        return 0

    callback = _CALLBACK(on_audio)
    sample_rate = lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, None, INITIALIZE_PHONEME_EVENTS)
    if sample_rate <= 0:
        raise OSError("espeak_Initialize failed")
    if voice and lib.espeak_SetVoiceByName(voice.encode()) != 0:
        raise ValueError(f"unknown espeak-ng voice {voice!r}")
    if rate_wpm:
        lib.espeak_SetParameter(RATE_PARAMETER, int(rate_wpm), 0)
    lib.espeak_SetSynthCallback(callback)
    data = text.encode("utf-8")
    status = lib.espeak_Synth(data, len(data) + 1, 0, POS_CHARACTER, 0, CHARS_UTF8 | ENDPAUSE,
                              None, None)
    if status != 0:
        raise OSError(f"espeak_Synth failed with status {status}")
    lib.espeak_Synchronize()
    samples = np.concatenate(chunks) if chunks else np.zeros(0, np.int16)
    ev = np.array([e[:4] for e in events], dtype=np.int64).reshape(-1, 4)
    return {
        "samples": samples.astype(np.int16),
        "sample_rate": np.array(sample_rate),
        "event_type": ev[:, 0],
        "text_position": ev[:, 1],
        "length": ev[:, 2],
        "sample": ev[:, 3],
        "phoneme": np.array([e[4] for e in events], dtype=str),
    }


def main(argv: list[str]) -> int:
    """Entry point: read text from stdin, write OUT.npz."""
    out_path, voice, rate = argv[1], argv[2], int(argv[3])
    text = sys.stdin.buffer.read().decode("utf-8")
    try:
        result = synthesize_events(text, voice, rate)
    except OSError as exc:
        print(f"espeak-ng library unavailable: {exc}", file=sys.stderr)
        return EXIT_NO_LIBRARY
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    np.savez(out_path, **result)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
