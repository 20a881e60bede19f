"""Find the ffmpeg binary once and tell pydub to use it."""

from __future__ import annotations

import functools
import shutil

from skill.audio import AudioSegment


@functools.cache
def ffmpeg_exe() -> str:
    """Return the path of the ffmpeg binary and make it pydub's converter. A system `ffmpeg` on PATH
    wins; otherwise the binary bundled in the imageio-ffmpeg wheel is used, so the skill works where
    no ffmpeg is installed (Lambda, a fresh laptop). The lookup runs once per process; call this
    before anything that runs ffmpeg, directly or via pydub.
    """
    exe = shutil.which("ffmpeg")
    if exe is None:
        import imageio_ffmpeg

        exe = str(imageio_ffmpeg.get_ffmpeg_exe())
    AudioSegment.converter = exe
    return exe
