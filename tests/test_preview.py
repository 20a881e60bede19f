"""Routine previews: a session rendered as the user would hear it, its holds on schedule, the CLI.

Speech is espeak-ng through one module-wide cache, or a fake voice whose length is chosen
relative to the timing model's estimate, for the timing rules. The routines are the engine
fixtures: `fixture-mixed` (holds, movements, both sides, rests) and `fixture-long-hold` (a hold
cut across two turns). No test may reach the network.
"""

from __future__ import annotations

import io
import shutil
from functools import partial
from pathlib import Path

import pytest

from skill.audio import AudioSegment
from skill.audio.export import mp3_info
from skill.audio.preview import FRAME_RATE, HoldKey, Preview, render_preview, to_pcm
from skill.audio.sounds import sound
from skill.audio.tts import CachedTts, make_tts
from skill.catalogue import Catalogue, load_catalogue
from skill.cli import main
from skill.cli.preview import PREVIEW_AUDIO_BASE, ProgressBar
from skill.config import Settings
from skill.limits import AUDIO_BITRATE_KBPS
from skill.ssml import EMPTY
from skill.timeline import Event, Pause, Sound, Speech
from skill.timing import pace_named, speech_seconds
from skill.turns import Session, Turn, build_session

ENGINE = Path(__file__).parent / "fixtures" / "engine"
AUDIO_BASE = "https://audio.example.com/sounds"
needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None, reason="espeak-ng missing: sudo apt-get install espeak-ng"
)


pytestmark = pytest.mark.usefixtures("network_attempts")


class PacedVoice:
    """A fake voice: each phrase is a constant non-zero level lasting `factor` times the timing
    model's estimate at `rate_percent`, so silence and speech are told apart sample by sample."""

    def __init__(self, factor: float, rate_percent: int) -> None:
        self.factor = factor
        self.rate_percent = rate_percent

    def synthesize(self, text: str) -> AudioSegment:
        frames = round(self.factor * speech_seconds(text, self.rate_percent) * FRAME_RATE)
        level = (1000).to_bytes(2, "little", signed=True)
        return AudioSegment(data=level * frames, sample_width=2, frame_rate=FRAME_RATE, channels=1)


def voice(session: Session, factor: float) -> PacedVoice:
    return PacedVoice(factor, pace_named(session.pace).rate_percent)


@pytest.fixture(scope="module")
def engine() -> Catalogue:
    return load_catalogue(ENGINE)


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("tts-cache")


@pytest.fixture(scope="module")
def espeak(cache_dir: Path) -> CachedTts:
    return make_tts(Settings(tts_backend="espeak", tts_cache_dir=cache_dir))


@pytest.fixture(scope="module")
def mixed(engine: Catalogue) -> Session:
    return build_session(engine, "fixture-mixed", profile="unsure", audio_base_url=AUDIO_BASE)


@pytest.fixture(scope="module")
def mixed_spoken(mixed: Session, espeak: CachedTts) -> Preview:
    return render_preview(mixed, espeak)


def hold_plan(session: Session) -> dict[HoldKey, float]:
    """Every hold's planned seconds, from the session's events."""
    planned: dict[HoldKey, float] = {}
    for event in (e for turn in session.turns for e in turn.events if e.is_hold):
        key = (event.step, event.side, event.rep)
        planned[key] = planned.get(key, 0.0) + event.seconds
    return planned


def samples(preview: Preview) -> memoryview:
    return memoryview(preview.segment.raw_data).cast("h")


# --- timing -----------------------------------------------------------------------------------


@needs_espeak
def test_a_spoken_preview_lasts_its_plan_changed_only_by_speech_and_sounds_off_schedule(
    mixed: Session, mixed_spoken: Preview
) -> None:
    assert mixed_spoken.planned_seconds == pytest.approx(mixed.planned_seconds, abs=0.001)
    outside = sum(
        part.rendered_seconds - part.planned_seconds
        for part in mixed_spoken.segments
        if part.kind in ("speech", "sound", "prompt")
    )
    overruns = sum(
        part.overrun_seconds for part in mixed_spoken.segments if part.kind in ("hold", "rep")
    )
    expected = mixed.planned_seconds + outside + overruns
    assert mixed_spoken.rendered_seconds == pytest.approx(expected, abs=0.01)
    assert len(mixed_spoken.segment) / 1000 == pytest.approx(
        mixed_spoken.rendered_seconds, abs=0.001
    )


@needs_espeak
def test_the_parts_of_a_preview_follow_one_another_without_gaps_or_overlaps(
    mixed_spoken: Preview,
) -> None:
    position = 0.0
    for part in mixed_spoken.segments:
        assert part.start_seconds == pytest.approx(position, abs=1e-6), part
        position += part.rendered_seconds
    assert position == pytest.approx(mixed_spoken.rendered_seconds, abs=1e-6)


def test_a_voice_as_fast_as_the_timing_model_renders_exactly_the_planned_time(
    engine: Catalogue,
) -> None:
    session = build_session(engine, "fixture-mixed", profile="unsure")
    preview = render_preview(session, voice(session, 1.0))
    assert preview.rendered_seconds == pytest.approx(session.planned_seconds, abs=0.01)


@needs_espeak
@pytest.mark.parametrize("routine", ["fixture-mixed", "fixture-long-hold"])
def test_every_spoken_hold_renders_within_2_percent_of_its_planned_length(
    engine: Catalogue, espeak: CachedTts, routine: str
) -> None:
    session = build_session(engine, routine, profile="unsure")
    preview = render_preview(session, espeak)
    holds = preview.holds
    assert {h.hold: h.planned_seconds for h in holds} == pytest.approx(hold_plan(session))
    assert [h for h in holds if abs(h.deviation) > 0.02] == []


def test_a_hold_cut_across_turns_is_timed_as_one_hold(engine: Catalogue) -> None:
    session = build_session(engine, "fixture-long-hold", profile="unsure")
    preview = render_preview(session, voice(session, 0.8))
    cut = [p.hold for p in preview.segments if p.hold is not None]
    [split] = {key for key in cut if cut.count(key) > 1}
    [timing] = [h for h in preview.holds if h.hold == split]
    assert timing.planned_seconds == pytest.approx(hold_plan(session)[split])
    assert timing.rendered_seconds == pytest.approx(timing.planned_seconds, abs=0.001)


@pytest.mark.parametrize("factor", [0.6, 1.0])
def test_every_cue_inside_a_hold_starts_on_its_planned_second(
    engine: Catalogue, factor: float
) -> None:
    session = build_session(engine, "fixture-mixed", profile="unsure")
    preview = render_preview(session, voice(session, factor))
    pcm = samples(preview)
    hold_parts = {(p.turn, p.hold): p for p in preview.segments if p.kind == "hold"}
    checked = 0
    for turn in session.turns:
        offset, previous = 0.0, None
        for event in turn.events:
            if not event.is_hold:
                offset, previous = 0.0, None
                continue
            part = hold_parts[turn.index, (event.step, event.side, event.rep)]
            if isinstance(event, Speech) and isinstance(previous, Pause):
                start = round((part.start_seconds + offset) * FRAME_RATE)
                assert (pcm[start - 1], pcm[start]) == (0, 1000), (event.text, offset)
                checked += 1
            offset += event.seconds
            previous = event
    assert checked > 20


def one_hold(first: str, last: str) -> Session:
    """A session of one turn holding one hold: a cue, silence, and a cue that ends the hold."""
    rate = pace_named("normal").rate_percent
    held = partial(Speech, section="step", step=0, side=0, rep=0, is_hold=True)
    events: tuple[Event, ...] = (
        held(first, "hold-cue", speech_seconds(first, rate)),
        Pause(3.0, "hold", section="step", step=0, side=0, rep=0, is_hold=True),
        held(last, "time", speech_seconds(last, rate)),
    )
    planned = sum(e.seconds for e in events)
    turn = Turn(0, 0, "closing", EMPTY, EMPTY, EMPTY, planned, (0,), events)
    return Session("handmade", "unsure", "normal", "full", [], [turn])


@pytest.mark.parametrize(("factor", "overrun_share"), [(0.5, 0.0), (1.0, 0.0), (2.0, 1.0)])
def test_a_hold_ending_on_a_cue_ends_on_time_unless_its_speech_overruns_it(
    factor: float, overrun_share: float
) -> None:
    session = one_hold("Breathe freely.", "One.")
    [hold] = render_preview(session, voice(session, factor)).segments
    first, _, last = session.turns[0].events
    assert hold.planned_seconds == pytest.approx(first.seconds + 3.0 + last.seconds)
    # Twice as slow, the first cue eats into the silence, which still ends on schedule, so only
    # the last cue's extra length runs past the hold; faster, the hold is padded to its end.
    overrun = overrun_share * last.seconds
    assert hold.overrun_seconds == pytest.approx(overrun, abs=0.001)
    assert hold.rendered_seconds == pytest.approx(hold.planned_seconds + overrun, abs=0.001)


# --- content ----------------------------------------------------------------------------------


def test_sounds_play_in_place_when_the_session_has_an_audio_base_url(
    mixed: Session,
) -> None:
    preview = render_preview(mixed, voice(mixed, 1.0))
    events = [e.name for turn in mixed.turns for e in turn.events if isinstance(e, Sound)]
    parts = [p for p in preview.segments if p.kind == "sound"]
    assert [p.label for p in parts] == events
    assert {"start-chime", "switch-sides", "end-bell"} <= set(events)
    raw = preview.segment.raw_data
    for part in parts:
        expected = to_pcm(sound(part.label))
        start = round(part.start_seconds * FRAME_RATE) * 2
        assert raw[start : start + len(expected)] == expected, part.label


def test_a_session_without_an_audio_base_url_previews_without_sounds(engine: Catalogue) -> None:
    session = build_session(engine, "fixture-mixed", profile="unsure")
    preview = render_preview(session, voice(session, 1.0))
    assert [p for p in preview.segments if p.kind == "sound"] == []


def test_each_turn_ends_with_its_spoken_prompt_unless_prompts_are_left_out(
    mixed: Session,
) -> None:
    fake = voice(mixed, 1.0)
    with_prompts = render_preview(mixed, fake)
    without = render_preview(mixed, fake, include_prompts=False)
    prompted = [p.turn for p in with_prompts.segments if p.kind == "prompt"]
    assert prompted == [t.index for t in mixed.turns if t.kind != "closing"]
    assert [p for p in without.segments if p.kind == "prompt"] == []
    prompt_time = sum(p.planned_seconds for p in with_prompts.segments if p.kind == "prompt")
    assert without.planned_seconds == pytest.approx(mixed.planned_seconds - prompt_time)
    assert with_prompts.segments[-1].kind != "prompt"


def test_the_preview_is_joined_once_without_concatenating_segments(
    mixed: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object) -> None:
        raise AssertionError("AudioSegment concatenation is quadratic in a loop")

    for name in ("__add__", "__radd__", "append"):
        monkeypatch.setattr(AudioSegment, name, refuse)
    preview = render_preview(mixed, voice(mixed, 1.0))
    assert preview.rendered_seconds > 0


def test_progress_is_reported_after_each_turn_up_to_the_planned_total(mixed: Session) -> None:
    calls: list[tuple[float, float]] = []
    preview = render_preview(mixed, voice(mixed, 1.0), progress=lambda d, t: calls.append((d, t)))
    assert len(calls) == len(mixed.turns)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert calls[-1] == pytest.approx((preview.planned_seconds, preview.planned_seconds))


# --- gentle-back preview ----------------------------------------------------------------------


@needs_espeak
def test_the_preview_command_writes_an_mp3_and_reports_its_timing(
    engine: Catalogue,
    cache_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("GENTLE_BACK_SESSIONS_DIR", str(ENGINE))
    monkeypatch.setenv("GENTLE_BACK_TTS_CACHE", str(cache_dir))
    output = tmp_path / "preview.mp3"
    assert main(["preview", "fixture-long-hold", "--tts", "espeak", "-o", str(output)]) == 0
    lines = capsys.readouterr().out.splitlines()
    session = build_session(
        engine, "fixture-long-hold", profile="unsure", audio_base_url=PREVIEW_AUDIO_BASE
    )
    holds = len(hold_plan(session))
    assert lines[0].startswith("planned duration:")
    assert lines[2] == f"holds within 2%:   {holds}/{holds}"
    assert lines[3].startswith("TTS cache:") and lines[3].endswith(" misses")
    assert lines[-1] == f"wrote {output}"
    info = mp3_info(output)
    assert (info.mpeg_version, info.layer, info.channels) == ("2", 3, 1)
    assert (info.bitrate_kbps, info.sample_rate_hz) == (AUDIO_BITRATE_KBPS, FRAME_RATE)
    # The command speaks at the timing model's rate for the pace.
    paced = make_tts(
        Settings(tts_backend="espeak", tts_cache_dir=cache_dir),
        rate_percent=pace_named("normal").rate_percent,
    )
    rendered = render_preview(session, paced).rendered_seconds
    assert info.duration_s == pytest.approx(rendered, abs=0.1)


def test_an_unknown_routine_lists_the_routines_and_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GENTLE_BACK_SESSIONS_DIR", str(ENGINE))
    output = tmp_path / "preview.mp3"
    assert main(["preview", "no-such-routine", "-o", str(output)]) == 2
    error = capsys.readouterr().err
    assert "unknown routine 'no-such-routine'" in error
    assert "fixture-long-hold, fixture-mixed" in error
    assert not output.exists()


def test_the_progress_bar_redraws_one_line_and_ends_it() -> None:
    stream = io.StringIO()
    bar = ProgressBar(stream, interactive=True)
    bar(0.0, 120.0)
    bar(120.0, 120.0)
    bar.close()
    text = stream.getvalue()
    assert text.count("\r") == 2 and text.endswith("\n")
    assert "100%  2:00 / 2:00" in text


def test_the_progress_bar_stays_silent_when_stderr_is_not_a_terminal() -> None:
    stream = io.StringIO()
    bar = ProgressBar(stream, interactive=False)
    bar(60.0, 120.0)
    bar.close()
    assert stream.getvalue() == ""


def test_the_offline_preview_voice_speaks_at_the_timing_models_rate_for_each_pace(
    cache_dir: Path,
) -> None:
    settings = Settings(tts_backend="espeak", tts_cache_dir=cache_dir)
    speeds = {
        pace: make_tts(settings, rate_percent=pace_named(pace).rate_percent).backend
        for pace in ("slow", "normal", "brisk")
    }
    wpm = {
        pace: float(backend.cache_params()["words_per_minute"]) for pace, backend in speeds.items()
    }
    assert wpm["slow"] < wpm["normal"] < wpm["brisk"]
    assert make_tts(settings).backend.cache_params() != speeds["normal"].cache_params()


@needs_espeak
def test_each_movement_rep_keeps_to_its_planned_length(mixed_spoken: Preview) -> None:
    reps = [part for part in mixed_spoken.segments if part.kind == "rep"]
    assert reps, "the fixture routine has movements"
    for part in reps:  # padded to the plan, never cut short
        assert part.rendered_seconds == pytest.approx(
            part.planned_seconds + part.overrun_seconds, abs=0.001
        )
    planned = sum(part.planned_seconds for part in reps)
    assert sum(part.overrun_seconds for part in reps) <= 0.02 * planned


REAL_CATALOGUE = load_catalogue(Path(__file__).parent.parent / "sessions")


@needs_espeak
@pytest.mark.parametrize("pace", ["slow", "normal", "brisk"])
@pytest.mark.parametrize("routine_id", sorted(REAL_CATALOGUE.routines))
def test_an_offline_preview_of_every_routine_lasts_its_planned_time_within_two_percent(
    cache_dir: Path, routine_id: str, pace: str
) -> None:
    session = build_session(REAL_CATALOGUE, routine_id, profile="disc", pace=pace)
    settings = Settings(tts_backend="espeak", tts_cache_dir=cache_dir)
    preview = render_preview(
        session, make_tts(settings, rate_percent=pace_named(pace).rate_percent)
    )
    drift = abs(preview.rendered_seconds - preview.planned_seconds) / preview.planned_seconds
    assert drift <= 0.02, (
        f"{preview.rendered_seconds:.1f} s rendered, {preview.planned_seconds:.1f} s planned"
    )
    assert all(hold.within(0.02) for hold in preview.holds)
