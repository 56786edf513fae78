"""The one error tree. Each message is a sentence a clinician or integrator can act on."""


class ChartdraftError(Exception):
    """Base of every error chartdraft raises on purpose."""


class ConfigError(ChartdraftError):
    """Settings, templates or other configuration are invalid or unsafe."""


class InputError(ChartdraftError):
    """What the user gave us cannot be used (empty, binary, malformed, unknown name)."""


class NotFoundError(ChartdraftError):
    """A named thing (template, engine, note) does not exist."""


class EngineError(ChartdraftError):
    """A drafting engine failed."""


class PermanentEngineError(EngineError):
    """The engine failed in a way a retry will not fix (bad request, bad credentials)."""


class RetryableEngineError(EngineError):
    """The engine failed in a way a later retry may fix (timeout, rate limit, 5xx)."""


class PrivacyError(ChartdraftError):
    """Identifiers could not be protected, so nothing was sent."""


class ExportError(ChartdraftError):
    """A note could not be exported or delivered."""


class NotAllowedError(ChartdraftError):
    """The user's role or relation to the record does not allow this (a 403)."""


class InvalidTransitionError(ChartdraftError):
    """A review-state change that the rules do not allow."""


class AuditIntegrityError(ChartdraftError):
    """The audit chain does not verify."""


class ConflictError(ChartdraftError):
    """Someone else changed the record first (a second signature, a stale edit): a 409."""


class StorageError(ChartdraftError):
    """The database could not be reached or refused the change; nothing was half-written."""


class AuthenticationError(ChartdraftError):
    """No valid credentials (missing, wrong, expired or revoked): a 401."""
