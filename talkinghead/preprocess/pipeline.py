"""The preprocess pipeline: a video becomes a dataset (layout.py), stage by stage.

    audio           aud.wav, 16 kHz mono, aligned to the video's first frame
    landmarks       68 points on every source frame (dlib, tracked) -> landmarks_src.npz;
                    the clip-wide head-and-shoulders crop -> crop.json
    frames          ori_imgs/N.jpg cropped and scaled, ori_imgs/N.lms in crop pixels
    parsing         background statistics (background_model.npz), parsing/N.png
    background      bc.jpg: per pixel, the frame where it is farthest from the person
    torso           torso_imgs/N.png and gt_imgs/N.jpg
    blink           au.csv (AU45_r from the eye aspect ratio, calibrated per video)
    audio_features  aud_<kind>.npy (N, window, dims)
    manifest        manifest.json

Each stage is committed atomically and skipped on a re-run when finished (stages.py).
Frames are decoded twice (landmarks, then frames) rather than held in memory: no stage
reads the whole video into memory. Per-frame stages run in a process pool."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path
from typing import Any

import cv2
import numpy as np

import talkinghead
from talkinghead.errors import InvalidInputError
from talkinghead.preprocess import frame_work
from talkinghead.preprocess.commit import staged_dir, staged_file, write_json_atomic
from talkinghead.preprocess.layout import DatasetLayout
from talkinghead.preprocess.options import PreprocessOptions
from talkinghead.preprocess.parallel import FramePool, default_workers, split_range
from talkinghead.preprocess.stages import Stage, StageContext, run_stages
from talkinghead.progress import ProgressReporter

FORMAT = "talkinghead.dataset/1"
# Frames of the parser's temporal smoothing replayed before each segment.
PARSE_WARMUP = 8
# Key frames used to learn the background statistics.
BACKGROUND_KEY_FRAMES = 32


def _segments(n: int, pool: FramePool) -> list[tuple[int, int]]:
    # Enough frames per segment that process start-up and warm-up don't dominate.
    return split_range(n, pool.workers, min_size=40)


class _Run:
    """The stages of one run, sharing the source, the layout and the process pool."""

    def __init__(self, source: Path, layout: DatasetLayout, options: PreprocessOptions,
                 pool: FramePool, source_info: dict[str, Any]) -> None:
        self.source, self.layout, self.options, self.pool = source, layout, options, pool
        self.source_info = source_info

    def stages(self) -> list[Stage]:
        o = self.options
        return [
            Stage("audio", self.audio),
            Stage("landmarks", self.landmarks, lambda _: {"fps": o.fps, "res": o.resolution}),
            Stage("frames", self.frames, lambda _: {"fps": o.fps, "res": o.resolution}),
            Stage("parsing", self.parsing, lambda _: {"model": o.parsing_model_path}),
            Stage("background", self.background),
            Stage("torso", self.torso),
            Stage("blink", self.blink),
            Stage("audio_features", self.audio_features,
                  lambda _: {"kind": o.audio_feature_kind, "model": o.audio_model_path}),
            Stage("manifest", self.manifest),
        ]

    # -- stages ----------------------------------------------------------------------------
    def audio(self, ctx: StageContext) -> dict:
        from talkinghead.media import extract_audio_wav

        ctx.reporter.report("audio", 0, 1, "decoding and resampling to 16 kHz mono")
        with staged_file(self.layout.audio_wav) as tmp:
            duration = extract_audio_wav(self.source, tmp.with_suffix(".wav"), 16000)
            os.replace(tmp.with_suffix(".wav"), tmp)
        ctx.reporter.report("audio", 1, 1)
        return {"audio_seconds": duration}

    def landmarks(self, ctx: StageContext) -> dict:
        from talkinghead.face.crop import choose_crop

        n = self.source_info["frame_count_at_fps"]
        tasks = [(str(self.source), self.options.fps, a, b) for a, b in _segments(n, self.pool)]
        parts = self.pool.map(frame_work.landmarks_segment, tasks, ctx.reporter, "landmarks", n)
        _keep_following(parts, tasks, ctx)
        for (a, b), part in zip(_segments(n, self.pool)[:-1], parts[:-1], strict=False):
            if len(part["points"]) != b - a:
                raise InvalidInputError(
                    f"frames {a}..{b - 1} could not all be decoded; the video may be damaged"
                )
        points = np.concatenate([p["points"] for p in parts])
        valid = np.concatenate([p["valid"] for p in parts])
        confidence = np.concatenate([p["confidence"] for p in parts])
        width, height = parts[0]["size"]
        if len(points) == 0:
            raise InvalidInputError("the video has no frames to process")
        if not valid.any():
            raise InvalidInputError(
                f"no face was found in any of the {len(points)} frames: the video must show "
                "one person's face, frontal or near-frontal"
            )
        crop = choose_crop(points, valid, width, height, out_size=self.options.resolution)
        with staged_file(self.layout.landmarks_src) as tmp:
            with open(tmp, "wb") as f:
                np.savez_compressed(f, points=points, valid=valid, confidence=confidence)
        write_json_atomic(self.layout.crop, {**crop.to_dict(), "source_width": width,
                                             "source_height": height})
        return {
            "frame_count": int(len(points)),
            "faceless_frames": [int(i) for i in np.flatnonzero(~valid)],
            "crop": crop.to_dict(),
            "source_size": [width, height],
        }

    def _src_landmarks(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        data = np.load(self.layout.landmarks_src)
        return data["points"], data["valid"], data["confidence"]

    def frames(self, ctx: StageContext) -> dict:
        points, valid, _ = self._src_landmarks()
        n = ctx.facts["frame_count"]
        with staged_dir(self.layout.ori_imgs) as tmp:
            tasks = [
                (str(self.source), self.options.fps, a, b, ctx.facts["crop"], points[a:b],
                 valid[a:b], str(tmp))
                for a, b in _segments(n, self.pool)
            ]
            written = sum(self.pool.map(frame_work.frames_segment, tasks, ctx.reporter, "frames", n))
            if written != n:
                raise InvalidInputError(
                    f"the video gave {written} frames on the second pass but {n} on the first; "
                    "it may be damaged"
                )
        return {}

    def parsing(self, ctx: StageContext) -> dict:
        from talkinghead.parsing.background_model import BackgroundModel

        n = ctx.facts["frame_count"]
        faceless = set(ctx.facts["faceless_frames"])
        with_face = [i for i in range(n) if i not in faceless]
        keys = [with_face[int(round(k))]
                for k in np.linspace(0, len(with_face) - 1, min(BACKGROUND_KEY_FRAMES, len(with_face)))]
        ctx.reporter.report("parsing", 0, n, "learning the background")
        samples = ((frame_work.read_frame(self.layout, i), frame_work.read_lms(self.layout, i))
                   for i in keys)
        model = BackgroundModel.fit(samples)
        with staged_file(self.layout.background_model) as tmp:
            model.save(tmp.with_suffix(".npz"))
            os.replace(tmp.with_suffix(".npz"), tmp)
        with staged_dir(self.layout.parsing) as tmp:
            tasks = [(str(self.layout.root), str(tmp), a, b, PARSE_WARMUP,
                      self.options.parsing_model_path) for a, b in _segments(n, self.pool)]
            self.pool.map(frame_work.parse_segment, tasks, ctx.reporter, "parsing", n)
        return {}

    def background(self, ctx: StageContext) -> dict:
        from talkinghead.background.plate import PlateBuilder
        from talkinghead.parsing.colors import read_parsing_png

        n = ctx.facts["frame_count"]
        builder = PlateBuilder()
        for i in range(n):
            labels = read_parsing_png(self.layout.parsing_png(i))
            builder.add(frame_work.read_frame(self.layout, i), labels > 0)
            ctx.reporter.report("background", i + 1, n)
        plate = builder.finish()
        with staged_file(self.layout.background) as tmp:
            ok, buf = cv2.imencode(".jpg", plate.image[:, :, ::-1],
                                   [cv2.IMWRITE_JPEG_QUALITY, frame_work.JPEG_QUALITY])
            tmp.write_bytes(buf.tobytes())
        return {"background_never_uncovered_fraction": round(float(plate.never_uncovered.mean()), 4)}

    def torso(self, ctx: StageContext) -> dict:
        n = ctx.facts["frame_count"]
        with staged_dir(self.layout.torso_imgs) as torso, staged_dir(self.layout.gt_imgs) as gt:
            tasks = [(str(self.layout.root), str(torso), str(gt), a, b)
                     for a, b in _segments(n, self.pool)]
            self.pool.map(frame_work.torso_segment, tasks, ctx.reporter, "torso", n)
        return {}

    def blink(self, ctx: StageContext) -> dict:
        from talkinghead.face.au_csv import write_au_csv
        from talkinghead.face.blink import blinks_from_landmarks

        points, valid, confidence = self._src_landmarks()
        ctx.reporter.report("blink", 0, 1)
        track = blinks_from_landmarks(points, valid)
        with staged_file(self.layout.au_csv) as tmp:
            write_au_csv(tmp, track.au45, track.success, confidence, track.blink, self.options.fps)
        ctx.reporter.report("blink", 1, 1)
        return {"blink_frames": int(track.blink.sum()),
                "blink_calibration": {"open_ear": track.calibration.open_ear,
                                      "closed_ear": track.calibration.closed_ear}}

    def audio_features(self, ctx: StageContext) -> dict:
        from talkinghead.audio import extract_features
        from talkinghead.media import read_wav

        o = self.options
        n = ctx.facts["frame_count"]
        ctx.reporter.report("audio_features", 0, 1, o.audio_feature_kind)
        audio, rate = read_wav(self.layout.audio_wav)
        features = extract_features(audio, rate, fps=o.fps, kind=o.audio_feature_kind,
                                    model_path=o.audio_model_path)
        # The audio track may end a frame before or after the video: one feature block per
        # video frame, the last block repeated (or extra ones dropped) to match.
        if len(features) < n:
            pad = np.repeat(features[-1:], n - len(features), axis=0)
            features = np.concatenate([features, pad])
        features = np.ascontiguousarray(features[:n], dtype=np.float32)
        path = self.layout.audio_features(o.audio_feature_kind)
        with staged_file(path) as tmp:
            with open(tmp, "wb") as f:
                np.save(f, features)
        ctx.reporter.report("audio_features", 1, 1)
        return {"audio_features": {"kind": o.audio_feature_kind, "file": path.name,
                                   "shape": list(features.shape)}}

    def manifest(self, ctx: StageContext) -> dict:
        f = ctx.facts
        manifest = {
            "format": FORMAT,
            "dataset_id": f.get("dataset_id", ""),
            "source": self.source_info,
            "fps": self.options.fps,
            "frame_count": f["frame_count"],
            "width": self.options.resolution,
            "height": self.options.resolution,
            "crop": f["crop"],
            "faceless_frames": f["faceless_frames"],
            "audio": {"file": "aud.wav", "sample_rate": 16000, "seconds": f["audio_seconds"]},
            "audio_features": f["audio_features"],
            "blink": {"file": "au.csv", "frames": f["blink_frames"],
                      "calibration": f["blink_calibration"]},
            "background": {"file": "bc.jpg",
                           "never_uncovered_fraction": f["background_never_uncovered_fraction"]},
            "stages": [s.name for s in self.stages()],
            "versions": _versions(),
            "sha256": _content_hashes(self.layout, f["audio_features"]["file"]),
        }
        write_json_atomic(self.layout.manifest, manifest)
        return {}


def _keep_following(parts: list[dict], tasks: list[tuple], ctx: StageContext) -> None:
    """Segments are tracked in parallel, each starting afresh on the largest, most central
    face. Where a segment starts on a face away from where the previous one ended (another
    person), track it again following the previous segment's face: one person throughout."""
    for k in range(1, len(parts)):
        before = [p["points"][p["valid"]] for p in parts[:k] if p["valid"].any()]
        after = parts[k]["points"][parts[k]["valid"]]
        if not before or len(after) == 0:
            continue
        last, first = before[-1][-1], after[0]
        size = float(np.ptp(last[:, 1]))  # brow-to-chin height of the followed face
        if np.linalg.norm(last.mean(axis=0) - first.mean(axis=0)) > 0.5 * max(size, 1.0):
            ctx.reporter.report("landmarks", 0, 1, f"segment {k + 1}: following the same person")
            parts[k] = frame_work.landmarks_segment(*tasks[k], follow=last)


def _versions() -> dict[str, str]:
    import av
    import dlib

    return {"talkinghead": talkinghead.__version__, "python": platform.python_version(),
            "numpy": np.__version__, "opencv": cv2.__version__, "av": av.__version__,
            "dlib": dlib.__version__}


def _content_hashes(layout: DatasetLayout, features_file: str) -> dict[str, str]:
    """sha256 of every single file, and of each folder (over its files' names and hashes)."""
    import hashlib

    def file_hash(p: Path) -> str:
        return hashlib.sha256(p.read_bytes()).hexdigest()

    out = {name: file_hash(layout.root / name)
           for name in ("aud.wav", "bc.jpg", "au.csv", features_file, "crop.json")}
    for folder in ("ori_imgs", "parsing", "torso_imgs", "gt_imgs"):
        h = hashlib.sha256()
        for p in sorted((layout.root / folder).iterdir(), key=lambda p: p.name):
            h.update(p.name.encode() + b"\0" + file_hash(p).encode() + b"\n")
        out[folder + "/"] = h.hexdigest()
    return out


def check_source(source: Path, options: PreprocessOptions) -> dict[str, Any]:
    """What the source holds, refusing videos the pipeline can't make a dataset of."""
    from talkinghead.audio import frame_count
    from talkinghead.media import probe

    info = probe(source)
    if not info.has_video:
        raise InvalidInputError(f"{source.name} has no video track")
    if not info.has_audio:
        raise InvalidInputError(
            f"{source.name} has no audio track: the avatar is driven by speech, so the video "
            "must have the person's voice"
        )
    duration = info.video_duration_s or info.duration_s
    if duration < options.min_seconds:
        raise InvalidInputError(
            f"{source.name} is {duration:.1f} s long; at least {options.min_seconds:g} s of "
            "the person talking is needed (30 s to 5 min recommended)"
        )
    return {
        "filename": source.name,
        "container": info.container,
        "width": info.width,
        "height": info.height,
        "fps": info.fps,
        "rotation": info.rotation,
        "duration_s": duration,
        "video_codec": info.video_codec,
        "frame_count_at_fps": frame_count(round(duration * 16000), 16000, options.fps),
    }


def run_pipeline(
    source: Path,
    out_dir: Path,
    options: PreprocessOptions,
    reporter: ProgressReporter | None = None,
    dataset_id: str = "",
    source_sha256: str = "",
    force: bool = False,
) -> dict[str, Any]:
    """Turn `source` into a dataset in `out_dir`; returns the manifest. Finished stages
    of an earlier run on the same source are kept (unless `force`)."""
    reporter = reporter or ProgressReporter()
    source, out_dir = Path(source), Path(out_dir)
    layout = DatasetLayout(out_dir)
    reporter.report("probe", 0, 1, source.name)
    source_info = check_source(source, options)
    source_info["sha256"] = source_sha256
    reporter.report("probe", 1, 1)
    workers = options.workers or default_workers()
    with FramePool(workers) as pool:
        run = _Run(source, layout, options, pool, source_info)
        ctx = StageContext(out_dir, options, reporter, {"dataset_id": dataset_id})
        # A different source video invalidates everything: it is part of every stage's
        # parameters through the first stage's record.
        stages = run.stages()
        stages[0] = Stage("audio", run.audio, lambda _: {"source": source_sha256 or str(source)})
        run_stages(stages, ctx, layout.stages, force=force)
    return json.loads(layout.manifest.read_text())
