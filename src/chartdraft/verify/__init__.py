"""Check every statement of a draft against the input it claims to come from."""
