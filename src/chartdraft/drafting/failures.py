"""One sentence for each way a model server fails, shared by every provider module.

The server's own error text is read to tell cases apart but never repeated: it may quote the
request, and the request is the clinician's input.
"""

from chartdraft.domain.errors import EngineError, PermanentEngineError, RetryableEngineError
from chartdraft.drafting.endpoint import EngineConfig


def connection_failed(config: EngineConfig) -> RetryableEngineError:
    """Return the error for a server that cannot be reached."""
    return RetryableEngineError(
        f"{config.label} at {config.endpoint} cannot be reached: is it running, "
        "and is the base URL right?"
    )


def timed_out(config: EngineConfig) -> RetryableEngineError:
    """Return the error for a server that did not answer in time."""
    return RetryableEngineError(
        f"{config.label} at {config.endpoint} did not answer within {config.timeout:g} s "
        f"(tried {config.max_retries + 1} time(s)); a larger timeout may help a slow model."
    )


def answered_with(  # noqa: PLR0911 (one return per case reads as a table)
    config: EngineConfig, status: int, server_text: str
) -> EngineError:
    """Return the error for an HTTP error status from the server."""
    text = server_text.lower()
    where = f"{config.label} at {config.endpoint}"
    if status == 404 and "model" in text:
        hint = config.pull_hint.format(model=config.model) if config.pull_hint else None
        return PermanentEngineError(
            f"{where} has no model {config.model}" + (f": run `{hint}`." if hint else ".")
        )
    if status == 404:
        return PermanentEngineError(
            f"{where} has no chat API at {config.base_url} (HTTP 404); check the base URL."
        )
    if status in {401, 403}:
        return PermanentEngineError(
            f"{where} refused the credentials (HTTP {status}); check the engine's API key."
        )
    if status == 429:
        return RetryableEngineError(
            f"{where} is rate-limiting requests (HTTP 429) and still refused after "
            f"{config.max_retries} retries; try again shortly."
        )
    if status >= 500:
        return RetryableEngineError(
            f"{where} had a server error (HTTP {status}) and still failed after "
            f"{config.max_retries} retries."
        )
    if "context" in text or "too long" in text or "too many tokens" in text:
        return PermanentEngineError(
            f"{where} says the request does not fit the model's context (HTTP {status}); "
            "set the engine's context_tokens to the model's real window."
        )
    return PermanentEngineError(f"{where} rejected the request (HTTP {status}).")


MALFORMED_REPLY = (AttributeError, TypeError, ValueError, KeyError, IndexError, RecursionError)
"""What a client raises when a server answers 200 with something that is not an API reply."""


def not_an_api_reply(config: EngineConfig) -> PermanentEngineError:
    """Return the error for a reply that is not what the API documents (HTML, wrong shape)."""
    return PermanentEngineError(
        f"{config.label} at {config.endpoint} answered with something that is not a chat API "
        "reply; check that the base URL points at its API."
    )


def declined(config: EngineConfig) -> PermanentEngineError:
    """Return the error for a model that refused to answer (a safety stop, a content filter)."""
    return PermanentEngineError(
        f"{config.label} model {config.model} declined to draft this note; nothing was drafted."
    )


def token_count(value: object) -> int:
    """Return a usage figure from a reply, or 0 when the server sent none or nonsense."""
    return value if isinstance(value, int) and value >= 0 else 0
