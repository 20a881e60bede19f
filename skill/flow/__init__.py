"""The conversation core: stage by stage, from typed state to a reply. No Alexa objects here."""
