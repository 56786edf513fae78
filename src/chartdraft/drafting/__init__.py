"""Drafting engines: turn a Visit into a SoapDraft, each behind one contract."""
