"""Reading the text files a user hands llmbench (config, datasets, profile files) with one-line errors.

A file that is missing, unreadable or not UTF-8 is named with the line of the first bad byte, so the user can
fix it in an editor; Python's own ``UnicodeDecodeError`` names neither the file nor the line.
"""

from __future__ import annotations

from pathlib import Path

from llmbench.errors import LLMBenchError

__all__ = ["decode_utf8", "read_bytes", "read_text"]


def decode_utf8(raw: bytes, path: Path | str, what: str, error: type[LLMBenchError]) -> str:
    """``raw`` as UTF-8 (a leading byte-order mark is dropped), else ``error`` naming the file and line."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise error(
            f"{path}:{line}: the {what} is not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
            "save it as UTF-8"
        ) from None


def read_bytes(path: Path | str, what: str, error: type[LLMBenchError]) -> bytes:
    """The bytes of ``path``; any failure is ``error`` with one line naming the file and what went wrong."""
    file = Path(path)
    try:
        return file.read_bytes()
    except FileNotFoundError:
        raise error(f"{file}: {what} not found") from None
    except IsADirectoryError:
        raise error(f"{file}: {what} is a directory, not a file") from None
    except PermissionError:
        raise error(f"{file}: cannot read the {what} (permission denied)") from None
    except OSError as exc:
        raise error(f"{file}: cannot read the {what} ({exc.strerror or exc})") from None


def read_text(path: Path | str, what: str, error: type[LLMBenchError]) -> str:
    """The UTF-8 text of ``path``, with the one-line errors of :func:`read_bytes` and :func:`decode_utf8`."""
    return decode_utf8(read_bytes(path, what, error), path, what, error)
