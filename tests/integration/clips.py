"""Small test videos built in the test run (no binary fixtures): a real portrait photo
(skimage's astronaut) moving slightly, with real speech from espeak-ng, and bad-input
variants of it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import cv2
import numpy as np
from skimage.data import astronaut

from talkinghead.media import decode_audio, write_mp4

TEXT = (
    "Hello there. This is a short test of the preprocessing pipeline, speaking for a few "
    "seconds so that every stage has something to work on."
)


def speech(tmp: Path, seconds: float) -> np.ndarray:
    wav = tmp / "speech.wav"
    if not wav.exists():
        subprocess.run(["espeak-ng", "-w", str(wav), TEXT], check=True)
    audio = decode_audio(wav, 16000)
    need = int(seconds * 16000)
    reps = -(-need // len(audio))
    return np.tile(audio, reps)[:need]


def portrait_frames(n: int, size: int = 256, face: np.ndarray | None = None):
    """The photo, shifted a few pixels (a person swaying in front of the camera)."""
    img = cv2.resize(astronaut(), (size, size), interpolation=cv2.INTER_AREA)
    for k in range(n):
        dx, dy = 3 * np.sin(k / 9) * size / 256, 2 * np.cos(k / 7) * size / 256
        m = np.float32([[1, 0, dx], [0, 1, dy]])
        yield cv2.warpAffine(img, m, (size, size), borderMode=cv2.BORDER_REFLECT)


def talking_clip(path: Path, seconds: float = 4.0, size: int = 256, fps: int = 25,
                 audio: bool = True, face_until: float | None = None,
                 two_people: bool = False) -> Path:
    n = int(seconds * fps)
    frames = []
    rng = np.random.default_rng(0)
    for k, frame in enumerate(portrait_frames(n, size)):
        if face_until is not None and k / fps >= face_until:
            # The person left: a wall of noise-free flat colour with a little texture.
            frame = np.full_like(frame, 120) + rng.integers(0, 8, frame.shape, dtype=np.uint8)
        if two_people:
            small = cv2.resize(frame, (size // 2, size // 2), interpolation=cv2.INTER_AREA)
            canvas = np.full((size, size * 2, 3), 90, np.uint8)
            canvas[:, :size] = frame
            canvas[size // 2 :, size + size // 4 : size + size // 4 + size // 2] = small
            frame = canvas
        frames.append(frame)
    write_mp4(path, frames, fps, speech(path.parent, seconds) if audio else None, 16000)
    return path


def noise_clip(path: Path, seconds: float = 4.0, size: int = 128) -> Path:
    rng = np.random.default_rng(1)
    frames = [rng.integers(0, 255, (size, size, 3), dtype=np.uint8) for _ in range(int(seconds * 25))]
    write_mp4(path, frames, 25, speech(path.parent, seconds), 16000)
    return path


def corrupt_middle_packet(src: Path, dst: Path) -> Path:
    """Copy `src` (video and audio) into Matroska `dst`, with the payload of one video
    packet in the middle replaced by random bytes: a damaged frame mid-stream."""
    import av

    rng = np.random.default_rng(2)
    with av.open(str(src)) as inp, av.open(str(dst), "w", format="matroska") as out:
        v_in, a_in = inp.streams.video[0], inp.streams.audio[0]
        v_out = out.add_stream_from_template(v_in)
        a_out = out.add_stream_from_template(a_in)
        middle = v_in.frames // 2 if v_in.frames else 40
        number = 0
        for packet in inp.demux(v_in, a_in):
            if packet.dts is None:
                continue
            if packet.stream is v_in:
                if number == middle:
                    payload = rng.integers(0, 256, max(packet.size, 64), dtype=np.uint8).tobytes()
                    bad = av.Packet(payload)
                    bad.pts, bad.dts, bad.time_base = packet.pts, packet.dts, packet.time_base
                    packet = bad
                packet.stream = v_out
                number += 1
            else:
                packet.stream = a_out
            out.mux(packet)
    return dst


DIVIDER_X = 250  # two_people_swapping_sizes: the left person is left of it, the right right


def two_people_swapping_sizes(path: Path, seconds: float = 3.2) -> Path:
    """Two people side by side (the photo, and its mirror image nearer the centre): the
    left one starts the larger, shrinks slowly while the right one grows and is the larger
    and more central one from ~0.8 s on. Whoever is followed from the start must be
    followed to the end."""
    img = astronaut()
    frames = []
    for k in range(int(seconds * 25)):
        t = k / 25
        canvas = np.full((256, 512, 3), 100, np.uint8)
        for x0, size, mirror in ((0, int(250 - 25 * t), False),
                                 (DIVIDER_X, int(min(256, 200 + 35 * t)), True)):
            person = cv2.resize(img[:, ::-1] if mirror else img, (size, size),
                                interpolation=cv2.INTER_AREA)
            canvas[256 - size :, x0 : x0 + size] = person[:, : 512 - x0]
        frames.append(canvas)
    write_mp4(path, frames, 25, speech(path.parent, seconds), 16000)
    return path
