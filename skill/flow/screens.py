"""Red-flag and urgent-tier screens: asking, stopping, and the acknowledgement that follows.

An emergency answer ends the session with the emergency instruction and no exercise words; the
skill then refuses to start any session until the user says they have been checked, so a
relaunch cannot be used to answer "no" instead (clinical-safety doc, section 4).
"""

from __future__ import annotations

from skill.flow.core import Ctx, Reply, ask, line, lines, log, tell
from skill.ssml import Ssml, text
from skill.state import iso


def _nth(key: str, index: int) -> Ssml:
    questions = lines(key)
    return text(questions[min(index, len(questions) - 1)])


def redflag_question(index: int) -> Ssml:
    return _nth("redflag_questions", index)


def redflag_count() -> int:
    return len(lines("redflag_questions"))


def urgent_question(index: int) -> Ssml:
    return _nth("urgent_questions", index)


def urgent_count() -> int:
    return len(lines("urgent_questions"))


def ask_redflag(ctx: Ctx, stage: str, index: int, preface: list[Ssml] | None = None) -> Reply:
    ctx.sess.stage = stage
    ctx.sess.question = index
    return ask(*(preface or []), redflag_question(index), reprompt=line("redflag_reprompt"))


def ask_urgent(ctx: Ctx, index: int, preface: list[Ssml] | None = None) -> Reply:
    ctx.sess.stage = "urgent"
    ctx.sess.question = index
    return ask(*(preface or []), urgent_question(index), reprompt=line("redflag_reprompt"))


def emergency(ctx: Ctx) -> Reply:
    """End now: the emergency instruction, nothing else; remembered until acknowledged."""
    log.warning("emergency red flag reported at stage %s", ctx.sess.stage)
    ctx.user.emergency_pending = iso(ctx.now)
    ctx.user.resume = None
    ctx.sess.stage = "ended"
    return tell(line("emergency"))


def urgent_stop(ctx: Ctx) -> Reply:
    """No session today: contact a doctor. Remembered until the user says they did."""
    log.warning("urgent-tier red flag reported")
    ctx.user.urgent_pending = iso(ctx.now)
    ctx.user.urgent_screened_at = iso(ctx.now)
    ctx.sess.stage = "ended"
    return tell(line("urgent_advice"))


def followup_question(ctx: Ctx) -> Reply:
    """Ask for the acknowledgement an earlier emergency or urgent answer requires."""
    if ctx.user.emergency_pending:
        ctx.sess.stage = "emergency_followup"
        return ask(line("emergency_followup"), reprompt=line("emergency_followup_reprompt"))
    ctx.sess.stage = "urgent_followup"
    return ask(line("urgent_followup"), reprompt=line("urgent_followup_reprompt"))


def answer_followup(ctx: Ctx, yes: bool) -> Reply | None:
    """Clear the pending flag on yes (the caller continues); end the session on no."""
    if not yes:
        ctx.sess.stage = "ended"
        return tell(line("followup_not_cleared"))
    if ctx.sess.stage == "emergency_followup":
        ctx.user.emergency_pending = None
        # Everything is asked again after an emergency: the full screen and the urgent tier.
        ctx.user.redflags_screened_at = None
        ctx.user.urgent_screened_at = None
    else:
        ctx.user.urgent_pending = None
        ctx.user.urgent_screened_at = None
    return None


def needs_followup(ctx: Ctx) -> bool:
    return bool(ctx.user.emergency_pending or ctx.user.urgent_pending)
