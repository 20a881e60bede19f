"""Write audio as the MP3s Alexa's `<audio>` tag accepts, and read their format back.

Alexa plays MP3 at 48 kbps and 16000, 22050 or 24000 Hz (`skill.limits`); at those rates MP3 is
MPEG-2 Layer III. `export_alexa_mp3` encodes with LAME through ffmpeg and checks every frame
header of the result before the file appears; `mp3_info` reads the header back (parsed here, no
ffprobe, which imageio-ffmpeg does not ship) and decodes the file for its duration.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from skill.audio import AudioSegment
from skill.audio.ffmpeg import ffmpeg_exe
from skill.limits import AUDIO_BITRATE_KBPS, AUDIO_SAMPLE_RATES_HZ

#: The rate we encode at: the highest Alexa accepts.
ALEXA_SAMPLE_RATE_HZ: Final = max(AUDIO_SAMPLE_RATES_HZ)

#: Describes the encoding; part of content hashes, so change it when the ffmpeg arguments change.
EXPORT_PROFILE: Final = f"libmp3lame cbr {AUDIO_BITRATE_KBPS}k mono {ALEXA_SAMPLE_RATE_HZ}Hz v1"

_VERSIONS: Final = {0b00: "2.5", 0b10: "2", 0b11: "1"}
_LAYERS: Final = {0b01: 3, 0b10: 2, 0b11: 1}
_SAMPLE_RATES: Final = {
    "1": (44100, 48000, 32000),
    "2": (22050, 24000, 16000),
    "2.5": (11025, 12000, 8000),
}
# Bitrate index -> kbps; index 0 ("free format") and 15 (invalid) are rejected before lookup.
_BITRATES: Final = {
    ("1", 1): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    ("1", 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    ("1", 3): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    ("2", 1): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    ("2", 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    ("2", 3): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}


class AudioFormatError(ValueError):
    """The bytes are not MPEG audio we can read, or not the MP3 Alexa accepts."""


class FfmpegError(RuntimeError):
    """ffmpeg exited with an error; the message carries the end of its output."""


@dataclass(frozen=True)
class FrameHeader:
    """The fields of one MPEG audio frame header that describe the whole stream."""

    mpeg_version: str
    layer: int
    bitrate_kbps: int
    sample_rate_hz: int
    channels: int
    padding: bool

    @property
    def frame_bytes(self) -> int:
        """Length of this frame in bytes, header included."""
        bits_per_second = self.bitrate_kbps * 1000
        if self.layer == 1:
            return (12 * bits_per_second // self.sample_rate_hz + self.padding) * 4
        per_frame = 72 if self.layer == 3 and self.mpeg_version != "1" else 144
        return per_frame * bits_per_second // self.sample_rate_hz + self.padding

    def alexa_problems(self) -> list[str]:
        """Say what keeps this stream from playing in Alexa's `<audio>` tag; empty when fine."""
        problems = []
        if (self.mpeg_version, self.layer) != ("2", 3):
            problems.append(f"MPEG-{self.mpeg_version} Layer {self.layer}, not MPEG-2 Layer III")
        if self.bitrate_kbps != AUDIO_BITRATE_KBPS:
            problems.append(f"{self.bitrate_kbps} kbps, not {AUDIO_BITRATE_KBPS}")
        if self.sample_rate_hz not in AUDIO_SAMPLE_RATES_HZ:
            problems.append(f"{self.sample_rate_hz} Hz, not one of {AUDIO_SAMPLE_RATES_HZ}")
        return problems


@dataclass(frozen=True)
class Mp3Info:
    """What an MP3 file holds: format from its first frame header, duration from decoding."""

    mpeg_version: str
    layer: int
    bitrate_kbps: int
    sample_rate_hz: int
    channels: int
    duration_s: float


def _decode_header(data: bytes, offset: int) -> FrameHeader | None:
    if offset + 4 > len(data):
        return None
    b1, b2, b3 = data[offset + 1], data[offset + 2], data[offset + 3]
    if data[offset] != 0xFF or b1 & 0xE0 != 0xE0:
        return None
    version = _VERSIONS.get((b1 >> 3) & 0b11)
    layer = _LAYERS.get((b1 >> 1) & 0b11)
    bitrate_index = b2 >> 4
    rate_index = (b2 >> 2) & 0b11
    if version is None or layer is None or bitrate_index in (0, 15) or rate_index == 3:
        return None
    table = _BITRATES["1" if version == "1" else "2", layer]
    return FrameHeader(
        mpeg_version=version,
        layer=layer,
        bitrate_kbps=table[bitrate_index],
        sample_rate_hz=_SAMPLE_RATES[version][rate_index],
        channels=1 if b3 >> 6 == 0b11 else 2,
        padding=bool((b2 >> 1) & 1),
    )


def _skip_id3v2(data: bytes) -> int:
    offset = 0
    while data[offset : offset + 3] == b"ID3" and offset + 10 <= len(data):
        flags = data[offset + 5]
        size = 0
        for byte in data[offset + 6 : offset + 10]:
            size = (size << 7) | (byte & 0x7F)
        offset += 10 + size + (10 if flags & 0x10 else 0)
    return offset


def _first_frame(data: bytes) -> tuple[int, FrameHeader]:
    start = _skip_id3v2(data)
    for offset in range(start, len(data) - 3):
        header = _decode_header(data, offset)
        if header is None:
            continue
        following = offset + header.frame_bytes
        if following == len(data):
            return offset, header
        after = _decode_header(data, following)
        if after is not None and (after.mpeg_version, after.layer, after.sample_rate_hz) == (
            header.mpeg_version,
            header.layer,
            header.sample_rate_hz,
        ):
            return offset, header
    raise AudioFormatError("no MPEG audio frame found")


def read_frame_header(data: bytes) -> FrameHeader:
    """Parse the first MPEG audio frame header in `data`, skipping any ID3v2 tags. A candidate
    header counts only when another header follows exactly one frame later (or the data ends there),
    so stray 0xFF bytes in tags or padding are not mistaken for audio. Raises AudioFormatError when
    no frame is found.
    """
    return _first_frame(data)[1]


def frame_headers(data: bytes) -> Iterator[FrameHeader]:
    """Yield every frame header from the first one on, stopping where frames stop (a tag, EOF).
    Raises AudioFormatError when there is no frame at all.
    """
    offset, first = _first_frame(data)
    header: FrameHeader | None = first
    while header is not None:
        yield header
        offset += header.frame_bytes
        header = _decode_header(data, offset)


def _run_ffmpeg(args: list[str], stdin: bytes) -> bytes:
    command = [ffmpeg_exe(), "-hide_banner", "-nostats", "-loglevel", "error", *args]
    result = subprocess.run(command, input=stdin, capture_output=True, check=False)
    if result.returncode != 0:
        tail = result.stderr.decode(errors="replace").strip()[-800:]
        raise FfmpegError(f"ffmpeg exited with {result.returncode}: {tail}")
    return result.stdout


def _temporary_sibling(path: Path) -> Path:
    """Create an empty, uniquely named file beside `path` (and its parent directories)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False
    ) as handle:
        return Path(handle.name)


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` so readers see the old file or the new one, never a partial one. The
    bytes go to a temporary file in the same directory, which then replaces `path` (an atomic rename
    on POSIX and Windows). Parent directories are created as needed.
    """
    tmp = _temporary_sibling(path)
    try:
        tmp.write_bytes(data)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def export_alexa_mp3(segment: AudioSegment, path: Path) -> Path:
    """Encode `segment` as an MP3 Alexa's `<audio>` tag accepts and write it atomically to `path`.
    The result is mono, 24000 Hz, 48 kbps constant-bitrate MPEG-2 Layer III (libmp3lame), with no
    metadata and bit-exact muxing so the same audio gives the same bytes. It has no Xing/Info frame:
    at 24 kHz that frame does not fit in 48 kbps, so ffmpeg writes it at 64 kbps and Alexa rejects
    the file ("unsupported bitrate 64000"). Every frame header is checked before the file replaces
    `path`; a mismatch raises AudioFormatError. Returns `path`.
    """
    if len(segment) == 0:
        raise ValueError("cannot export empty audio")
    pcm = segment if segment.sample_width == 2 else segment.set_sample_width(2)
    tmp = _temporary_sibling(path)
    try:
        _run_ffmpeg(
            [
                "-y",
                "-f", "s16le", "-ar", str(pcm.frame_rate), "-ac", str(pcm.channels),
                "-i", "pipe:0",
                "-map_metadata", "-1",
                "-ac", "1", "-ar", str(ALEXA_SAMPLE_RATE_HZ),
                "-codec:a", "libmp3lame", "-b:a", f"{AUDIO_BITRATE_KBPS}k",
                "-write_xing", "0",
                "-fflags", "+bitexact", "-flags:a", "+bitexact",
                "-f", "mp3", str(tmp),
            ],
            stdin=pcm.raw_data,
        )  # fmt: skip
        problems = {p for h in frame_headers(tmp.read_bytes()) for p in h.alexa_problems()}
        if problems:
            raise AudioFormatError(f"{path.name}: " + "; ".join(sorted(problems)))
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def decode_mp3(data: bytes) -> AudioSegment:
    """Decode MP3 bytes to 16-bit PCM at the stream's own rate and channel count. Uses ffmpeg
    directly rather than `AudioSegment.from_file`, which needs ffprobe.
    """
    header = read_frame_header(data)
    pcm = _run_ffmpeg(
        [
            "-f", "mp3", "-i", "pipe:0",
            "-f", "s16le", "-acodec", "pcm_s16le",
            "-ar", str(header.sample_rate_hz), "-ac", str(header.channels),
            "pipe:1",
        ],
        stdin=data,
    )  # fmt: skip
    return AudioSegment(
        data=pcm, sample_width=2, frame_rate=header.sample_rate_hz, channels=header.channels
    )


def mp3_info(path: Path) -> Mp3Info:
    """Read an MP3 file's format from its first frame header and its duration by decoding it."""
    data = path.read_bytes()
    header = read_frame_header(data)
    audio = decode_mp3(data)
    return Mp3Info(
        mpeg_version=header.mpeg_version,
        layer=header.layer,
        bitrate_kbps=header.bitrate_kbps,
        sample_rate_hz=header.sample_rate_hz,
        channels=header.channels,
        duration_s=audio.frame_count() / audio.frame_rate,
    )
