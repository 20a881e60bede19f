"""Audio for the skill: speech, generated sounds and Alexa-compliant MP3 export.

Modules: `ffmpeg` (find the ffmpeg binary and point pydub at it), `tts` (text to speech with an
on-disk cache), `sounds` (chimes and breath-paced hold beds, generated, no assets) and `export`
(write and inspect the MP3 files Alexa's `<audio>` tag accepts).

pydub is imported here, once, with its import-time warnings silenced narrowly; import
`AudioSegment` from this package rather than from pydub, so whichever module comes first in a
process gets the same quiet import. The warnings: `import audioop` is deprecated on Python
3.11-3.12 (3.13+ uses `audioop-lts`, which is quiet); pydub warns when no `ffmpeg` is on PATH,
although `ffmpeg.ffmpeg_exe()` supplies imageio-ffmpeg's binary before any conversion; and
Python 3.12+ flags pydub's regex strings as invalid escape sequences when compiling it.
"""

import warnings

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    warnings.filterwarnings("ignore", "Couldn't find ffmpeg or avconv", RuntimeWarning)
    warnings.filterwarnings("ignore", "invalid escape sequence", SyntaxWarning)
    from pydub import AudioSegment

__all__ = ["AudioSegment"]
