"""`generate_sample`: a synthetic talking-head video with exact ground truth.

A real photo (default `skimage.data.astronaut()`) is animated: espeak-ng speech drives the
mouth, the eyes blink at random, and the head moves a little in 3D before a static camera
and a static background plate; the shoulders follow the head slightly. Everything random
comes from one seed, so a seed gives the same files every time.

Files written to `out_dir`:
- `video.mp4`: H.264 + AAC (the speech), `fps` frames per second, width x height.
- `audio.wav`: the speech, 16 kHz mono, exactly n_frames / fps seconds.
- `background.png`: the static background plate (the photo without the person); wherever
  the person is absent a frame equals it, up to video compression.
- `masks.npz`: `labels`, (N, H, W) uint8 per frame: 0 background, 1 head (face, hair,
  ears), 2 neck, 3 torso; warped and composited exactly like the pixels.
- `ground_truth.npz`: per-frame arrays (N = number of frames):
  `landmarks` (N, 68, 2) pixels, iBUG 68-point order, pixel centres at integer coordinates;
  `landmarks_3d` (N, 68, 3) the same points in the head frame (mm, with the expression);
  `rotation_matrix` (N, 3, 3), `rotation_axis_angle` (N, 3) radians, `rotation_euler_deg`
  (N, 3) and `translation` (N, 3) mm: the head pose, camera point = R @ head point + t
  (OpenCV camera: x right, y down, z forward), so `landmarks` = project(K, R, t,
  `landmarks_3d`); Euler angles are extrinsic x (pitch), y (yaw), z (roll) degrees, i.e.
  R = Rz(roll) @ Ry(yaw) @ Rx(pitch); the head frame has x to the image right, y down, z away
  from the camera, its origin at the head centre (so `translation` is the head centre);
  `motion_euler_deg` (N, 3) and `motion_translation` (N, 3): the same motion as offsets from
  the photo's pose; `mouth_open` (N,) the mouth control 0..1; `mouth_open_px` (N,) the
  inner-lip distance (mean of 61-67, 62-66, 63-65) in pixels; `lip_width_px` (N,) distance
  48-54; `lip_round` (N,) 0..1; `blink` (N,) eye closure 0 open .. 1 closed; `still` (N,)
  bool, frames in a still segment (head pose exactly constant); `times` (N,) seconds;
  `camera_matrix` (3, 3); `image_size` (W, H); `rest_landmarks_3d` (68, 3) the neutral
  face (lips closed) in the head frame.
- `ground_truth.json`: `meta` (seed, text, size, fps, photo, ...), `camera`, `frames` (the
  per-frame scalars above), `words`, `phonemes` (espeak-ng mnemonics) and `syllables` with
  start/end seconds (`meta.timing_source` says whether they are espeak-ng's own events or
  were found in the audio envelope), `blinks` and `still_segments`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
from scipy.spatial.transform import Rotation

from talkinghead.errors import InvalidInputError
from talkinghead.media.atomic import atomic_output
from talkinghead.media.encode import write_mp4
from talkinghead.media.wav import write_wav
from talkinghead.sample.blinks import Blink, blink_schedule, blink_track
from talkinghead.sample.expression import INNER_LIP_PAIRS, rest_points
from talkinghead.sample.ground_truth import LabelStackWriter, SampleInfo, save_json, save_npz
from talkinghead.sample.head_motion import HeadMotion, head_motion
from talkinghead.sample.mouth import MouthTrack, mouth_track
from talkinghead.sample.photo import load_photo
from talkinghead.sample.render import FrameState, frame_state, render_frame
from talkinghead.sample.scene import Scene, build_scene
from talkinghead.sample.speech import Speech, synthesize_speech

MIN_SIDE, MAX_SIDE = 128, 4096
MAX_FPS = 120.0
MAX_SECONDS = 3600.0
VIDEO_CRF = 18


def generate_sample(out_dir: str | Path, seconds: float = 10.0,
                    size: tuple[int, int] = (512, 512), fps: float = 25,
                    seed: int = 0, text: str | None = None,
                    photo: str | Path | None = None) -> SampleInfo:
    """Write a synthetic talking-head clip and its ground truth to `out_dir` (layout: see the
    module docstring). `size` is (width, height), even numbers; `text` defaults to a built-in
    paragraph, repeated to fill `seconds`; `photo` is an image file with one frontal face
    (default: scikit-image's astronaut)."""
    width, height = _check_size(size)
    if not (np.isfinite(fps) and 1.0 <= fps <= MAX_FPS):
        raise InvalidInputError(f"fps must be within 1..{MAX_FPS:g}, got {fps}")
    if not (np.isfinite(seconds) and 0 < seconds <= MAX_SECONDS):
        raise InvalidInputError(f"seconds must be in (0, {MAX_SECONDS:g}], got {seconds}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise InvalidInputError(f"seed must be a non-negative integer, got {seed!r}")
    n_frames = max(1, int(round(seconds * fps)))
    duration = n_frames / fps
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    speech = synthesize_speech(duration, text)
    scene = build_scene(load_photo(photo), width, height)
    motion_rng, blink_rng = (np.random.default_rng(s)
                             for s in np.random.SeedSequence(int(seed)).spawn(2))
    mouth = mouth_track(speech, fps, n_frames)
    blinks = blink_schedule(duration, fps, blink_rng)
    blink = blink_track(blinks, fps, n_frames)
    motion = head_motion(duration, fps, n_frames, motion_rng)

    states: list[FrameState] = []
    info = SampleInfo(
        out_dir=out, video=out / "video.mp4", audio=out / "audio.wav",
        ground_truth=out / "ground_truth.npz", summary=out / "ground_truth.json",
        masks=out / "masks.npz", background=out / "background.png", n_frames=n_frames,
        fps=float(fps), width=width, height=height, seconds=duration, seed=int(seed),
        text=speech.text, timing_source=speech.timing_source,
    )
    with LabelStackWriter(info.masks, n_frames, height, width) as masks:
        frames = _frames(scene, motion, mouth, blink, states, masks)
        write_mp4(info.video, frames, fps, audio=speech.samples,
                  sample_rate=speech.sample_rate, crf=VIDEO_CRF)
    write_wav(info.audio, speech.samples, speech.sample_rate)
    _save_png(info.background, scene.plate)
    arrays = _ground_truth_arrays(scene, states, motion, mouth, blink, fps)
    save_npz(info.ground_truth, arrays)
    save_json(info.summary, _summary(info, scene, speech, arrays, blinks, photo))
    return info


def _check_size(size: tuple[int, int]) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in size)
    except (TypeError, ValueError):
        raise InvalidInputError(f"size must be (width, height), got {size!r}") from None
    if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
        raise InvalidInputError(
            f"size {width}x{height}: width and height must be within {MIN_SIDE}..{MAX_SIDE}")
    if width % 2 or height % 2:
        raise InvalidInputError(f"size {width}x{height}: width and height must be even (H.264)")
    return width, height


def _frames(scene: Scene, motion: HeadMotion, mouth: MouthTrack, blink: np.ndarray,
            states: list[FrameState], masks: LabelStackWriter) -> Iterator[np.ndarray]:
    for i in range(len(blink)):
        state = frame_state(scene, motion.rotation_deg[i], motion.translation_mm[i],
                            float(mouth.open[i]), float(mouth.round[i]), float(blink[i]))
        rgb, labels = render_frame(scene, state)
        states.append(state)
        masks.write(labels)
        yield rgb


def _save_png(path: Path, rgb: np.ndarray) -> None:
    with atomic_output(path) as tmp:
        if not cv2.imwrite(str(tmp), np.ascontiguousarray(rgb[:, :, ::-1])):
            raise OSError(f"could not write {path.name}")


def _ground_truth_arrays(scene: Scene, states: list[FrameState], motion: HeadMotion,
                         mouth: MouthTrack, blink: np.ndarray, fps: float
                         ) -> dict[str, np.ndarray]:
    landmarks = np.stack([s.landmarks for s in states])
    rotations = np.stack([s.rotation for s in states])
    gap = np.mean([np.linalg.norm(landmarks[:, a] - landmarks[:, b], axis=-1)
                   for a, b in INNER_LIP_PAIRS], axis=0)
    rot = Rotation.from_matrix(rotations)
    return {
        "landmarks": landmarks.astype(np.float32),
        "landmarks_3d": np.stack([s.points3d for s in states]).astype(np.float32),
        "rotation_matrix": rotations,
        "rotation_axis_angle": rot.as_rotvec(),
        "rotation_euler_deg": rot.as_euler("xyz", degrees=True),
        "translation": np.stack([s.translation for s in states]),
        "motion_euler_deg": motion.rotation_deg,
        "motion_translation": motion.translation_mm,
        "mouth_open": mouth.open,
        "mouth_open_px": gap.astype(np.float32),
        "lip_width_px": np.linalg.norm(landmarks[:, 54] - landmarks[:, 48], axis=-1)
        .astype(np.float32),
        "lip_round": mouth.round,
        "blink": blink,
        "still": motion.still,
        "times": np.arange(len(states)) / fps,
        "camera_matrix": scene.camera.matrix,
        "image_size": np.array([scene.width, scene.height]),
        "rest_landmarks_3d": rest_points(scene.model.photo_points),
    }


def _summary(info: SampleInfo, scene: Scene, speech: Speech, arrays: dict[str, np.ndarray],
             blinks: list[Blink], photo: str | Path | None) -> dict:
    frames = []
    for i in range(info.n_frames):
        frames.append({
            "index": i,
            "time": float(arrays["times"][i]),
            "mouth_open": float(arrays["mouth_open"][i]),
            "mouth_open_px": float(arrays["mouth_open_px"][i]),
            "lip_width_px": float(arrays["lip_width_px"][i]),
            "lip_round": float(arrays["lip_round"][i]),
            "blink": float(arrays["blink"][i]),
            "rotation_axis_angle": arrays["rotation_axis_angle"][i],
            "rotation_euler_deg": arrays["rotation_euler_deg"][i],
            "translation_mm": arrays["translation"][i],
            "still": bool(arrays["still"][i]),
        })
    still = arrays["still"].astype(np.int8)
    edges = np.diff(np.concatenate([[0], still, [0]]))
    segments = [{"start_frame": int(a), "end_frame": int(b) - 1}
                for a, b in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1),
                                strict=True)]
    return {
        "meta": {
            "seed": info.seed, "text": info.text, "speech_repeats": speech.repeats,
            "size": [info.width, info.height], "fps": info.fps, "seconds": info.seconds,
            "n_frames": info.n_frames, "sample_rate": speech.sample_rate,
            "photo": scene.photo.name if photo is None else Path(photo).name,
            "outline": "traced by hand" if scene.photo.traced else "template from landmarks",
            "timing_source": speech.timing_source,
            "files": {k: getattr(info, k).name for k in ("video", "audio", "ground_truth",
                                                          "summary", "masks", "background")},
            "labels": {"0": "background", "1": "head", "2": "neck", "3": "torso"},
        },
        "camera": scene.camera.as_dict(),
        "frames": frames,
        "words": [{"word": w.label, "start": w.start, "end": w.end} for w in speech.words],
        "phonemes": [{"phoneme": p.label, "start": p.start, "end": p.end}
                     for p in speech.phonemes],
        "syllables": [{"start": s.start, "end": s.end} for s in speech.syllables],
        "blinks": [{"start": b.start, "end": b.end, "depth": b.depth} for b in blinks],
        "still_segments": segments,
    }
