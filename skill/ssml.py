"""SSML for Alexa, built from small pure functions, plus a reader and a validator for it.

Builders return `Ssml`, a `str` that is already valid markup: `text()` and `join()` pass it
through untouched and escape every plain `str`, so each content string is escaped exactly once.
`plain()` renders SSML as words with `[pause 10s]` and `[sound start-chime]` markers (for scripts
and tests); `check()` lists every way a document breaks Alexa's rules, using `skill.limits`.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Mapping
from pathlib import PurePosixPath
from typing import Final
from urllib.parse import urlsplit

from skill.limits import (
    BREAK_STRENGTHS,
    MAX_AUDIO_SECONDS,
    MAX_AUDIO_TAGS,
    MAX_BREAK_SECONDS,
    MAX_SSML_CHARS,
    MIN_PROSODY_RATE_PERCENT,
    PROSODY_RATES,
    SSML_TAGS,
)


class Ssml(str):
    """Markup that is already escaped and valid; never escaped again."""

    __slots__ = ()


EMPTY: Final = Ssml("")

# Characters XML 1.0 cannot carry at all (most C0 controls, surrogates, U+FFFE, U+FFFF).
_NOT_XML_CHAR: Final = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_MAX_BREAK_MS: Final = round(MAX_BREAK_SECONDS * 1000)
_BREAK_TIME: Final = re.compile(r"^(\d+)(ms|s)$")
_PERCENT: Final = re.compile(r"^(\d+)%$")
_SIGNED_PERCENT: Final = re.compile(r"^[+-]\d+(\.\d+)?%$")
_SIGNED_DB: Final = re.compile(r"^[+-]\d+(\.\d+)?dB$")
# Alexa accepts <amazon:*> tags without a namespace declaration; XML parsers need one.
_AMAZON_NS: Final = "urn:gentle-back:amazon-ssml"
_SPEAK_START: Final = re.compile(r"^(\s*<speak)(?=[\s/>])")
_XML_LANG: Final = "{http://www.w3.org/XML/1998/namespace}lang"


def _clean(content: str) -> str:
    return _NOT_XML_CHAR.sub("", content)


def _escape(content: str) -> str:
    return _clean(content).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attribute(value: str) -> str:
    return _escape(value).replace('"', "&quot;")


def text(content: str) -> Ssml:
    """Plain words as SSML: `&`, `<` and `>` escaped and characters XML cannot hold dropped.

    Already-built `Ssml` comes back unchanged, so nothing is escaped twice.
    """
    if isinstance(content, Ssml):
        return content
    return Ssml(_escape(content))


def _break_tag(milliseconds: int) -> str:
    value = f"{milliseconds // 1000}s" if milliseconds % 1000 == 0 else f"{milliseconds}ms"
    return f'<break time="{value}"/>'


def pause(seconds: float) -> Ssml:
    """Silence of any length as a chain of `<break time=…/>` tags, none over the platform's cap.

    Zero gives empty SSML; the time is rounded to whole milliseconds; never a bare `<break/>`.
    """
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"a pause must last zero or more seconds, not {seconds!r}")
    remaining = round(seconds * 1000)
    tags: list[str] = []
    while remaining > 0:
        piece = min(remaining, _MAX_BREAK_MS)
        tags.append(_break_tag(piece))
        remaining -= piece
    return Ssml("".join(tags))


def _valid_rate(rate: str) -> bool:
    match = _PERCENT.match(rate)
    if match is not None:
        return int(match.group(1)) >= MIN_PROSODY_RATE_PERCENT
    return rate in PROSODY_RATES


def prosody(content: str, *, rate: str | int = "medium") -> Ssml:
    """`content` spoken at `rate`: a keyword (x-slow … x-fast) or a percentage (int or "90%")."""
    value = f"{rate}%" if isinstance(rate, int) else rate
    if not _valid_rate(value):
        raise ValueError(
            f"prosody rate {value!r} must be one of {sorted(PROSODY_RATES)} "
            f"or a percentage of at least {MIN_PROSODY_RATE_PERCENT}%"
        )
    return Ssml(f'<prosody rate="{value}">{text(content)}</prosody>')


def audio(url: str) -> Ssml:
    """An `<audio>` tag playing `url`, with `&` and quotes escaped in the attribute."""
    return Ssml(f'<audio src="{_attribute(url)}"/>')


def join(*parts: str) -> Ssml:
    """Parts side by side, separated by a space; plain strings are escaped, empty parts skipped."""
    return Ssml(" ".join(text(part) for part in parts if part))


def sentence(*parts: str) -> Ssml:
    """The parts as one `<s>` sentence."""
    return Ssml(f"<s>{join(*parts)}</s>")


def paragraph(*parts: str) -> Ssml:
    """The parts as one `<p>` paragraph."""
    return Ssml(f"<p>{join(*parts)}</p>")


def speak(*parts: str) -> Ssml:
    """The whole `<speak>` document Alexa receives as outputSpeech or reprompt."""
    return Ssml(f"<speak>{join(*parts)}</speak>")


# ---- reading SSML back ----


def _parse(ssml: str) -> ET.Element:
    source = ssml
    if "amazon:" in ssml and "xmlns:amazon" not in ssml:
        source = _SPEAK_START.sub(rf'\1 xmlns:amazon="{_AMAZON_NS}"', ssml, count=1)
    return ET.fromstring(source)


def _tag(element: ET.Element) -> str:
    return str(element.tag).replace(f"{{{_AMAZON_NS}}}", "amazon:")


def _break_seconds(value: str) -> float | None:
    match = _BREAK_TIME.match(value)
    if match is None:
        return None
    number = int(match.group(1))
    return number / 1000 if match.group(2) == "ms" else float(number)


def sound_name(url: str) -> str:
    """The name an audio URL is known by: its file name without extension."""
    return PurePosixPath(urlsplit(url).path).stem or url


def _format_seconds(seconds: float) -> str:
    return f"{round(seconds, 1):g}"


def _pieces(element: ET.Element) -> Iterator[str | float]:
    """Text as strings, breaks as seconds, audio as a `[sound …]` marker, in document order."""
    tag = _tag(element)
    if tag == "break":
        yield _break_seconds(element.get("time", "")) or 0.0
    elif tag == "audio":
        yield f" [sound {sound_name(element.get('src', ''))}] "
    else:
        yield element.text or ""
        for child in element:
            yield from _pieces(child)
            yield child.tail or ""


def plain(ssml: str) -> str:
    """SSML as plain words: pauses as `[pause 10s]` (consecutive breaks merged into one total),
    audio as `[sound name]`, whitespace collapsed. Raises ValueError if it is not well-formed.
    """
    try:
        root = _parse(ssml)
    except ET.ParseError as exc:
        raise ValueError(f"not well-formed SSML: {exc}") from None
    out: list[str] = []
    pending = 0.0
    for piece in _pieces(root):
        if isinstance(piece, float):
            pending += piece
            continue
        if pending and piece.strip():
            out.append(f" [pause {_format_seconds(pending)}s] ")
            pending = 0.0
        out.append(piece)
    if pending:
        out.append(f" [pause {_format_seconds(pending)}s] ")
    return " ".join("".join(out).split())


# ---- validation ----


def _one_of(*allowed: str) -> Callable[[str], bool]:
    return lambda value: value in allowed


def _break_time_ok(value: str) -> bool:
    return _break_seconds(value) is not None


_PITCHES: Final = ("x-low", "low", "medium", "high", "x-high")
_VOLUMES: Final = ("silent", "x-soft", "soft", "medium", "loud", "x-loud")

#: Per tag: attribute -> value check. Attributes not listed are not allowed.
_ATTRIBUTES: Final[Mapping[str, Mapping[str, Callable[[str], bool]]]] = {
    "speak": {},
    "p": {},
    "s": {},
    "break": {"time": _break_time_ok, "strength": lambda v: v in BREAK_STRENGTHS},
    "prosody": {
        "rate": _valid_rate,
        "pitch": lambda v: v in _PITCHES or bool(_SIGNED_PERCENT.match(v)),
        "volume": lambda v: v in _VOLUMES or bool(_SIGNED_DB.match(v)),
    },
    "emphasis": {"level": _one_of("strong", "moderate", "reduced")},
    "say-as": {"interpret-as": bool, "format": bool},
    "sub": {"alias": bool},
    "phoneme": {"alphabet": _one_of("ipa", "x-sampa"), "ph": bool},
    "lang": {_XML_LANG: bool},
    "w": {"role": bool},
    "voice": {"name": bool},
    "audio": {"src": lambda v: v.startswith(("https://", "soundbank://"))},
    "amazon:effect": {"name": _one_of("whispered")},
    "amazon:domain": {"name": bool},
    "amazon:emotion": {"name": bool, "intensity": _one_of("low", "medium", "high")},
}
_REQUIRED: Final[Mapping[str, tuple[str, ...]]] = {
    "emphasis": ("level",),
    "say-as": ("interpret-as",),
    "sub": ("alias",),
    "phoneme": ("ph",),
    "audio": ("src",),
    "amazon:effect": ("name",),
    "amazon:domain": ("name",),
    "amazon:emotion": ("name",),
}


def _element_problems(element: ET.Element, tag: str) -> Iterator[str]:
    allowed = _ATTRIBUTES[tag]
    for name, value in element.attrib.items():
        shown = "xml:lang" if name == _XML_LANG else name
        valid = allowed.get(name)
        if valid is None:
            yield f"<{tag}> has unsupported attribute {shown!r}"
        elif not valid(value):
            yield f"<{tag}> {shown}={value!r} is not a value Alexa accepts"
    for name in _REQUIRED.get(tag, ()):
        if name not in element.attrib:
            yield f"<{tag}> needs a {name} attribute"
    if tag == "break":
        if not element.attrib:
            yield "<break> needs a time or strength (a bare <break/> trips validators)"
        seconds = _break_seconds(element.get("time", ""))
        if seconds is not None and seconds > MAX_BREAK_SECONDS:
            yield f"<break time={element.get('time')!r}> is over {MAX_BREAK_SECONDS:g} s"
        if len(element) or (element.text or "").strip():
            yield "<break> must be empty"


def check(
    ssml: str,
    *,
    max_chars: int = MAX_SSML_CHARS,
    max_audio_tags: int = MAX_AUDIO_TAGS,
    sound_seconds: Mapping[str, float] | None = None,
    max_audio_seconds: float = MAX_AUDIO_SECONDS,
) -> list[str]:
    """Every way `ssml` breaks Alexa's rules; an empty list means it is fine to send.

    Checks: well-formed XML with one `<speak>` root; only Alexa's tags, attributes and values;
    no break over the cap; at most `max_chars` characters and `max_audio_tags` audio tags; and,
    when `sound_seconds` maps sound names to their lengths, at most `max_audio_seconds` of audio.
    """
    problems: list[str] = []
    if len(ssml) > max_chars:
        problems.append(f"{len(ssml)} characters, over the limit of {max_chars}")
    try:
        root = _parse(ssml)
    except ET.ParseError as exc:
        return [*problems, f"not well-formed XML: {exc}"]
    if _tag(root) != "speak":
        problems.append(f"the root element is <{_tag(root)}>, not <speak>")
    audio_tags = 0
    audio_seconds = 0.0
    for element in root.iter():
        tag = _tag(element)
        if tag not in SSML_TAGS:
            problems.append(f"<{tag}> is not a tag Alexa supports")
            continue
        if tag == "speak" and element is not root:
            problems.append("<speak> nested inside the document")
        problems.extend(_element_problems(element, tag))
        if tag == "audio":
            audio_tags += 1
            name = sound_name(element.get("src", ""))
            if sound_seconds is not None:
                if name in sound_seconds:
                    audio_seconds += sound_seconds[name]
                else:
                    problems.append(f"<audio> {name!r} has no known duration")
    if audio_tags > max_audio_tags:
        problems.append(f"{audio_tags} audio tags, over the limit of {max_audio_tags}")
    if audio_seconds > max_audio_seconds:
        problems.append(f"{audio_seconds:g} s of audio, over the limit of {max_audio_seconds:g} s")
    return problems
