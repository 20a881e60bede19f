"""Alexa platform limits, each with its source.

Every number the platform imposes on a response lives here and nowhere else; the SSML builder,
the turn packer and the tests all read these names.
"""

from typing import Final

# SSML reference: https://developer.amazon.com/en-US/docs/alexa/custom-skills/speech-synthesis-markup-language-ssml-reference.html
# JSON reference: https://developer.amazon.com/en-US/docs/alexa/custom-skills/request-and-response-json-reference.html

#: outputSpeech SSML must be under 8000 characters ("exceeds allowed size of 8000 characters").
#: Source: JSON reference; https://github.com/LorenzHW/Telegram-Connect/issues/6
MAX_SSML_CHARS: Final = 8000

#: One <break> may last at most 10 seconds. Source: SSML reference.
MAX_BREAK_SECONDS: Final = 10.0

#: At most five <audio> tags in one response. Source: SSML reference.
MAX_AUDIO_TAGS: Final = 5

#: Combined <audio> duration: 240 s in outputSpeech, 90 s in a reprompt. Source: JSON reference.
MAX_AUDIO_SECONDS: Final = 240.0
MAX_REPROMPT_AUDIO_SECONDS: Final = 90.0

#: Whole response size. Older docs say 24 KB, current ones 120 KB; we keep to the safe figure.
#: Session attributes count toward it. Source: JSON reference.
MAX_RESPONSE_BYTES: Final = 24 * 1024

#: <audio> files: MP3, 48 kbps, one of these sample rates. Source: SSML reference.
AUDIO_BITRATE_KBPS: Final = 48
AUDIO_SAMPLE_RATES_HZ: Final = (16000, 22050, 24000)

#: A skill must answer within about 8 s. Source:
#: https://developer.amazon.com/docs/custom-skills/send-the-user-a-progressive-response.html
RESPONSE_DEADLINE_SECONDS: Final = 8.0

#: Lowest prosody rate Alexa accepts as a percentage. Source: SSML reference.
MIN_PROSODY_RATE_PERCENT: Final = 20

#: Tags Alexa's SSML accepts (<mark> is Polly-only and left out). Source: SSML reference.
SSML_TAGS: Final = frozenset(
    {
        "speak",
        "p",
        "s",
        "break",
        "prosody",
        "emphasis",
        "say-as",
        "sub",
        "phoneme",
        "lang",
        "w",
        "voice",
        "audio",
        "amazon:effect",
        "amazon:domain",
        "amazon:emotion",
    }
)
BREAK_STRENGTHS: Final = frozenset({"none", "x-weak", "weak", "medium", "strong", "x-strong"})
PROSODY_RATES: Final = frozenset({"x-slow", "slow", "medium", "fast", "x-fast"})

# Request verification (web-service hosting). Source:
# https://developer.amazon.com/docs/custom-skills/host-a-custom-skill-as-a-web-service.html

#: A request's timestamp must be within 150 s of now.
REQUEST_TIMESTAMP_TOLERANCE_SECONDS: Final = 150
#: Skill events (SkillEnabled and friends) may be up to an hour old.
SKILL_EVENT_TIMESTAMP_TOLERANCE_SECONDS: Final = 3600
#: The signing certificate must name this host in its Subject Alternative Names.
SIGNING_CERT_SAN: Final = "echo-api.amazon.com"
CERT_URL_HOST: Final = "s3.amazonaws.com"
CERT_URL_PATH_PREFIX: Final = "/echo.api/"
CERT_URL_PORT: Final = 443

# AudioPlayer stream limits (kept for completeness; the skill speaks its holds instead).
# Source: https://developer.amazon.com/en-US/docs/alexa/custom-skills/audioplayer-interface-reference.html
MAX_STREAM_TOKEN_CHARS: Final = 1024
MAX_STREAM_URL_CHARS: Final = 8000
