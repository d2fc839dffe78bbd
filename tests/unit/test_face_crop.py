"""The clip-wide crop: point mapping (checked against where cv2 actually puts a pixel),
containment of every frame's face, shape rules for small and large sources, and storage."""

import json

import numpy as np
import pytest

from talkinghead.errors import InvalidInputError
from talkinghead.face.crop import Crop, choose_crop

# A face's 68 landmarks in a 512 px frame: the astronaut portrait's, rounded (brow-to-chin
# height ~91 px). Only its geometry matters here.
FACE_CENTER = np.array([225.0, 132.0])


def synthetic_face(center: np.ndarray, height: float) -> np.ndarray:
    """68 points spread like a face: an ellipse for jaw/brows, inner points inside it."""
    rng = np.random.default_rng(0)
    angles = np.linspace(0, 2 * np.pi, 68, endpoint=False)
    pts = np.stack([0.45 * np.cos(angles), 0.5 * np.sin(angles)], axis=1) * height
    pts[20:] *= rng.uniform(0.2, 0.9, size=(48, 1))
    return pts + center


def moving_faces(n: int, center: np.ndarray, height: float, amplitude: float) -> np.ndarray:
    t = np.arange(n)
    offsets = np.stack([amplitude * np.sin(t / 7.0), 0.5 * amplitude * np.cos(t / 5.0)], axis=1)
    return np.stack([synthetic_face(center + o, height) for o in offsets])


def test_points_map_to_crop_and_back_exactly():
    rng = np.random.default_rng(1)
    points = rng.uniform(-100, 2000, size=(50, 68, 2))
    for crop in (Crop(100, 40, 900, 512), Crop(-30, -12, 300, 512), Crop(0, 0, 512, 512)):
        back = crop.from_crop(crop.to_crop(points))
        np.testing.assert_allclose(back, points, rtol=0, atol=1e-9)


@pytest.mark.parametrize("crop", [Crop(300, 100, 900, 512), Crop(500, 300, 256, 512)])
def test_point_mapping_matches_where_the_image_lands(crop):
    # A Gaussian blob at a sub-pixel source position; its centroid after `apply` must sit
    # where `to_crop` says (independent of the mapping formula: cv2 does the resampling).
    h, w = 1080, 1920
    src = np.array([300 + 0.37 * crop.side, 100 + 0.61 * crop.side]) + np.array(
        [crop.x0 - 300, crop.y0 - 100]
    )
    yy, xx = np.mgrid[0:h, 0:w]
    sigma = 0.02 * crop.side
    blob = np.exp(-((xx - src[0]) ** 2 + (yy - src[1]) ** 2) / (2 * sigma**2))
    image = (blob * 255).astype(np.float32)
    out = crop.apply(image).astype(np.float64)
    ys, xs = np.mgrid[0 : crop.out_size, 0 : crop.out_size]
    centroid = np.array([(out * xs).sum(), (out * ys).sum()]) / out.sum()
    np.testing.assert_allclose(centroid, crop.to_crop(src), atol=0.3)


def test_crop_of_1080p_clip_holds_every_face_with_margin():
    height = 300.0
    faces = moving_faces(100, np.array([1100.0, 420.0]), height, amplitude=60.0)
    valid = np.ones(100, dtype=bool)
    crop = choose_crop(faces, valid, 1920, 1080, out_size=512)
    assert isinstance(crop.side, int) and crop.out_size == 512
    assert crop.side <= 1080  # within the frame height
    assert 0 <= crop.x0 and crop.x0 + crop.side <= 1920
    assert 0 <= crop.y0 and crop.y0 + crop.side <= 1080
    inside = crop.to_crop(faces.reshape(-1, 2))
    margin = 0.2 * height * crop.scale
    assert inside.min() >= margin and inside.max() <= crop.out_size - 1 - margin
    # Head and shoulders, not a face close-up: the face is a third of the crop or less.
    assert crop.side >= 2.5 * height
    # Centred horizontally on the face's range of motion.
    face_mid = 0.5 * (faces[..., 0].min() + faces[..., 0].max())
    assert abs(crop.x0 + 0.5 * crop.side - face_mid) < 2.0
    # More room below the face (neck, shoulders) than above it.
    room_above = faces[..., 1].min() - crop.y0
    room_below = crop.y0 + crop.side - faces[..., 1].max()
    assert room_below > room_above > 0.5 * height


def test_large_face_in_1080p_is_capped_at_the_frame_height():
    faces = moving_faces(20, np.array([960.0, 540.0]), 600.0, amplitude=10.0)
    crop = choose_crop(faces, np.ones(20, dtype=bool), 1920, 1080)
    assert crop.side == 1080 and crop.y0 == 0


def test_small_square_head_and_shoulders_source_keeps_its_whole_frame():
    faces = moving_faces(50, FACE_CENTER + [30, 0], 91.0, amplitude=5.0)
    crop = choose_crop(faces, np.ones(50, dtype=bool), 512, 512, out_size=512)
    assert crop == Crop(0, 0, 512, 512)


def test_face_near_the_frame_edge_shifts_the_square_inside_the_frame():
    faces = moving_faces(30, np.array([1770.0, 300.0]), 250.0, amplitude=20.0)  # x up to 1902
    crop = choose_crop(faces, np.ones(30, dtype=bool), 1920, 1080)
    assert crop.x0 + crop.side == 1920
    inside = crop.to_crop(faces.reshape(-1, 2))
    assert inside.min() >= 0 and inside.max() <= crop.out_size - 1


def test_frames_without_a_face_do_not_move_the_crop():
    faces = moving_faces(40, np.array([900.0, 500.0]), 280.0, amplitude=30.0)
    valid = np.ones(40, dtype=bool)
    reference = choose_crop(faces, valid, 1920, 1080)
    polluted = faces.copy()
    polluted[::5] = np.nan
    polluted[1::5] = 5000.0  # garbage where the frame is marked face-less
    valid[::5] = False
    valid[1::5] = False
    crop = choose_crop(polluted, valid, 1920, 1080)
    assert abs(crop.side - reference.side) <= 0.05 * reference.side
    assert abs(crop.x0 - reference.x0) <= 0.05 * reference.side


def test_choose_crop_rejects_clips_without_faces_and_bad_shapes():
    faces = moving_faces(5, FACE_CENTER, 91.0, 1.0)
    with pytest.raises(InvalidInputError, match="no face"):
        choose_crop(faces, np.zeros(5, dtype=bool), 512, 512)
    with pytest.raises(InvalidInputError, match="68"):
        choose_crop(faces[:, :10], np.ones(5, dtype=bool), 512, 512)
    bad = faces.copy()
    bad[2, 3] = np.nan
    with pytest.raises(InvalidInputError, match="NaN"):
        choose_crop(bad, np.ones(5, dtype=bool), 512, 512)


def test_apply_pads_with_edge_pixels_outside_the_frame():
    image = np.arange(100 * 120 * 3, dtype=np.uint32).reshape(100, 120, 3).astype(np.uint8)
    image[:, :, 0] = np.arange(120)[None, :]  # a horizontal ramp in channel 0
    crop = Crop(-20, -10, 80, 80)  # same size: no resampling, pure cut + pad
    out = crop.apply(image)
    assert out.shape == (80, 80, 3)
    np.testing.assert_array_equal(out[10:, 20:], image[0:70, 0:60])
    np.testing.assert_array_equal(out[:10, 20:], np.repeat(image[:1, 0:60], 10, axis=0))
    np.testing.assert_array_equal(out[10:, :20, 0], np.zeros((70, 20), dtype=np.uint8))
    with pytest.raises(InvalidInputError, match="outside"):
        Crop(500, 0, 50, 50).apply(image)


def test_apply_nearest_keeps_label_values():
    labels = np.zeros((200, 200), dtype=np.uint8)
    labels[50:150, 60:140] = 3
    out = Crop(10, 10, 180, 64).apply(labels, nearest=True)
    assert set(np.unique(out)) == {0, 3}


def test_crop_dict_round_trip_and_validation():
    crop = Crop(12, -4, 700, 512)
    stored = json.loads(json.dumps(crop.to_dict()))
    assert Crop.from_dict(stored) == crop
    with pytest.raises(InvalidInputError, match="side"):
        Crop.from_dict({"x0": 0, "y0": 0, "out_size": 512})
    with pytest.raises(InvalidInputError, match="integer"):
        Crop.from_dict({"x0": 0.5, "y0": 0, "side": 10, "out_size": 512})
    with pytest.raises(InvalidInputError, match=">= 1"):
        Crop(0, 0, 0, 512)
