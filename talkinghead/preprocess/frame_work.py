"""Per-frame work of the pipeline's stages, as top-level functions over a range of frames
so the process pool can run them (they report each frame with `tick`)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from talkinghead.preprocess.layout import DatasetLayout
from talkinghead.preprocess.parallel import tick

JPEG_QUALITY = 95


def _decode(video: str, fps: float, start: int, stop: int):
    from talkinghead.media import iter_frames

    for frame in iter_frames(video, fps=fps, start_s=start / fps, max_frames=stop - start):
        if frame.index >= stop:
            return
        yield frame


def landmarks_segment(video: str, fps: float, start: int, stop: int,
                      follow: np.ndarray | None = None) -> dict:
    """Track 68 landmarks on frames [start, stop) of the source video; `follow`: the
    landmarks the face had just before `start`, to keep following the same person."""
    from talkinghead.face.landmarks import LandmarkTracker

    tracker = LandmarkTracker()
    if follow is not None:
        tracker.follow(follow)
    points = np.full((stop - start, 68, 2), np.nan, np.float32)
    valid = np.zeros(stop - start, bool)
    confidence = np.zeros(stop - start, np.float32)
    size = (0, 0)
    count = 0
    for frame in _decode(video, fps, start, stop):
        i = frame.index - start
        size = (frame.rgb.shape[1], frame.rgb.shape[0])
        result = tracker.update(frame.rgb)
        if result.face_found and result.points is not None:
            points[i], valid[i], confidence[i] = result.points, True, result.confidence
        count += 1
        tick()
    return {"points": points[:count], "valid": valid[:count],
            "confidence": confidence[:count], "size": size}


def frames_segment(
    video: str, fps: float, start: int, stop: int, crop: dict, points: np.ndarray,
    valid: np.ndarray, out_dir: str,
) -> int:
    """Write cropped frames N.jpg and their landmarks N.lms (crop pixels) into out_dir."""
    from talkinghead.face.crop import Crop
    from talkinghead.face.lms_io import write_lms

    c = Crop.from_dict(crop)
    out = Path(out_dir)
    written = 0
    for frame in _decode(video, fps, start, stop):
        n = frame.index
        image = c.apply(frame.rgb)
        cv2.imwrite(str(out / f"{n}.jpg"), image[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
        if valid[n - start]:
            write_lms(out / f"{n}.lms", c.to_crop(points[n - start]))
        written += 1
        tick()
    return written


def read_frame(layout: DatasetLayout, n: int) -> np.ndarray:
    image = cv2.imread(str(layout.frame_jpg(n)), cv2.IMREAD_COLOR)
    if image is None:
        raise FileNotFoundError(layout.frame_jpg(n))
    return image[:, :, ::-1].copy()


def read_lms(layout: DatasetLayout, n: int) -> np.ndarray | None:
    path = layout.frame_lms(n)
    return np.loadtxt(path, dtype=np.float32).reshape(68, 2) if path.exists() else None


def parse_segment(root: str, out_dir: str, start: int, stop: int, warmup: int,
                  parsing_model_path: str | None) -> int:
    """Write parsing/N.png for frames [start, stop). The parser's temporal smoothing is
    warmed up on `warmup` frames before `start` so segment seams don't show."""
    from talkinghead.parsing.background_model import BackgroundModel
    from talkinghead.parsing.colors import write_parsing_png
    from talkinghead.parsing.parse import FrameParser

    layout = DatasetLayout(Path(root))
    bisenet = None
    if parsing_model_path:
        from talkinghead.parsing.bisenet import BiSeNetParser

        bisenet = BiSeNetParser(parsing_model_path)
    parser = FrameParser(BackgroundModel.load(layout.background_model), bisenet=bisenet)
    for n in range(max(0, start - warmup), start):
        parser.parse(read_frame(layout, n), read_lms(layout, n))
    for n in range(start, stop):
        labels = parser.parse(read_frame(layout, n), read_lms(layout, n))
        write_parsing_png(Path(out_dir) / f"{n}.png", labels)
        tick()
    return stop - start


def torso_segment(root: str, torso_dir: str, gt_dir: str, start: int, stop: int) -> int:
    """Write torso_imgs/N.png (RGBA neck+torso) and gt_imgs/N.jpg (background = plate)."""
    from talkinghead.background.composite import replace_background, torso_rgba
    from talkinghead.parsing.colors import read_parsing_png

    layout = DatasetLayout(Path(root))
    plate = cv2.imread(str(layout.background), cv2.IMREAD_COLOR)[:, :, ::-1].copy()
    for n in range(start, stop):
        rgb = read_frame(layout, n)
        labels = read_parsing_png(layout.parsing_png(n))
        rgba = torso_rgba(rgb, labels)
        cv2.imwrite(str(Path(torso_dir) / f"{n}.png"), rgba[:, :, [2, 1, 0, 3]])
        gt = replace_background(rgb, labels, plate)
        cv2.imwrite(str(Path(gt_dir) / f"{n}.jpg"), gt[:, :, ::-1],
                    [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
        tick()
    return stop - start
