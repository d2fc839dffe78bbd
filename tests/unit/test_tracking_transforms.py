"""transforms_train.json / transforms_val.json, read the way the talking-head tools read
them (their code re-implemented here from the public repositories):

- ER-NeRF `nerf_triplane/provider.py`: `nerf_matrix_to_ngp(pose, scale, offset)` on each
  transform_matrix, intrinsics [focal_len, focal_len, cx, cy], and `utils.get_rays`, whose
  ray through pixel (i, j) has camera direction ((i + 0.5 - cx) / f, (j + 0.5 - cy) / f, 1)
  rotated by the pose's 3x3 block.
- The 3D Gaussian Splatting reader that GaussianTalker builds on
  (`scene/dataset_readers.py`, readCamerasFromTransforms): c2w[:3, 1:3] *= -1, w2c =
  inv(c2w), R = w2c[:3, :3]^T, T = w2c[:3, 3], with GaussianTalker's intrinsics reading
  (`scene/talking_dataset_readers.py`: w = 2 cx, h = 2 cy, FovX = focal2fov(focal_len, w))
  and the rasterizer's pixel mapping ((ndc + 1) * W - 1) / 2.
Both must put the person's 3D landmarks (mapped to their world as the JSON's
camera_convention states: x, -y, -z, millimetres -> metres) onto the 2D landmarks of the
frame. The landmarks are a synthetic clip's, with a few frames without a face."""

import json
import math

import numpy as np
import pytest

from talkinghead.face.au_csv import write_au_csv
from talkinghead.face.lms_io import read_lms, write_lms
from talkinghead.tracking.synthetic import synthetic_clip
from talkinghead.tracking.track_dataset import track_dataset

FRAMES = 220
NO_FACE = (30, 31, 32, 210)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    clip = synthetic_clip(frames=FRAMES, yaw_deg=15.0, pitch_deg=8.0, seed=11)
    root = tmp_path_factory.mktemp("dataset")
    (root / "ori_imgs").mkdir()
    valid = np.ones(FRAMES, bool)
    valid[list(NO_FACE)] = False
    for i in np.flatnonzero(valid):
        write_lms(root / "ori_imgs" / f"{i}.lms", clip.landmarks[i])
    (root / "manifest.json").write_text(json.dumps({
        "frame_count": FRAMES, "width": clip.size, "height": clip.size, "fps": 25.0,
        "faceless_frames": list(NO_FACE)}))
    write_au_csv(root / "au.csv", np.zeros(FRAMES), valid, valid.astype(float),
                 np.zeros(FRAMES, bool))
    params = track_dataset(root)
    train = json.loads((root / "transforms_train.json").read_text())
    val = json.loads((root / "transforms_val.json").read_text())
    return {"root": root, "params": params, "train": train, "val": val}


def test_layout_and_split(dataset):
    train, val, params = dataset["train"], dataset["val"], dataset["params"]
    for doc in (train, val):
        assert doc["focal_len"] == pytest.approx(params.focal)
        assert doc["cx"] * 2 == params.width and doc["cy"] * 2 == params.height
        assert "camera_convention" in doc
        for frame in doc["frames"]:
            assert set(frame) == {"img_id", "aud_id", "transform_matrix"}
            assert frame["img_id"] == frame["aud_id"]
            assert np.array(frame["transform_matrix"]).shape == (4, 4)
    train_ids = [f["img_id"] for f in train["frames"]]
    val_ids = [f["img_id"] for f in val["frames"]]
    assert params.val_start == FRAMES - FRAMES // 11
    assert max(train_ids) < params.val_start <= min(val_ids)  # validation is the tail
    assert sorted(train_ids + val_ids) == [i for i in range(FRAMES) if i not in NO_FACE]
    assert train["excluded_frames"] + val["excluded_frames"] == list(NO_FACE)
    # Their loaders read ori_imgs/{img_id}.lms of every listed frame: all exist.
    for i in train_ids + val_ids:
        assert (dataset["root"] / "ori_imgs" / f"{i}.lms").is_file()


def test_matrices_are_rigid_camera_to_world_transforms(dataset):
    for frame in dataset["train"]["frames"] + dataset["val"]["frames"]:
        m = np.array(frame["transform_matrix"])
        assert np.allclose(m[3], [0, 0, 0, 1])
        assert np.allclose(m[:3, :3].T @ m[:3, :3], np.eye(3), atol=1e-6)
        assert np.linalg.det(m[:3, :3]) == pytest.approx(1.0, abs=1e-6)
        # The camera sits in front of the face: ~0.6 m away along the face's +z (BFM axes).
        assert 0.3 < m[2, 3] < 1.0 and abs(m[0, 3]) < 0.2 and abs(m[1, 3]) < 0.2


def _world_points(params):
    """The person's landmarks per frame in their world: our head frame (x right, y down,
    z away, mm) -> BFM-like axes in metres, as camera_convention states."""
    return params.landmarks_3d().astype(np.float64) * np.array([1.0, -1.0, -1.0]) / 1000.0


def _ernerf_project(doc, world, scale=4.0, offset=(0.0, 0.0, 0.0)):
    """Pixels (pixel centres at integers) where ER-NeRF's rays meet the world points."""
    out = {}
    f, cx, cy = doc["focal_len"], doc["cx"], doc["cy"]
    for frame in doc["frames"]:
        pose = np.array(frame["transform_matrix"], dtype=np.float32)
        ngp = np.array([  # nerf_matrix_to_ngp
            [pose[1, 0], -pose[1, 1], -pose[1, 2], pose[1, 3] * scale + offset[0]],
            [pose[2, 0], -pose[2, 1], -pose[2, 2], pose[2, 3] * scale + offset[1]],
            [pose[0, 0], -pose[0, 1], -pose[0, 2], pose[0, 3] * scale + offset[2]],
            [0, 0, 0, 1]], dtype=np.float64)
        pts = world[frame["img_id"]]
        # Their scene: world axes permuted like the pose rows, scaled like its translation.
        pts_ngp = pts[:, [1, 2, 0]] * scale + np.array(offset)
        cam = (pts_ngp - ngp[:3, 3]) @ ngp[:3, :3]  # direction = R @ d  ->  d = R^T (p - o)
        assert np.all(cam[:, 2] > 0)
        i = f * cam[:, 0] / cam[:, 2] + cx - 0.5  # ray through (i + 0.5 - cx) / f
        j = f * cam[:, 1] / cam[:, 2] + cy - 0.5
        out[frame["img_id"]] = np.stack([i, j], axis=1)
    return out


def _gaussian_splatting_project(doc, world):
    w, h = doc["cx"] * 2, doc["cy"] * 2
    fovx = 2 * math.atan(w / (2 * doc["focal_len"]))  # focal2fov
    fovy = 2 * math.atan(h / (2 * doc["focal_len"]))
    out = {}
    for frame in doc["frames"]:
        c2w = np.array(frame["transform_matrix"])
        c2w[:3, 1:3] *= -1
        w2c = np.linalg.inv(c2w)
        r, t = np.transpose(w2c[:3, :3]), w2c[:3, 3]
        view = np.eye(4)  # getWorld2View2(R, T)
        view[:3, :3], view[:3, 3] = r.T, t
        pts = np.c_[world[frame["img_id"]], np.ones(68)] @ view.T
        ndc_x = pts[:, 0] / (pts[:, 2] * math.tan(fovx / 2))
        ndc_y = pts[:, 1] / (pts[:, 2] * math.tan(fovy / 2))
        out[frame["img_id"]] = np.stack([((ndc_x + 1) * w - 1) / 2, ((ndc_y + 1) * h - 1) / 2],
                                        axis=1)
    return out


@pytest.mark.parametrize("reader", [_ernerf_project, _gaussian_splatting_project])
def test_their_reading_puts_the_3d_landmarks_on_the_2d_landmarks(dataset, reader):
    world = _world_points(dataset["params"])
    errors = []
    for doc in (dataset["train"], dataset["val"]):
        for img_id, projected in reader(doc, world).items():
            lms = read_lms(dataset["root"] / "ori_imgs" / f"{img_id}.lms")
            errors.append(np.linalg.norm(projected - lms, axis=1))
    errors = np.concatenate(errors)
    assert np.sqrt(np.mean(errors**2)) <= 2.0 and errors.max() <= 6.0
