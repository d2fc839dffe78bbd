"""68-point face landmarks per video frame: detect once, then track.

dlib's HOG detector costs ~25 ms per 512 px frame, its 68-point predictor ~1 ms. So the
detector searches the whole frame (a downscaled copy) only to acquire a face; in between,
the box for the predictor comes from the previous frame's landmarks (`BoxRelation`) and the
predictor runs on the full-resolution frame. Every `redetect_every` frames the detector
checks the track on a small window around it (~2 ms at any resolution): agreement keeps
the tracked fit (no jump in the output), a drifted box is re-seeded from the detection.

A track is dropped, and the detector runs on that frame, when the fit's quality falls (the
two jittered fits of `shape_fit.fit_landmarks` disagree: no face in the box) or the
landmarks jump by more than `max_jump` box sides since the last frame. Frames without a
face come back with `face_found=False`, never an error.

Several faces: the first face followed is the largest, discounted for distance from the
frame centre; afterwards the detection nearest to the followed (or last seen) box wins, so
a second person who grows larger or walks closer does not take over.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from talkinghead.errors import InvalidInputError
from talkinghead.face.face_detection import (
    FaceBox,
    detect_faces,
    detect_faces_near,
    rank_main_faces,
    rank_nearest_faces,
)
from talkinghead.face.shape_fit import (
    DEFAULT_RELATION,
    BoxRelation,
    confidence_from_instability,
    fit_landmarks,
)

# Detections tried per frame before declaring it face-less.
MAX_CANDIDATES = 4


@dataclass(frozen=True)
class FrameLandmarks:
    """Landmarks of one frame.

    points: (68, 2) float32, x then y in original-frame pixels (pixel centres at integers),
        iBUG 68-point order; None when no face was found.
    face_found: a face was found and fitted on this frame.
    confidence: 0..1 from the fit's stability (see `shape_fit`); 0 without a face.
    detected: the face detector ran on this frame and found the followed face (a fresh
        detection); False on frames where only the tracker ran.
    box: the box the 68-point predictor was fitted in (original pixels), None without a face.
    """

    index: int
    points: np.ndarray | None
    face_found: bool
    confidence: float
    detected: bool
    box: FaceBox | None


@dataclass(frozen=True)
class _Fit:
    points: np.ndarray
    confidence: float
    box: FaceBox


def _as_image(rgb: np.ndarray) -> np.ndarray:
    if not isinstance(rgb, np.ndarray):
        raise InvalidInputError(f"a frame must be a numpy array, got {type(rgb).__name__}")
    if rgb.dtype != np.uint8:
        raise InvalidInputError(f"a frame must be uint8, got {rgb.dtype}")
    if not (rgb.ndim == 2 or (rgb.ndim == 3 and rgb.shape[2] == 3)):
        raise InvalidInputError(f"a frame must be H x W x 3 (RGB) or H x W, got {rgb.shape}")
    if rgb.shape[0] < 8 or rgb.shape[1] < 8:
        raise InvalidInputError(f"a frame of {rgb.shape[1]}x{rgb.shape[0]} px is too small")
    return np.ascontiguousarray(rgb)


def _far_apart(a: FaceBox, b: FaceBox) -> bool:
    # Centres more than 10% of a side apart, or sides differing by more than 10%.
    shift = np.hypot(a.center[0] - b.center[0], a.center[1] - b.center[1])
    return bool(shift > 0.1 * b.side or abs(a.side / b.side - 1.0) > 0.1)


class LandmarkTracker:
    """Follows one face through a video, frame by frame (`update`).

    detect_max_side: the longest side of the copy the detector searches (smaller is faster;
        faces under ~70 px in that copy are found only by the 2x-upsampled second try).
    redetect_every: frames between detector checks of a healthy track.
    min_confidence: a fit below this drops the track (see `shape_fit`).
    max_jump: a mean landmark motion since the last frame above this many box sides drops
        the track.
    """

    def __init__(
        self,
        detect_max_side: int = 400,
        redetect_every: int = 25,
        min_confidence: float = 0.4,
        max_jump: float = 0.35,
    ) -> None:
        if detect_max_side < 80:
            raise InvalidInputError(f"detect_max_side must be >= 80 px, got {detect_max_side}")
        if redetect_every < 1:
            raise InvalidInputError(f"redetect_every must be >= 1, got {redetect_every}")
        if not 0.0 <= min_confidence < 1.0:
            raise InvalidInputError(f"min_confidence must be in [0, 1), got {min_confidence}")
        if max_jump <= 0.0:
            raise InvalidInputError(f"max_jump must be > 0, got {max_jump}")
        self.detect_max_side = detect_max_side
        self.redetect_every = redetect_every
        self.min_confidence = min_confidence
        self.max_jump = max_jump
        self.detector_runs = 0  # for cost accounting and tests
        self._index = 0
        self._relation: BoxRelation = DEFAULT_RELATION
        self._relation_samples = 0
        self._points: np.ndarray | None = None  # last frame's landmarks while tracking
        self._last_box: FaceBox | None = None  # last box of the followed face, kept when lost
        self._since_check = 0

    def follow(self, points: np.ndarray) -> None:
        """Continue the track of the face that had these landmarks (e.g. on the last frame
        of the previous part of a video processed in parts): the next detection takes the
        face nearest to it instead of the largest and most central one."""
        points = np.asarray(points, dtype=np.float64)
        if points.shape != (68, 2) or not np.isfinite(points).all():
            raise InvalidInputError(f"follow() needs 68 finite points, got {points.shape}")
        self._points = None
        self._last_box = self._relation.box_for(points)

    def update(self, rgb: np.ndarray) -> FrameLandmarks:
        """Landmarks of the next frame (H x W x 3 uint8 RGB, or H x W gray)."""
        rgb = _as_image(rgb)
        index = self._index
        self._index += 1

        tracked = self._track(rgb) if self._points is not None else None
        if tracked is not None and self._since_check < self.redetect_every:
            self._since_check += 1
            return self._emit(index, tracked, detected=False)

        self.detector_runs += 1
        self._since_check = 1
        if tracked is not None:
            # A periodic check of a healthy track, by the detector on a window around it.
            # Keep the tracked fit (no jump in the output) when the detector agrees; re-seed
            # from the detector box when it overlaps but has drifted; ignore no detection
            # (dlib's frontal detector misses profiles and blurred frames the fit follows).
            overlapping = [
                b for b in detect_faces_near(rgb, tracked.box) if b.iou(tracked.box) >= 0.3
            ]
            if not overlapping:
                return self._emit(index, tracked, detected=False)
            best = max(overlapping, key=lambda b: b.iou(tracked.box))
            if best.iou(tracked.box) >= 0.6:
                self._learn_relation(best, tracked.points)
                return self._emit(index, tracked, detected=True)
            reseeded = self._fit_detection(rgb, best)
            return self._emit(index, reseeded or tracked, detected=reseeded is not None)
        elif self._last_box is not None:
            boxes = detect_faces(rgb, self.detect_max_side)
            candidates = rank_nearest_faces(boxes, self._last_box)
        else:
            boxes = detect_faces(rgb, self.detect_max_side)
            candidates = rank_main_faces(boxes, rgb.shape[1], rgb.shape[0])

        # The HOG detector has false positives (clothing, patterned backgrounds); the fit's
        # own stability rejects them, so try candidates in order of preference.
        for candidate in candidates[:MAX_CANDIDATES]:
            fresh = self._fit_detection(rgb, candidate)
            if fresh is not None:
                return self._emit(index, fresh, detected=True)
        self._points = None
        return FrameLandmarks(index, None, False, 0.0, False, None)

    def _track(self, rgb: np.ndarray) -> _Fit | None:
        assert self._points is not None
        box = self._relation.box_for(self._points)
        points, instability = fit_landmarks(rgb, box)
        moved = self._relation.box_for(points)
        if _far_apart(moved, box):
            # Fast motion: fit again from where the face is now, so the predictor starts close.
            box = moved
            points, instability = fit_landmarks(rgb, box)
        confidence = confidence_from_instability(instability)
        jump = float(np.linalg.norm(points - self._points, axis=1).mean()) / box.side
        if confidence < self.min_confidence or jump > self.max_jump:
            return None
        return _Fit(points, confidence, box)

    def _fit_detection(self, rgb: np.ndarray, detection: FaceBox) -> _Fit | None:
        points, _ = fit_landmarks(rgb, detection)
        self._learn_relation(detection, points)
        # Refit in the box the tracker itself would use, so the output depends little on
        # where the HOG grid (8 px cells of the downscaled copy) happened to put the box.
        box = self._relation.box_for(points)
        points, instability = fit_landmarks(rgb, box)
        confidence = confidence_from_instability(instability)
        if confidence < self.min_confidence:
            return None  # a detector false positive: nothing face-like to fit
        return _Fit(points, confidence, box)

    def _learn_relation(self, detection: FaceBox, points: np.ndarray) -> None:
        # Running mean over this video's detections; the built-in relation counts as one.
        self._relation_samples += 1
        measured = BoxRelation.measure(detection, points)
        self._relation = self._relation.blend(measured, 1.0 / (self._relation_samples + 1))

    def _emit(self, index: int, fit: _Fit, detected: bool) -> FrameLandmarks:
        self._points = fit.points
        self._last_box = fit.box
        return FrameLandmarks(
            index=index,
            points=fit.points.astype(np.float32),
            face_found=True,
            confidence=fit.confidence,
            detected=detected,
            box=fit.box,
        )


def detect_landmarks(
    rgb: np.ndarray, detect_max_side: int = 400, min_confidence: float = 0.4, index: int = 0
) -> FrameLandmarks:
    """Landmarks of a single image without tracking: detect, take the main face (the first
    whose fit is stable), fit in the detector's box. The per-frame baseline that the tracker
    is measured against."""
    rgb = _as_image(rgb)
    boxes = rank_main_faces(detect_faces(rgb, detect_max_side), rgb.shape[1], rgb.shape[0])
    for box in boxes[:MAX_CANDIDATES]:
        points, instability = fit_landmarks(rgb, box)
        confidence = confidence_from_instability(instability)
        if confidence >= min_confidence:
            return FrameLandmarks(index, points.astype(np.float32), True, confidence, True, box)
    return FrameLandmarks(index, None, False, 0.0, False, None)


def track_landmarks(
    frames: Iterable[np.ndarray], **tracker_options: object
) -> Iterator[FrameLandmarks]:
    """Landmarks of every frame of a video, tracked. `frames` yields RGB arrays, or objects
    with an `.rgb` array (the frames of `talkinghead.media`); options go to LandmarkTracker."""
    tracker = LandmarkTracker(**tracker_options)  # type: ignore[arg-type]
    for frame in frames:
        yield tracker.update(getattr(frame, "rgb", frame))


def stack_landmarks(results: Iterable[FrameLandmarks]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-frame results as arrays: points (N, 68, 2) float32 with NaN where no face,
    valid (N,) bool, confidence (N,) float32."""
    results = list(results)
    points = np.full((len(results), 68, 2), np.nan, dtype=np.float32)
    valid = np.zeros(len(results), dtype=bool)
    confidence = np.zeros(len(results), dtype=np.float32)
    for i, r in enumerate(results):
        if r.face_found and r.points is not None:
            points[i] = r.points
            valid[i] = True
            confidence[i] = r.confidence
    return points, valid, confidence
