"""Dictation audio to text, on this machine: faster-whisper, guards against invented words, and
suggested (never applied) corrections of near-miss drug names and clinical terms.

Only :mod:`recording` and :mod:`recognizer` touch faster-whisper and its audio decoder; the rest
is plain Python over the recognizer's segments, so it is tested without a model.
"""
