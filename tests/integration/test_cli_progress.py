"""Progress display: plain `[stage] done/total` lines when the stream is not a terminal
(first and last of each stage always, in between at most once per interval), and one
tqdm bar per stage on a terminal, each closed when the stage changes."""

from __future__ import annotations

import io

from services.cli.progress import StageProgress, format_progress


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_plain_lines_per_stage_with_first_and_last_always_shown():
    stream, clock = io.StringIO(), FakeClock()
    progress = StageProgress(stream, interactive=False, line_interval=1.0, clock=clock)
    for done in range(0, 751, 125):  # 7 updates within 0.6 s: only the first and last show
        progress.update("landmarks", done, 750)
        clock.now += 0.1
    clock.now += 1.0
    progress.update("parsing", 0, 10, "learning the background")
    clock.now += 1.5
    progress.update("parsing", 5, 10)  # more than the interval later: shown
    progress.update("parsing", 5, 10)  # the same again: not repeated
    progress.close()
    assert stream.getvalue().splitlines() == [
        "[landmarks] 0/750",
        "[landmarks] 750/750",
        "[parsing] 0/10 learning the background",
        "[parsing] 5/10",
    ]


def test_byte_amounts_are_readable():
    assert format_progress(375, 750) == "375/750"
    assert format_progress(3, 0) == "3"
    assert format_progress(512, 1000, "B") == "512/1000 B"
    assert format_progress(1536, 3072, "B") == "1.5/3.0 KiB"
    assert format_progress(3 * 2**20, 5 * 2**20, "B") == "3.0/5.0 MiB"


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_one_bar_per_stage_on_a_terminal():
    stream = FakeTerminal()
    progress = StageProgress(stream)  # interactive because the stream is a terminal
    progress.update("frames", 0, 80)
    progress.update("frames", 80, 80)
    progress.update("landmarks", 40, 80)
    progress.close()
    text = stream.getvalue()
    # tqdm redraws with carriage returns; a closed bar ends with a newline.
    finished = [line.split("\r")[-1] for line in text.split("\n") if line]
    assert len(finished) == 2
    assert finished[0].startswith("frames: 100%") and "80/80" in finished[0]
    assert finished[1].startswith("landmarks:  50%") and "40/80" in finished[1]
