"""`transforms_train.json` / `transforms_val.json` in the AD-NeRF / ER-NeRF / GaussianTalker
layout, from our track params.

What their code does (read in the public repositories):
- The face tracker (AD-NeRF `data_util/face_tracking/util.py`, the same in ER-NeRF
  `data_utils/face_tracking/util.py` and GaussianTalker) poses the 3DMM as
  p_cam = rot @ p_head + trans  (rot = euler2rot(euler)) and projects with
  x = -f X / Z + cx,  y = f Y / Z + cy  where Z < 0 (trans z ~ -7): its camera space
  is OpenGL's (x right, y up, z towards the viewer, looking down -z); its head space is
  the Basel Face Model's (x towards the image right of a frontal face, y up, z out of the
  face towards the camera), in units of 10 cm (the BFM's micrometres / 1e5).
- `save_transforms` (GaussianTalker `data_utils/process.py`, as AD-NeRF's
  `process_data.py` and ER-NeRF's `data_utils/process.py`) writes, per frame,
      transform_matrix = [[rot^T, -rot^T @ (trans / 10)], [0, 0, 0, 1]]
  i.e. the camera-to-world matrix with the head as the world, translation in metres, with
  `focal_len` and `cx = w / 2`, `cy = h / 2`, `img_id = aud_id = frame index`, and the last
  1/11 of the frames in `transforms_val.json`. AD-NeRF's step 7 lists only the frames that
  have landmarks (`valid_img_ids`), keeping each one's own index as img_id.
- ER-NeRF's loader (`nerf_triplane/provider.py`) reads `transform_matrix` through
  `nerf_matrix_to_ngp` (a permutation of the world axes, the camera's y and z columns
  negated, translation times `scale`) and casts rays through pixel (i, j) along
  ((i + 0.5 - cx) / f, (j + 0.5 - cy) / f, 1): pixel centres at half-integers.
- GaussianTalker's loader (`scene/talking_dataset_readers.py`) reads `focal_len`, `cx`,
  `cy` (image size w = 2 cx, h = 2 cy, fov = focal2fov(focal_len, w)) and the frames'
  `img_id` (ori_imgs/{img_id}.jpg and .lms, parsing, torso) and `aud_id`; its camera pose
  comes from its own `track_params.pt` (BFM euler/trans), which we do not write.

Our params map to it as follows (F = diag(1, -1, -1): OpenCV <-> OpenGL axes, and our head
frame -> BFM-style head frame):
    world point (metres)      w = F @ p_head / 1000
    their rotation            rot = F @ R @ F
    their translation (m)     trans = F @ t / 1000
    transform_matrix          [[rot^T, -rot^T @ trans], [0, 0, 0, 1]]
    focal_len                 focal;   cx, cy = our cx + 0.5, cy + 0.5 (= w / 2, h / 2 for
                              the image centre: their pixel centres are at half-integers)
Frames: img_id = aud_id = frame index; frames without a face (flagged interpolated) are
left out of both files, as AD-NeRF leaves out frames without landmarks and since the
loaders read ori_imgs/{img_id}.lms for every listed frame and train on it
(`excluded_frames` lists them). Validation = frames >= val_start.
Extra keys beside theirs (ignored by their loaders): `w`, `h` (ER-NeRF reads them when
present), `camera_convention`, `excluded_frames`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from talkinghead.preprocess.commit import write_json_atomic
from talkinghead.tracking.params import TrackParams

FLIP = np.diag([1.0, -1.0, -1.0])
MM_PER_METRE = 1000.0
TRAIN_FILE = "transforms_train.json"
VAL_FILE = "transforms_val.json"

CAMERA_CONVENTION = (
    "AD-NeRF/ER-NeRF/GaussianTalker: transform_matrix is camera-to-world with the head as "
    "the world; camera axes OpenGL (x right, y up, looking down -z); world = head frame with "
    "x to the image right of a frontal face, y up, z out of the face (BFM axes), metres; "
    "pixel centres at half-integers (cx = w/2). From talkinghead track params (OpenCV "
    "camera, head x right / y down / z away, mm): rot = F R F, trans = F t / 1000, "
    "F = diag(1,-1,-1), transform_matrix = [[rot^T, -rot^T trans], [0,0,0,1]]; "
    "head landmarks map to world points F p / 1000."
)


def head_to_world(points_head_mm: np.ndarray) -> np.ndarray:
    """Our head-frame points (mm) -> their world points (metres)."""
    return np.asarray(points_head_mm, float) @ FLIP.T / MM_PER_METRE


def transform_matrices(params: TrackParams) -> np.ndarray:
    """(N, 4, 4) camera-to-world matrices in their convention (module doc)."""
    rot = FLIP @ params.rotation_matrices() @ FLIP
    trans = params.translation.astype(np.float64) @ FLIP.T / MM_PER_METRE
    rot_t = np.transpose(rot, (0, 2, 1))
    out = np.zeros((params.frame_count, 4, 4))
    out[:, :3, :3] = rot_t
    out[:, :3, 3] = -np.einsum("nij,nj->ni", rot_t, trans)
    out[:, 3, 3] = 1.0
    return out


def transforms_documents(params: TrackParams) -> tuple[dict, dict]:
    """The train and validation documents."""
    matrices = transform_matrices(params)
    excluded = [int(i) for i in np.flatnonzero(params.interpolated)]

    def document(frames: range) -> dict:
        return {
            "focal_len": float(params.focal),
            "cx": float(params.cx) + 0.5,
            "cy": float(params.cy) + 0.5,
            "w": int(params.width),
            "h": int(params.height),
            "camera_convention": CAMERA_CONVENTION,
            "excluded_frames": [i for i in excluded if i in frames],
            "frames": [
                {"img_id": i, "aud_id": i, "transform_matrix": matrices[i].tolist()}
                for i in frames if not params.interpolated[i]
            ],
        }

    n = params.frame_count
    return document(range(0, params.val_start)), document(range(params.val_start, n))


def write_transforms(dataset_dir: str | Path, params: TrackParams) -> tuple[Path, Path]:
    """Write both files atomically; returns their paths."""
    root = Path(dataset_dir)
    train, val = transforms_documents(params)
    write_json_atomic(root / TRAIN_FILE, train)
    write_json_atomic(root / VAL_FILE, val)
    return root / TRAIN_FILE, root / VAL_FILE
