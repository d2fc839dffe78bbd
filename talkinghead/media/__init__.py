"""Media I/O: decoding user videos (PyAV, never an ffmpeg binary) and encoding mp4s.

- `probe(path)` -> MediaInfo: what a file holds, from its header.
- `iter_frames(path, fps=25.0, ...)`: upright RGB frames at a constant rate, streamed.
- `decode_audio(path, 16000)` / `extract_audio_wav(path, wav)`: mono audio aligned to the
  video's start.
- `Mp4Writer` / `write_mp4`: H.264 + AAC mp4 with audio and video ending together.
- `write_wav` / `read_wav`: 16-bit PCM WAV.

Every problem with an input file raises MediaError (an InvalidInputError) naming it.
"""

from talkinghead.media.decode_audio import decode_audio, extract_audio_wav
from talkinghead.media.decode_video import Frame, iter_frames
from talkinghead.media.encode import Mp4Writer, write_mp4
from talkinghead.media.errors import MediaError
from talkinghead.media.limits import DEFAULT_LIMITS, MediaLimits
from talkinghead.media.probe import MediaInfo, probe
from talkinghead.media.wav import read_wav, write_wav

__all__ = [
    "DEFAULT_LIMITS",
    "Frame",
    "MediaError",
    "MediaInfo",
    "MediaLimits",
    "Mp4Writer",
    "decode_audio",
    "extract_audio_wav",
    "iter_frames",
    "probe",
    "read_wav",
    "write_mp4",
    "write_wav",
]
