"""Audio: generated sounds, Alexa MP3 export, text to speech with its cache, render-audio.

No test here may reach the network: an autouse fixture makes every socket connection and DNS
lookup raise, and fails the test if one was even tried.
"""

from __future__ import annotations

import argparse
import io
import logging
import shutil
import wave
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import gtts
import pytest
import requests
from offline import NetworkBlockedError

from skill.audio import AudioSegment, sounds
from skill.audio.export import (
    AudioFormatError,
    Mp3Info,
    decode_mp3,
    export_alexa_mp3,
    frame_headers,
    mp3_info,
    read_frame_header,
)
from skill.audio.ffmpeg import ffmpeg_exe
from skill.audio.tts import (
    CachedTts,
    EncodedAudio,
    EspeakBackend,
    GttsBackend,
    TtsError,
    TtsUnreachableError,
    make_tts,
)
from skill.cli import main, render_audio
from skill.config import Settings
from skill.limits import AUDIO_BITRATE_KBPS, AUDIO_SAMPLE_RATES_HZ

needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None, reason="espeak-ng missing: sudo apt-get install espeak-ng"
)

ALL_SOUNDS = [*sounds.SOUNDS, "hold-bed-30s"]


pytestmark = pytest.mark.usefixtures("network_attempts")


def tone(ms: int = 300, freq_hz: int = 440) -> AudioSegment:
    return sounds.tone(freq_hz, ms, level_db=-12)


def wav_bytes(segment: AudioSegment) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(segment.channels)
        out.setsampwidth(segment.sample_width)
        out.setframerate(segment.frame_rate)
        out.writeframes(segment.raw_data)
    return buffer.getvalue()


# --- generated sounds, exported and read back -------------------------------------------------


@dataclass(frozen=True)
class Exported:
    segment: AudioSegment
    path: Path
    info: Mp3Info


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Exported]:
    out = tmp_path_factory.mktemp("exported")
    result = {}
    for name in ALL_SOUNDS:
        segment = sounds.sound(name)
        path = export_alexa_mp3(segment, out / f"{name}.mp3")
        result[name] = Exported(segment, path, mp3_info(path))
    return result


@pytest.mark.parametrize("name", ALL_SOUNDS)
def test_every_sound_exports_as_an_mp3_alexa_accepts(
    name: str, exported: dict[str, Exported]
) -> None:
    info = exported[name].info
    assert (info.mpeg_version, info.layer) == ("2", 3)
    assert info.bitrate_kbps == AUDIO_BITRATE_KBPS
    assert info.sample_rate_hz in AUDIO_SAMPLE_RATES_HZ
    assert info.channels == 1


@pytest.mark.parametrize("name", ALL_SOUNDS)
def test_every_frame_of_an_exported_sound_is_constant_bitrate(
    name: str, exported: dict[str, Exported]
) -> None:
    headers = list(frame_headers(exported[name].path.read_bytes()))
    assert len(headers) > 10
    assert {h.bitrate_kbps for h in headers} == {AUDIO_BITRATE_KBPS}
    assert all(not h.alexa_problems() for h in headers)


@pytest.mark.parametrize("name", ALL_SOUNDS)
def test_an_exported_sound_lasts_as_long_as_the_generated_one(
    name: str, exported: dict[str, Exported]
) -> None:
    # MP3 adds the encoder's delay and pads the last frame: tens of milliseconds.
    assert exported[name].info.duration_s == pytest.approx(
        len(exported[name].segment) / 1000, abs=0.1
    )


@pytest.mark.parametrize("name", ALL_SOUNDS)
def test_sounds_are_audible_but_peak_below_minus_6_dbfs_before_and_after_encoding(
    name: str, exported: dict[str, Exported]
) -> None:
    decoded = decode_mp3(exported[name].path.read_bytes())
    for audio in (exported[name].segment, decoded):
        assert -36 < audio.max_dBFS < -6
        assert audio.rms > 0


@pytest.mark.parametrize("name", list(sounds.SOUNDS))
def test_chimes_are_short_soft_starting_and_die_away(name: str) -> None:
    chime = sounds.SOUNDS[name]()
    assert len(chime) < 3000
    assert chime.max_dBFS == pytest.approx(sounds.CHIME_PEAK_DBFS, abs=0.1)
    assert chime[:3].max_dBFS < chime.max_dBFS - 12  # a gentle attack, not a click
    assert chime[-150:].dBFS < chime[:500].dBFS - 20  # rings out rather than stopping


def test_exporting_the_same_sound_twice_gives_identical_bytes(tmp_path: Path) -> None:
    first = export_alexa_mp3(sounds.start_chime(), tmp_path / "a.mp3").read_bytes()
    second = export_alexa_mp3(sounds.start_chime(), tmp_path / "b.mp3").read_bytes()
    assert first == second


def test_export_resamples_stereo_44k_input_to_mono_24k(tmp_path: Path) -> None:
    stereo = AudioSegment.from_mono_audiosegments(tone(500), tone(500, 660)).set_frame_rate(44100)
    info = mp3_info(export_alexa_mp3(stereo, tmp_path / "s.mp3"))
    assert (info.sample_rate_hz, info.channels, info.bitrate_kbps) == (24000, 1, 48)


def test_export_leaves_no_temporary_files_behind(tmp_path: Path) -> None:
    export_alexa_mp3(tone(), tmp_path / "nested" / "t.mp3")
    assert [p.name for p in (tmp_path / "nested").iterdir()] == ["t.mp3"]


def test_exporting_empty_audio_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="empty"):
        export_alexa_mp3(AudioSegment.empty(), tmp_path / "e.mp3")
    assert not (tmp_path / "e.mp3").exists()


def test_export_works_with_the_bundled_ffmpeg_when_none_is_on_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import imageio_ffmpeg

    ffmpeg_exe.cache_clear()
    monkeypatch.setattr(shutil, "which", lambda name: None)
    try:
        assert ffmpeg_exe() == imageio_ffmpeg.get_ffmpeg_exe()
        assert AudioSegment.converter == ffmpeg_exe()
        info = mp3_info(export_alexa_mp3(tone(), tmp_path / "t.mp3"))
        assert (info.mpeg_version, info.bitrate_kbps, info.channels) == ("2", 48, 1)
    finally:
        ffmpeg_exe.cache_clear()


# --- frame header parsing ---------------------------------------------------------------------

MPEG2_L3_48K_24K_MONO = b"\xff\xf3\x64\xc4"  # 144-byte frames
MPEG1_L3_128K_44K_STEREO = b"\xff\xfb\x90\x00"  # 417-byte frames


def frames(header: bytes, size: int, count: int = 3) -> bytes:
    return (header + bytes(size - len(header))) * count


def id3v2_tag(body: bytes) -> bytes:
    size = len(body)
    syncsafe = bytes((size >> shift) & 0x7F for shift in (21, 14, 7, 0))
    return b"ID3\x04\x00\x00" + syncsafe + body


def test_frame_header_is_read_after_an_id3v2_tag_that_contains_sync_like_bytes() -> None:
    data = id3v2_tag(b"\xff\xfb\x90\x00" + bytes(300)) + frames(MPEG2_L3_48K_24K_MONO, 144)
    header = read_frame_header(data)
    assert (header.mpeg_version, header.layer, header.bitrate_kbps) == ("2", 3, 48)
    assert (header.sample_rate_hz, header.channels) == (24000, 1)
    assert header.alexa_problems() == []


def test_a_stray_sync_word_not_followed_by_a_frame_is_skipped() -> None:
    data = MPEG1_L3_128K_44K_STEREO + b"junk" + frames(MPEG2_L3_48K_24K_MONO, 144)
    assert read_frame_header(data).mpeg_version == "2"


def test_an_mpeg1_stereo_128k_stream_is_reported_with_every_alexa_problem() -> None:
    header = read_frame_header(frames(MPEG1_L3_128K_44K_STEREO, 417))
    assert (header.mpeg_version, header.bitrate_kbps, header.sample_rate_hz) == ("1", 128, 44100)
    assert header.channels == 2
    assert header.alexa_problems() == [
        "MPEG-1 Layer 3, not MPEG-2 Layer III",
        "128 kbps, not 48",
        "44100 Hz, not one of (16000, 22050, 24000)",
    ]


def test_frame_walk_stops_at_a_trailing_id3v1_tag() -> None:
    data = frames(MPEG2_L3_48K_24K_MONO, 144, count=5) + b"TAG" + bytes(125)
    assert len(list(frame_headers(data))) == 5


@pytest.mark.parametrize("data", [b"", b"not audio at all", bytes(1000), id3v2_tag(bytes(50))])
def test_data_without_mpeg_frames_is_rejected(data: bytes) -> None:
    with pytest.raises(AudioFormatError, match="no MPEG audio frame"):
        read_frame_header(data)


# --- hold beds --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "expected_ms"),
    [(45, 45000), (30, 30000), (10, 10000), (7.25, 7250), (0.5, 500), (61.003, 61003)],
)
def test_hold_bed_lasts_exactly_the_requested_milliseconds(
    seconds: float, expected_ms: int
) -> None:
    bed = sounds.hold_bed(seconds)
    assert len(bed) == expected_ms
    assert bed.frame_count() == expected_ms * bed.frame_rate // 1000


@pytest.mark.parametrize(("inhale", "exhale"), [(4, 6), (2, 3)])
def test_hold_bed_swells_on_each_inhale_and_fades_on_each_exhale(
    inhale: float, exhale: float
) -> None:
    cycle_ms = int((inhale + exhale) * 1000)
    bed = sounds.hold_bed(3 * (inhale + exhale), inhale=inhale, exhale=exhale)
    for breath in range(3):
        start = breath * cycle_ms
        turn = start + int(inhale * 1000)  # top of the inhale
        assert bed[turn - 100 : turn + 100].dBFS > bed[start : start + 100].dBFS + 20
        assert bed[turn - 100 : turn + 100].dBFS > bed[start + cycle_ms - 100 :][:100].dBFS + 20


def test_hold_bed_is_quieter_than_the_chimes() -> None:
    assert sounds.hold_bed(30).max_dBFS < sounds.CHIME_PEAK_DBFS - 6


def test_hold_bed_cut_mid_breath_fades_out_instead_of_stopping_dead() -> None:
    bed = sounds.hold_bed(7)  # ends 3 s into the first exhale, still audible there
    assert bed[-20:].dBFS < bed[-600:-500].dBFS - 20


@pytest.mark.parametrize(
    "kwargs",
    [{"seconds": 0}, {"seconds": -5}, {"seconds": 30, "inhale": 0}, {"seconds": 30, "exhale": -1}],
)
def test_hold_bed_refuses_durations_that_are_not_positive(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="positive"):
        sounds.hold_bed(**kwargs)


def test_sounds_are_found_by_name_including_any_hold_bed() -> None:
    assert sounds.sound("end-bell").raw_data == sounds.end_bell().raw_data
    assert len(sounds.sound(sounds.hold_bed_name(12))) == 12000
    with pytest.raises(KeyError, match="start-chime"):
        sounds.sound("gong")


# --- text to speech ---------------------------------------------------------------------------


@dataclass
class FakeBackend:
    """A SpeechBackend that records what it was asked to say."""

    name: str = "fake"
    voice: str = "calm"
    params: Mapping[str, str | int | float | bool] = field(default_factory=lambda: {"rate": 1})
    calls: list[str] = field(default_factory=list)

    def cache_params(self) -> Mapping[str, str | int | float | bool]:
        return self.params

    def render(self, text: str) -> EncodedAudio:
        self.calls.append(text)
        return EncodedAudio(wav_bytes(tone(100 * len(text.split()))), "wav")

    def synthesize(self, text: str) -> AudioSegment:
        raise AssertionError("CachedTts must go through render()")


@needs_espeak
def test_espeak_speaks_a_short_phrase() -> None:
    speech = EspeakBackend().synthesize("Breathe in slowly, and let your shoulders relax.")
    assert speech.max_dBFS > -20
    assert 1.5 < len(speech) / 1000 < 6


@needs_espeak
def test_espeak_takes_longer_at_fewer_words_per_minute() -> None:
    phrase = "Gently lower your knee to the side."
    slow = EspeakBackend(words_per_minute=110).synthesize(phrase)
    fast = EspeakBackend(words_per_minute=220).synthesize(phrase)
    assert len(slow) > 1.5 * len(fast)


@needs_espeak
def test_espeak_reads_a_phrase_starting_with_a_dash_as_text() -> None:
    assert len(EspeakBackend().synthesize("-v is not an option here")) > 1000


def test_missing_espeak_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(TtsError, match="apt-get install espeak-ng"):
        EspeakBackend().synthesize("hello")


def test_second_synthesis_of_the_same_text_is_a_hit_and_skips_the_backend(
    tmp_path: Path,
) -> None:
    backend = FakeBackend()
    tts = CachedTts(backend, tmp_path)
    first = tts.synthesize("hold for thirty seconds")
    second = tts.synthesize("hold for thirty seconds")
    assert backend.calls == ["hold for thirty seconds"]
    assert (tts.hits, tts.misses) == (1, 1)
    assert second.raw_data == first.raw_data


def test_the_cache_is_kept_on_disk_across_instances(tmp_path: Path) -> None:
    CachedTts(FakeBackend(), tmp_path).synthesize("relax")
    backend = FakeBackend()
    tts = CachedTts(backend, tmp_path)
    tts.synthesize("relax")
    assert backend.calls == []
    assert (tts.hits, tts.misses) == (1, 0)


@pytest.mark.parametrize(
    "changed",
    [
        FakeBackend(voice="bright"),
        FakeBackend(params={"rate": 2}),
        FakeBackend(name="other-engine"),
    ],
    ids=["voice", "settings", "backend"],
)
def test_a_different_voice_setting_or_backend_is_a_miss(
    changed: FakeBackend, tmp_path: Path
) -> None:
    CachedTts(FakeBackend(), tmp_path).synthesize("relax")
    tts = CachedTts(changed, tmp_path)
    tts.synthesize("relax")
    assert changed.calls == ["relax"]
    assert (tts.hits, tts.misses) == (0, 1)


def test_different_text_is_a_miss(tmp_path: Path) -> None:
    backend = FakeBackend()
    tts = CachedTts(backend, tmp_path)
    tts.synthesize("relax")
    tts.synthesize("relax now")
    assert backend.calls == ["relax", "relax now"]


def test_a_cache_entry_is_one_file_named_by_its_key(tmp_path: Path) -> None:
    tts = CachedTts(FakeBackend(), tmp_path)
    tts.synthesize("relax")
    assert [p.name for p in tmp_path.iterdir()] == [f"{tts.cache_key('relax')}.wav"]


def test_a_failed_cache_write_leaves_no_entry_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(self: Path, target: Path) -> Path:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "replace", disk_full)
    with pytest.raises(OSError, match="No space"):
        CachedTts(FakeBackend(), tmp_path).synthesize("relax")
    assert list(tmp_path.iterdir()) == []


@dataclass
class FakeGtts:
    """Stands in for `gtts.gTTS`: writes a locally encoded MP3, or raises `error`."""

    mp3: bytes
    error: Exception | None = None
    made: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, **kwargs: Any) -> FakeGtts:
        self.made.append(kwargs)
        return self

    def write_to_fp(self, fp: BinaryIO) -> None:
        if self.error is not None:
            raise self.error
        fp.write(self.mp3)


@pytest.fixture(scope="module")
def speech_mp3(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = tmp_path_factory.mktemp("gtts") / "speech.mp3"
    return export_alexa_mp3(tone(800), path).read_bytes()


def test_gtts_speech_is_fetched_decoded_and_cached_as_mp3(
    speech_mp3: bytes, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fake = FakeGtts(speech_mp3)
    tts = make_tts(Settings(tts_backend="gtts", tts_cache_dir=tmp_path), gtts_factory=fake)
    speech = tts.synthesize("Welcome back.")
    tts.synthesize("Welcome back.")
    assert len(speech) == pytest.approx(800, abs=100)
    assert [made["text"] for made in fake.made] == ["Welcome back."]
    assert (fake.made[0]["lang"], fake.made[0]["tld"]) == ("en", "com")
    assert fake.made[0]["timeout"] > 0
    assert [p.suffix for p in tmp_path.iterdir()] == [".mp3"]
    assert tts.backend.name == "gTTS"
    assert caplog.records == []


@needs_espeak
@pytest.mark.parametrize(
    "error",
    [
        gtts.tts.gTTSError("Failed to connect. Probable cause: Unknown"),
        requests.ConnectionError("Name or service not known"),
        requests.Timeout("read timed out"),
    ],
    ids=["gTTSError", "ConnectionError", "Timeout"],
)
def test_unreachable_gtts_falls_back_to_espeak_with_one_warning(
    error: Exception,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = FakeGtts(b"", error=error)
    monkeypatch.setattr(gtts, "gTTS", fake)
    tts = make_tts(Settings(tts_backend="gtts", tts_cache_dir=tmp_path))
    with caplog.at_level(logging.WARNING, logger="skill.audio.tts"):
        first = tts.synthesize("Lie on your back.")
        tts.synthesize("Bend your knees.")
    assert first.max_dBFS > -20
    assert tts.backend.name == "espeak-ng"
    assert len(fake.made) == 1  # gTTS is not retried once it has failed
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert warnings[0].startswith("gTTS unreachable (")
    assert warnings[0].endswith("); using offline espeak-ng")
    assert str(error) in warnings[0]


def test_unreachable_gtts_without_a_fallback_raises(speech_mp3: bytes, tmp_path: Path) -> None:
    failing = FakeGtts(speech_mp3, error=requests.ConnectionError("offline"))
    tts = CachedTts(GttsBackend(gtts_factory=failing), tmp_path)
    with pytest.raises(TtsUnreachableError, match="offline"):
        tts.synthesize("hello")
    assert list(tmp_path.iterdir()) == []


def test_espeak_setting_never_builds_gtts(tmp_path: Path) -> None:
    fake = FakeGtts(b"")
    tts = make_tts(Settings(tts_backend="espeak", tts_cache_dir=tmp_path), gtts_factory=fake)
    assert tts.backend.name == "espeak-ng"
    assert tts.fallback is None


def test_the_network_guard_stops_a_real_gtts_request(network_attempts: list[object]) -> None:
    with pytest.raises(NetworkBlockedError):
        GttsBackend().render("hello")
    assert network_attempts
    network_attempts.clear()


# --- gentle-back render-audio -----------------------------------------------------------------


def render_audio_cli(*argv: str) -> int:
    """Run the subcommand as `gentle-back render-audio ARGV` would, without the other commands."""
    parser = argparse.ArgumentParser(prog="gentle-back render-audio")
    render_audio.configure(parser)
    return render_audio.run(parser.parse_args(argv))


def snapshot(directory: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(directory.iterdir())}


def test_render_audio_twice_renders_once_then_reports_everything_cached(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--out", str(tmp_path), "--hold-beds", "5"]
    assert render_audio_cli(*argv) == 0
    first = capsys.readouterr().out.splitlines()
    assert first[-1] == "4 sounds: 4 rendered, 0 from cache"
    files = snapshot(tmp_path)
    assert sorted(files) == [
        ".manifest.json", "end-bell.mp3", "hold-bed-5s.mp3", "start-chime.mp3", "switch-sides.mp3",
    ]  # fmt: skip

    assert render_audio_cli(*argv) == 0
    second = capsys.readouterr().out.splitlines()
    assert second[-1] == "4 sounds: 0 rendered, 4 from cache"
    assert all(line.startswith("cached ") for line in second[:-1])
    assert snapshot(tmp_path) == files


def test_render_audio_rerenders_a_file_that_was_altered_or_deleted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    render_audio_cli("--out", str(tmp_path))
    original = (tmp_path / "start-chime.mp3").read_bytes()
    (tmp_path / "start-chime.mp3").write_bytes(b"edited")
    (tmp_path / "end-bell.mp3").unlink()
    capsys.readouterr()

    render_audio_cli("--out", str(tmp_path))
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == "3 sounds: 2 rendered, 1 from cache"
    assert (tmp_path / "start-chime.mp3").read_bytes() == original
    assert (tmp_path / "end-bell.mp3").is_file()


def test_render_audio_writes_to_the_configured_audio_dir_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GENTLE_BACK_AUDIO_DIR", str(tmp_path / "audio"))
    assert render_audio_cli() == 0
    assert (tmp_path / "audio" / "end-bell.mp3").is_file()
    assert capsys.readouterr().out.splitlines()[-1] == "3 sounds: 3 rendered, 0 from cache"


@pytest.mark.parametrize("value", ["0", "241", "30,abc", ""])
def test_render_audio_refuses_hold_beds_alexa_cannot_play(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        render_audio_cli("--hold-beds", value)
    assert exit_info.value.code == 2
    assert "hold beds are whole seconds from 1 to 240" in capsys.readouterr().err


def test_render_audio_renders_everything_again_when_the_manifest_is_unreadable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    render_audio_cli("--out", str(tmp_path))
    (tmp_path / ".manifest.json").write_text("{not json", encoding="utf-8")
    capsys.readouterr()

    render_audio_cli("--out", str(tmp_path))
    captured = capsys.readouterr()
    assert captured.out.splitlines()[-1] == "3 sounds: 3 rendered, 0 from cache"
    assert "unreadable manifest" in captured.err
    render_audio_cli("--out", str(tmp_path))
    assert capsys.readouterr().out.splitlines()[-1] == "3 sounds: 0 rendered, 3 from cache"


def test_gentle_back_offers_render_audio_with_its_options(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["render-audio", "--help"])
    assert exit_info.value.code == 0
    help_text = capsys.readouterr().out
    assert "--out DIR" in help_text
    assert "--hold-beds SECONDS" in help_text
