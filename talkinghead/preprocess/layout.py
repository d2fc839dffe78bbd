"""Where each file of a dataset lives.

The layout follows AD-NeRF / GaussianTalker so datasets move between their tools and ours:

    ori_imgs/N.jpg        25 fps frames, cropped and scaled to the training resolution
    ori_imgs/N.lms        68 landmarks of frame N, "x y" per line (pixels of N.jpg)
    parsing/N.png         head red, neck green, torso blue, background white
    bc.jpg                background plate
    torso_imgs/N.png      RGBA: neck and torso, head and background transparent
    gt_imgs/N.jpg         the frame with its background replaced by the plate
    aud.wav               16 kHz mono PCM16
    aud_<kind>.npy        audio features (N, window, dims); kind = logmel | w2v | hu
    au.csv                blink: OpenFace-style columns including AU45_r (0-5)

Files of ours beside them:

    manifest.json         source, crop, fps, frame count, faceless frames, features, hashes
    stages.json           which stages are finished (each committed atomically)
    landmarks_src.npz     landmarks in source-video pixels, validity, confidence
    crop.json             the clip-wide crop box and scale
    background_model.npz  per-pixel background statistics used by parsing
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

AUDIO_FEATURE_FILES = {"logmel": "aud_logmel.npy", "wav2vec2": "aud_w2v.npy", "hubert": "aud_hu.npy"}


@dataclass(frozen=True)
class DatasetLayout:
    root: Path

    @property
    def ori_imgs(self) -> Path:
        return self.root / "ori_imgs"

    @property
    def parsing(self) -> Path:
        return self.root / "parsing"

    @property
    def torso_imgs(self) -> Path:
        return self.root / "torso_imgs"

    @property
    def gt_imgs(self) -> Path:
        return self.root / "gt_imgs"

    @property
    def audio_wav(self) -> Path:
        return self.root / "aud.wav"

    @property
    def background(self) -> Path:
        return self.root / "bc.jpg"

    @property
    def au_csv(self) -> Path:
        return self.root / "au.csv"

    @property
    def manifest(self) -> Path:
        return self.root / "manifest.json"

    @property
    def stages(self) -> Path:
        return self.root / "stages.json"

    @property
    def landmarks_src(self) -> Path:
        return self.root / "landmarks_src.npz"

    @property
    def crop(self) -> Path:
        return self.root / "crop.json"

    @property
    def background_model(self) -> Path:
        return self.root / "background_model.npz"

    def audio_features(self, kind: str) -> Path:
        return self.root / AUDIO_FEATURE_FILES[kind]

    def frame_jpg(self, i: int) -> Path:
        return self.ori_imgs / f"{i}.jpg"

    def frame_lms(self, i: int) -> Path:
        return self.ori_imgs / f"{i}.lms"

    def parsing_png(self, i: int) -> Path:
        return self.parsing / f"{i}.png"

    def torso_png(self, i: int) -> Path:
        return self.torso_imgs / f"{i}.png"

    def gt_jpg(self, i: int) -> Path:
        return self.gt_imgs / f"{i}.jpg"
