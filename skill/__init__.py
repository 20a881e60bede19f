"""Gentle Back: an Alexa skill for guided, gentle stretch routines."""
