"""Text to speech: offline espeak-ng or online gTTS, behind one on-disk cache.

Everything that needs speech takes a `Synthesizer` (`synthesize(text) -> AudioSegment`). The
backends turn text into encoded audio (`render`); `CachedTts` keeps each result on disk under a
hash of the text and the backend's settings, so a render runs each phrase through a backend at
most once. `make_tts(settings)` picks the backend and, when gTTS turns out to be unreachable,
switches to espeak-ng with one warning.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Final, Literal, Protocol

import requests

from skill.audio import AudioSegment
from skill.audio.export import decode_mp3, write_atomic
from skill.config import Settings

logger = logging.getLogger(__name__)

AudioFormat = Literal["wav", "mp3"]
_FORMATS: Final[tuple[AudioFormat, ...]] = ("wav", "mp3")

#: espeak-ng's default is 175 words a minute; a guided stretch wants an unhurried voice.
ESPEAK_WORDS_PER_MINUTE: Final = 150
#: espeak-ng speeds that match the timing model's speaking rate, so a preview sounds as long as
#: the plan. Measured over the speech a preview does not schedule (setup cues, transitions,
#: prompts: 1,694 utterances across every routine and profile), the matching speeds were 112,
#: 123 and 128 words a minute at prosody rates 85%, 95% and 100% (at 95%: 6,522 s spoken where
#: the model plans 6,525 s). espeak-ng is not proportional to its setting, so this is a line.
ESPEAK_WPM_AT_95_PERCENT: Final = 123
ESPEAK_WPM_PER_RATE_PERCENT: Final = 1.07


def espeak_wpm_for_rate(rate_percent: int) -> int:
    """The espeak-ng speed that speaks at the timing model's rate for a prosody rate."""
    return round(ESPEAK_WPM_AT_95_PERCENT + ESPEAK_WPM_PER_RATE_PERCENT * (rate_percent - 95))


#: Seconds gTTS may wait for Google before we call it unreachable.
GTTS_TIMEOUT_SECONDS: Final = 10.0


class TtsError(RuntimeError):
    """Speech could not be produced; the message says why and what to do."""


class TtsUnreachableError(TtsError):
    """An online backend could not be reached (no network, service refusing us)."""


@dataclass(frozen=True)
class EncodedAudio:
    """Audio as a backend produced it: the file bytes and their format."""

    data: bytes
    format: AudioFormat


def decode(audio: EncodedAudio) -> AudioSegment:
    """Decode a backend's WAV or MP3 bytes into an AudioSegment."""
    if audio.format == "wav":
        return AudioSegment.from_wav(io.BytesIO(audio.data))
    return decode_mp3(audio.data)


class Synthesizer(Protocol):
    """Anything that speaks: text in, audio out."""

    def synthesize(self, text: str) -> AudioSegment:
        """Speak `text` and return the audio."""
        ...


class SpeechBackend(Synthesizer, Protocol):
    """A concrete text-to-speech engine whose output `CachedTts` can store."""

    #: Short engine name, part of the cache key.
    name: str
    #: Voice or language, part of the cache key.
    voice: str

    def cache_params(self) -> Mapping[str, str | int | float | bool]:
        """Every other setting that changes the sound, for the cache key."""
        ...

    def render(self, text: str) -> EncodedAudio:
        """Produce encoded audio for `text`."""
        ...


class EspeakBackend:
    """Offline speech with espeak-ng (Debian package `espeak-ng`)."""

    name = "espeak-ng"

    def __init__(
        self, voice: str = "en-us", words_per_minute: int = ESPEAK_WORDS_PER_MINUTE
    ) -> None:
        self.voice = voice
        self.words_per_minute = words_per_minute

    def cache_params(self) -> Mapping[str, str | int | float | bool]:
        """The speaking rate; the voice is keyed separately."""
        return {"words_per_minute": self.words_per_minute}

    def render(self, text: str) -> EncodedAudio:
        """Run `espeak-ng -w out.wav` with the text on stdin and return the WAV bytes. The text goes
        through stdin so a phrase starting with "-" is never read as an option. Raises TtsError when
        espeak-ng is not installed or fails.
        """
        exe = shutil.which("espeak-ng")
        if exe is None:
            raise TtsError(
                "espeak-ng is not installed (needed for offline speech); "
                "install it with: sudo apt-get install espeak-ng"
            )
        with tempfile.TemporaryDirectory(prefix="gentle-back-espeak-") as tmp:
            out = Path(tmp) / "out.wav"
            rate = str(self.words_per_minute)
            command = [exe, "-v", self.voice, "-s", rate, "-w", str(out), "--stdin"]
            result = subprocess.run(command, input=text.encode(), capture_output=True, check=False)
            if result.returncode != 0 or not out.exists():
                detail = result.stderr.decode(errors="replace").strip()
                raise TtsError(f"espeak-ng failed (exit {result.returncode}): {detail}")
            return EncodedAudio(out.read_bytes(), "wav")

    def synthesize(self, text: str) -> AudioSegment:
        """Speak `text` with espeak-ng."""
        return decode(self.render(text))


class _GttsLike(Protocol):
    def write_to_fp(self, fp: BinaryIO) -> None: ...


def _default_gtts(**kwargs: Any) -> _GttsLike:
    # Looked up on each call, so tests can monkeypatch `gtts.gTTS`.
    import gtts

    tts: _GttsLike = gtts.gTTS(**kwargs)
    return tts


class GttsBackend:
    """Online speech from Google Translate's voice via gTTS (needs the internet). `gtts_factory`
    builds the gTTS object (keyword arguments text, lang, tld, slow, timeout); tests pass a fake so
    no request is ever made.
    """

    name = "gTTS"

    def __init__(
        self,
        lang: str = "en",
        tld: str = "com",
        *,
        slow: bool = False,
        gtts_factory: Callable[..., _GttsLike] = _default_gtts,
    ) -> None:
        self.voice = lang
        self.tld = tld
        self.slow = slow
        self._factory = gtts_factory

    def cache_params(self) -> Mapping[str, str | int | float | bool]:
        """The regional accent (`tld`) and slow mode; the language is keyed as the voice."""
        return {"tld": self.tld, "slow": self.slow}

    def render(self, text: str) -> EncodedAudio:
        """Fetch MP3 speech for `text` from Google. Raises TtsUnreachableError when offline."""
        from gtts.tts import gTTSError

        buffer = io.BytesIO()
        try:
            self._factory(
                text=text,
                lang=self.voice,
                tld=self.tld,
                slow=self.slow,
                timeout=GTTS_TIMEOUT_SECONDS,
            ).write_to_fp(buffer)
        except (gTTSError, requests.ConnectionError, requests.Timeout) as exc:
            raise TtsUnreachableError(str(exc) or type(exc).__name__) from exc
        return EncodedAudio(buffer.getvalue(), "mp3")

    def synthesize(self, text: str) -> AudioSegment:
        """Speak `text` with gTTS."""
        return decode(self.render(text))


class CachedTts:
    """A Synthesizer that keeps every phrase on disk, keyed by its content. The key is the sha256 of
    the text, backend name, voice and backend settings, so changing any of them is a miss and never
    serves stale audio. Files keep the backend's own format (WAV from espeak-ng, MP3 from gTTS) and
    are written atomically, so an interrupted run leaves no half-written entry. `hits` and `misses`
    count lookups, for render reports. With a `fallback`, the first TtsUnreachableError from the
    backend logs one warning and switches to the fallback for good (cache keys then follow the
    fallback's settings).
    """

    def __init__(
        self,
        backend: SpeechBackend,
        cache_dir: Path,
        *,
        fallback: SpeechBackend | None = None,
    ) -> None:
        self.backend = backend
        self.cache_dir = cache_dir
        self.fallback = fallback
        self.hits = 0
        self.misses = 0

    def cache_key(self, text: str) -> str:
        """The hex sha256 naming `text` as spoken by the current backend and its settings."""
        identity = {
            "text": text,
            "backend": self.backend.name,
            "voice": self.backend.voice,
            "params": dict(self.backend.cache_params()),
        }
        return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()

    def _cached(self, key: str) -> EncodedAudio | None:
        for fmt in _FORMATS:
            path = self.cache_dir / f"{key}.{fmt}"
            if path.is_file():
                return EncodedAudio(path.read_bytes(), fmt)
        return None

    def _switch_to_fallback(self, fallback: SpeechBackend, reason: TtsUnreachableError) -> None:
        logger.warning(
            "%s unreachable (%s); using offline %s", self.backend.name, reason, fallback.name
        )
        self.backend, self.fallback = fallback, None

    def synthesize_encoded(self, text: str) -> EncodedAudio:
        """Return `text` as encoded audio, from the cache when present, else rendered and kept."""
        key = self.cache_key(text)
        cached = self._cached(key)
        if cached is not None:
            self.hits += 1
            return cached
        try:
            audio = self.backend.render(text)
        except TtsUnreachableError as exc:
            if self.fallback is None:
                raise
            self._switch_to_fallback(self.fallback, exc)
            return self.synthesize_encoded(text)
        self.misses += 1
        write_atomic(self.cache_dir / f"{key}.{audio.format}", audio.data)
        return audio

    def synthesize(self, text: str) -> AudioSegment:
        """Speak `text`, from the cache when this text and voice were spoken before."""
        return decode(self.synthesize_encoded(text))


def make_tts(
    settings: Settings,
    *,
    gtts_factory: Callable[..., _GttsLike] = _default_gtts,
    rate_percent: int | None = None,
) -> CachedTts:
    """Build the skill's cached speech from settings: gTTS or espeak-ng (`GENTLE_BACK_TTS`). With
    gTTS, espeak-ng stands by: if Google cannot be reached, one warning is logged ("gTTS unreachable
    (...); using offline espeak-ng") and the rest is spoken offline. `gtts_factory` replaces
    `gtts.gTTS`, for tests. With `rate_percent` (a pace's prosody rate) espeak-ng speaks at the
    timing model's rate for it; gTTS has no speed setting and speaks at its own.
    """
    espeak = (
        EspeakBackend()
        if rate_percent is None
        else EspeakBackend(words_per_minute=espeak_wpm_for_rate(rate_percent))
    )
    if settings.tts_backend == "gtts":
        gtts = GttsBackend(gtts_factory=gtts_factory)
        return CachedTts(gtts, settings.tts_cache_dir, fallback=espeak)
    return CachedTts(espeak, settings.tts_cache_dir)
