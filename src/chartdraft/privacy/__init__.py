"""PHI detection, pseudonymize/restore around engine calls, and the logging filter."""
