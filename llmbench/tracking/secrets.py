"""Keep secrets out of the tracking store, whatever a caller passes in.

Keys never belong in params, tags or artifacts, and the types already exclude ``ModelConfig.api_key`` from dumps;
this is the belt and braces: any value of a secret-looking environment variable is replaced before it is logged.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

__all__ = ["MASK", "MIN_SECRET_LENGTH", "SECRET_SUFFIXES", "scrub_secrets", "secret_values"]

MASK = "***"
#: Environment variables whose names end so are treated as secrets.
SECRET_SUFFIXES: tuple[str, ...] = ("_API_KEY", "_TOKEN", "_SECRET")
#: Shorter values ("1", "true") would mask ordinary text; no real credential is this short.
MIN_SECRET_LENGTH = 8


def secret_values(extra_env_names: Iterable[str] = (), environ: Mapping[str, str] | None = None) -> list[str]:
    """Values to mask, longest first so a secret containing another is masked whole."""
    env = os.environ if environ is None else environ
    names = set(extra_env_names)
    found = {
        value
        for name, value in env.items()
        if (name.upper().endswith(SECRET_SUFFIXES) or name in names) and len(value) >= MIN_SECRET_LENGTH
    }
    return sorted(found, key=lambda v: (-len(v), v))


def scrub_secrets(text: str, extra_env_names: Iterable[str] = (), *, secrets: Iterable[str] | None = None) -> str:
    """``text`` with every secret value replaced by ``***``.

    ``extra_env_names`` adds variables named by ``ModelConfig.api_key_env``; ``secrets`` skips the environment
    scan when the caller already holds the list (one scan per run, not per value).
    """
    values = secret_values(extra_env_names) if secrets is None else secrets
    for value in values:
        if value in text:
            text = text.replace(value, MASK)
    return text
