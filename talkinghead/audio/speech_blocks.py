"""Running a speech model over long or streaming audio in fixed blocks with context.

A wav2vec2/HuBERT output step depends on the whole input segment (self-attention, input
normalisation, group norm), so a stream can never see what a whole-file pass sees. Instead
both the offline and the streaming paths compute the features the same way: output steps
come in blocks of `block_steps`; block b is read from one model pass over the samples of
steps `b*block_steps - left_steps .. (b+1)*block_steps + right_steps - 1`, clipped to the
audio. The blocks sit at the same absolute positions in both paths, so a stream gives the
offline numbers (up to float rounding), and memory is bounded by one block's segment. A
clip shorter than `block_steps + right_steps` steps is one whole-file pass.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from talkinghead.errors import InvalidInputError

from .speech_model import SpeechModel, SpeechModelConfig


@dataclass(frozen=True)
class ContextWindow:
    """Block size and context of the speech model passes, in output steps (20 ms each).

    The defaults (1 s left, 0.2 s block, 0.3 s right) cost one 1.5 s pass per 0.2 s of
    audio and put a stream about 0.65 s behind real time at 25 fps.
    """

    left_steps: int = 50
    block_steps: int = 10
    right_steps: int = 15

    def __post_init__(self) -> None:
        if self.block_steps < 1 or self.left_steps < 0 or self.right_steps < 0:
            raise InvalidInputError(
                f"context window {self} needs block_steps >= 1 and non-negative context"
            )

    def segment(self, block: int, config: SpeechModelConfig) -> tuple[int, int, int]:
        """(first step, start sample, end sample) of block `block`'s model pass, before
        clipping at the end of the audio."""
        first = max(0, block * self.block_steps - self.left_steps)
        last = (block + 1) * self.block_steps + self.right_steps - 1
        return first, first * config.stride, last * config.stride + config.receptive_field

    def lookahead_samples(self, config: SpeechModelConfig) -> int:
        """Samples past step j's start (j * stride) that must arrive before step j is final
        (worst case: the first step of a block waits for the block and its right context)."""
        steps_ahead = self.block_steps + self.right_steps - 1
        return steps_ahead * config.stride + config.receptive_field


def _block_steps(
    model: SpeechModel,
    context: ContextWindow,
    block: int,
    first: int,
    segment: np.ndarray,
    total_steps: int,
) -> np.ndarray:
    hidden = model.hidden_states(segment)
    start = block * context.block_steps
    stop = min(start + context.block_steps, total_steps)
    return hidden[start - first : stop - first]


def speech_model_steps(audio: np.ndarray, model: SpeechModel, context: ContextWindow) -> np.ndarray:
    """Last-hidden-state steps of a whole clip, `(output_steps(n), hidden_size)`, computed
    block by block as described in the module docstring."""
    config = model.config
    total = config.output_steps(len(audio))
    out = np.empty((total, config.hidden_size), np.float32)
    for block in range(math.ceil(total / context.block_steps)):
        first, start, end = context.segment(block, config)
        steps = _block_steps(model, context, block, first, audio[start:end], total)
        out[block * context.block_steps : block * context.block_steps + len(steps)] = steps
    return out


class SpeechModelStepStream:
    """Speech-model steps of a growing stream of 16 kHz samples, a block at a time as soon
    as the block's segment has fully arrived; equal to `speech_model_steps` on the whole
    stream. Keeps only the samples of the next block's segment."""

    def __init__(self, model: SpeechModel, context: ContextWindow) -> None:
        self._model = model
        self._context = context
        self.dims = model.config.hidden_size
        self.step_hz = model.config.spec.step_hz
        self.lookahead_samples = context.lookahead_samples(model.config)
        self._buffer = np.zeros(0, np.float32)
        self._buffer_start = 0  # sample index of self._buffer[0]
        self._next_block = 0

    @property
    def buffered_samples(self) -> int:
        """Samples held in memory."""
        return len(self._buffer)

    def push(self, samples: np.ndarray) -> np.ndarray:
        """Add samples; return the steps of every block they complete."""
        self._buffer = np.concatenate([self._buffer, samples])
        received = self._buffer_start + len(self._buffer)
        out = []
        while True:
            first, start, end = self._context.segment(self._next_block, self._model.config)
            if end > received:
                break
            out.append(self._run_block(first, start, end, total_steps=None))
        return self._joined(out)

    def flush(self) -> np.ndarray:
        """End of stream: the steps of the remaining blocks, their segments cut at the end."""
        received = self._buffer_start + len(self._buffer)
        total = self._model.config.output_steps(received)
        out = []
        while self._next_block * self._context.block_steps < total:
            first, start, end = self._context.segment(self._next_block, self._model.config)
            out.append(self._run_block(first, start, min(end, received), total_steps=total))
        return self._joined(out)

    def _run_block(self, first: int, start: int, end: int, total_steps: int | None) -> np.ndarray:
        segment = self._buffer[start - self._buffer_start : end - self._buffer_start]
        block = self._next_block
        # A block whose whole segment arrived ends inside the audio: no clipping at the end.
        total = total_steps if total_steps is not None else (block + 1) * self._context.block_steps
        steps = _block_steps(self._model, self._context, block, first, segment, total)
        self._next_block += 1
        next_start = self._context.segment(self._next_block, self._model.config)[1]
        drop = max(0, min(next_start - self._buffer_start, len(self._buffer)))
        self._buffer = self._buffer[drop:]
        self._buffer_start += drop
        return steps

    def _joined(self, parts: list[np.ndarray]) -> np.ndarray:
        if not parts:
            return np.zeros((0, self.dims), np.float32)
        return np.concatenate(parts).astype(np.float32, copy=False)
