"""Pure clinical data and rules: no I/O, only the standard library and pydantic."""
