"""TrackOptions: defaults, the validation split and bad values."""

import math

import pytest

from talkinghead.errors import InvalidInputError
from talkinghead.tracking.options import TrackOptions


def test_defaults_hold_out_the_last_eleventh_like_gaussiantalker():
    options = TrackOptions()
    assert options.focal_px is None and options.smoothness == 1.0
    for n in (11, 100, 600, 750, 7272):
        # save_transforms: train_val_split = int(valid_num * 10 / 11) ~ N - N // 11
        assert options.val_start(n) == n - n // 11
    assert TrackOptions(val_fraction=0.0).val_start(500) == 500  # nothing held out
    assert TrackOptions(val_fraction=0.5).val_start(3) == 2  # at least one training frame


@pytest.mark.parametrize("kwargs", [
    {"smoothness": -1.0}, {"smoothness": math.nan}, {"smoothness": math.inf},
    {"val_fraction": 0.6}, {"val_fraction": -0.1},
    {"focal_px": 0.0}, {"focal_px": -500.0}, {"focal_px": math.inf}, {"focal_px": "600"},
    {"components": 0}, {"components": 33}, {"components": 2.5}, {"components": True},
    {"robust_scale_px": 0.0}, {"robust_scale_px": math.nan},
])
def test_bad_options_are_refused_with_the_name_of_the_option(kwargs):
    with pytest.raises(InvalidInputError) as info:
        TrackOptions(**kwargs)
    assert next(iter(kwargs)) in str(info.value)


def test_a_fixed_focal_and_a_small_basis_are_accepted():
    options = TrackOptions(focal_px=650.0, components=4, smoothness=0.0, robust_scale_px=1.0)
    assert options.focal_px == 650.0 and options.components == 4
