"""The SSML builder escapes once, keeps within Alexa's limits, and reads back as plain words."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skill.limits import MAX_AUDIO_TAGS, MAX_BREAK_SECONDS, MAX_SSML_CHARS
from skill.ssml import (
    Ssml,
    audio,
    check,
    join,
    paragraph,
    pause,
    plain,
    prosody,
    sentence,
    speak,
    text,
)

BREAK_TIME = re.compile(r'<break time="(\d+)(ms|s)"/>')


def break_seconds(ssml: str) -> list[float]:
    return [int(n) / 1000 if unit == "ms" else float(n) for n, unit in BREAK_TIME.findall(ssml)]


def test_text_escapes_ampersands_and_angle_brackets() -> None:
    assert text('Tom & Jerry <3 "quotes" stay') == 'Tom &amp; Jerry &lt;3 "quotes" stay'


def test_built_ssml_is_not_escaped_a_second_time() -> None:
    once = text("salt & pepper")
    assert text(once) == once
    assert join(once, "& more") == "salt &amp; pepper &amp; more"


def test_text_drops_characters_xml_cannot_carry() -> None:
    assert text("a\x00b\x1bc\ufffed") == "abcd"


def test_a_zero_pause_is_empty() -> None:
    assert pause(0) == ""


def test_a_long_pause_is_a_chain_of_breaks_none_over_ten_seconds() -> None:
    assert pause(25) == '<break time="10s"/><break time="10s"/><break time="5s"/>'


def test_a_fractional_pause_is_written_in_milliseconds() -> None:
    assert pause(2.5) == '<break time="2500ms"/>'


def test_a_negative_pause_is_refused() -> None:
    with pytest.raises(ValueError, match="zero or more"):
        pause(-1)


def test_prosody_takes_a_keyword_or_a_percentage() -> None:
    assert prosody("calm", rate="slow") == '<prosody rate="slow">calm</prosody>'
    assert prosody("calm", rate=90) == '<prosody rate="90%">calm</prosody>'


@pytest.mark.parametrize("rate", [19, "5%", "sluggish"])
def test_prosody_refuses_rates_alexa_rejects(rate: str | int) -> None:
    with pytest.raises(ValueError, match="prosody rate"):
        prosody("calm", rate=rate)


def test_audio_escapes_ampersands_and_quotes_in_the_url() -> None:
    assert audio('https://a.example/x.mp3?a=1&b="2"') == (
        '<audio src="https://a.example/x.mp3?a=1&amp;b=&quot;2&quot;"/>'
    )


def test_speak_wraps_one_document_with_a_single_speak_root() -> None:
    document = speak("Hello & welcome.", pause(1), sentence("One"), paragraph("Two"))
    root = ET.fromstring(document)
    assert root.tag == "speak"
    assert document.startswith("<speak>") and document.count("<speak>") == 1


def test_plain_merges_consecutive_breaks_into_one_pause_marker() -> None:
    assert plain(speak("Hold.", pause(25), "Release.")) == "Hold. [pause 25s] Release."


def test_plain_shows_sounds_by_name() -> None:
    ssml = speak(audio("https://a.example/s/start-chime.mp3"), "Begin.")
    assert plain(ssml) == "[sound start-chime] Begin."


def test_check_accepts_a_document_using_alexa_tags() -> None:
    ssml = (
        '<speak><amazon:effect name="whispered">soft</amazon:effect>'
        '<emphasis level="moderate">now</emphasis><break strength="strong"/>'
        '<prosody rate="85%" pitch="-5%" volume="+2dB">slow</prosody></speak>'
    )
    assert check(ssml) == []


@pytest.mark.parametrize(
    ("ssml", "problem"),
    [
        ("<speak>a & b</speak>", "not well-formed"),
        ("<p>hello</p>", "not <speak>"),
        ("<speak><mark name='x'/></speak>", "<mark> is not a tag"),
        ("<speak><break/></speak>", "needs a time or strength"),
        ('<speak><break time="11s"/></speak>', "over 10 s"),
        ('<speak><break time="1.5s"/></speak>', "time='1.5s'"),
        ('<speak><prosody rate="10%">x</prosody></speak>', "rate='10%'"),
        ('<speak><audio src="http://a.example/x.mp3"/></speak>', "src="),
        ("<speak><emphasis>x</emphasis></speak>", "needs a level"),
        ('<speak><s color="red">x</s></speak>', "unsupported attribute 'color'"),
    ],
)
def test_check_names_each_violation(ssml: str, problem: str) -> None:
    assert any(problem in p for p in check(ssml)), check(ssml)


def test_check_counts_characters_audio_tags_and_audio_seconds() -> None:
    tag = audio("https://a.example/s/end-bell.mp3")
    ssml = speak(*[tag] * (MAX_AUDIO_TAGS + 1), "x" * MAX_SSML_CHARS)
    problems = check(ssml, sound_seconds={"end-bell": 60.0})
    assert any("characters, over" in p for p in problems)
    assert any("audio tags, over" in p for p in problems)
    assert any("s of audio, over" in p for p in problems)


def test_check_reports_audio_of_unknown_length_when_lengths_are_given() -> None:
    ssml = speak(audio("https://a.example/s/mystery.mp3"))
    assert check(ssml) == []
    assert check(ssml, sound_seconds={}) == ["<audio> 'mystery' has no known duration"]


@given(st.text())
def test_any_text_escaped_and_spoken_parses_and_reads_back_as_itself(words: str) -> None:
    document = speak(text(words))
    assert check(document, max_chars=10**9) == []
    expected = " ".join(
        re.sub("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]", "", words).split()
    )
    assert plain(document) == expected


@given(st.floats(min_value=0, max_value=3600, allow_nan=False))
def test_any_pause_keeps_its_length_in_breaks_of_at_most_ten_seconds(seconds: float) -> None:
    ssml = pause(seconds)
    parts = break_seconds(ssml)
    assert all(0 < p <= MAX_BREAK_SECONDS for p in parts)
    assert sum(parts) == pytest.approx(round(seconds, 3), abs=0.001)
    assert check(speak(Ssml(ssml)), max_chars=10**9) == []
