"""Turn display for the simulator: what was understood, what was said, and what happens next.

One turn renders as a few lines: `» PainScoreIntent score=5` (the request sent), `« [0:14] ...`
(the speech as plain words with `[pause 10s]` markers, or raw SSML, with its planned duration),
directives in short form, the card title, and the session state (`(session ended)` or
`(listening… reprompt: ...)`). `--json` adds both envelopes.
"""

from __future__ import annotations

import json
import re
import textwrap

from skill.sim.envelopes import Json
from skill.sim.session import Turn
from skill.ssml import plain
from skill.timing import SOUND_SECONDS, speech_seconds

_MARKER = re.compile(r"\[(pause|sound) ([^\]]*)\]")


def plain_words(ssml: str) -> str:
    """SSML as words with `[pause 10s]` and `[sound name]` markers; malformed SSML as it is."""
    try:
        return plain(ssml)
    except ValueError:
        return f"(malformed SSML) {ssml}"


def planned_seconds(words: str) -> float:
    """How long plain words (as `plain_words` gives them) take: speech by the skill's timing
    model at the normal rate, every pause, and the skill's sounds at their known lengths."""
    total = speech_seconds(_MARKER.sub(" ", words))
    for kind, argument in _MARKER.findall(words):
        if kind == "pause":
            total += float(argument.removesuffix("s"))
        else:
            total += SOUND_SECONDS.get(argument, 0.0)
    return total


def speech_text(speech: Json | None, *, ssml: bool = False) -> str:
    """The words of an outputSpeech object: plain (default) or its raw SSML."""
    if not speech:
        return ""
    if speech.get("type") == "PlainText":
        return str(speech.get("text", ""))
    raw = str(speech.get("ssml", ""))
    return raw if ssml else plain_words(raw)


def clock(seconds: float) -> str:
    """Format `seconds` as m:ss."""
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def describe_request(request: Json) -> str:
    """One line for a request: `PainScoreIntent score=5`, `LaunchRequest`, ..."""
    body = request["request"]
    kind = str(body["type"])
    if kind == "SessionEndedRequest":
        return f"{kind} reason={body.get('reason')}"
    if kind != "IntentRequest":
        return kind
    parts = [str(body["intent"]["name"])]
    for name, slot in (body["intent"].get("slots") or {}).items():
        value = slot.get("value")
        if value is None:
            continue
        shown = f'"{value}"' if " " in value else value
        authorities = (slot.get("resolutions") or {}).get("resolutionsPerAuthority") or []
        for authority in authorities[:1]:
            values = authority.get("values") or []
            shown += f"→{values[0]['value']['id']}" if values else "→?"
        parts.append(f"{name}={shown}")
    return " ".join(parts)


def describe_directive(directive: Json) -> str:
    """Short form of a directive: `[directive Dialog.ElicitSlot slot=score]`."""
    kind = str(directive.get("type"))
    extra = ""
    if "slotToElicit" in directive:
        extra = f" slot={directive['slotToElicit']}"
    elif "slotToConfirm" in directive:
        extra = f" slot={directive['slotToConfirm']}"
    elif kind == "AudioPlayer.Play":
        stream = directive.get("audioItem", {}).get("stream", {})
        extra = f" {directive.get('playBehavior')} token={stream.get('token')} {stream.get('url')}"
    return f"[directive {kind}{extra}]"


def _session_line(turn: Turn) -> str | None:
    if turn.request_type is not None and turn.request_type.startswith("AudioPlayer."):
        return None
    if turn.request_type == "SessionEndedRequest":
        return "(session ended; Alexa does not speak this response)"
    if turn.should_end_session is True:
        return "(session ended)"
    if turn.should_end_session is None:
        return "(session ended: shouldEndSession not set, so a speaker without a screen closes)"
    reprompt = ((turn.response or {}).get("response") or {}).get("reprompt") or {}
    words = speech_text(reprompt.get("outputSpeech"))
    return f"(listening… reprompt: {words})" if words else "(listening… no reprompt)"


def render_turn(
    turn: Turn, *, ssml: bool = False, as_json: bool = False, width: int | None = 100
) -> str:
    """All the lines that show one turn to a developer; long lines wrap at `width` (None: no)."""
    if turn.note is not None:
        return turn.note
    lines: list[str] = []
    if turn.reprompt is not None:
        lines.append("» (silence: Alexa speaks the reprompt)")
    elif turn.request is not None:
        lines.append(f"» {describe_request(turn.request)}")
        if as_json:
            lines.append("request: " + json.dumps(turn.request, indent=2))
    if as_json and turn.response is not None:
        lines.append("response: " + json.dumps(turn.response, indent=2))
    speech = turn.output_speech
    if speech:
        seconds = planned_seconds(speech_text(speech))
        lines.append(f"« [{clock(seconds)}] {speech_text(speech, ssml=ssml)}")
    body = (turn.response or {}).get("response") or {}
    lines.extend(describe_directive(d) for d in body.get("directives") or [])
    card = body.get("card")
    if card:
        lines.append(f"[card {card.get('title') or card.get('type')}]")
    if turn.reprompt is None:
        status = _session_line(turn)
        if status:
            lines.append(status)
    else:
        lines.append("(listening… once more)")
    if width is None:
        return "\n".join(lines)
    return "\n".join(
        textwrap.fill(
            line, width, subsequent_indent="  ", break_on_hyphens=False, break_long_words=False
        )
        if not line.startswith(("request: ", "response: "))
        else line
        for line in lines
    )
