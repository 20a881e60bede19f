"""Request handlers: the thin Alexa edge around `skill.flow`, grouped by conversation stage."""
