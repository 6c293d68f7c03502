"""Vendor-neutral failures; each route module renders a ``Problem`` in its vendor's error format."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Problem", "ProblemKind"]


class ProblemKind(StrEnum):
    AUTH = "auth"  # 401
    NOT_FOUND = "not_found"  # 404, model not found
    RATE_LIMIT = "rate_limit"  # 429
    SERVER_ERROR = "server_error"  # 500
    UNAVAILABLE = "unavailable"  # 503 (Anthropic 529)
    CONTEXT_LENGTH = "context_length"  # 400
    BAD_REQUEST = "bad_request"  # 400


class Problem(Exception):
    """Raised anywhere while handling a request; the route turns it into the vendor's HTTP error."""

    def __init__(
        self,
        kind: ProblemKind,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        retry_after: str | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.param = param
        self.code = code
        self.retry_after = retry_after
