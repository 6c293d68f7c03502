"""Checks that run before a command starts anything: model names, providers, keys and the profile store.

Each failure is a :class:`~llmbench.errors.ConfigError` (or :class:`~llmbench.errors.ProfileStoreError`) of one
line that names the model, variable or file, with "did you mean" for names close to a known one. They run in the
CLI before the Prefect server is started and again in the flow (``resolve_settings``), where a deployment's worker
checks its own environment before the first call.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from llmbench.config import LLMBenchConfig
from llmbench.errors import ConfigError, ProfileStoreError
from llmbench.providers import provider_names
from llmbench.providers.sim import SIM_CATALOGUE
from llmbench.types import ModelConfig

__all__ = ["check_profile_store", "did_you_mean", "resolve_judge", "resolve_models"]


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """`` (did you mean X?)`` for the closest known name, or an empty string."""
    close = difflib.get_close_matches(name, sorted(set(known)), n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else ""


def _known_refs(config: LLMBenchConfig) -> list[str]:
    return [f"sim:{name}" for name in SIM_CATALOGUE] + sorted(config.models)


def _resolve(ref: str, config: LLMBenchConfig) -> ModelConfig:
    if ref not in config.models and ":" not in ref:
        hint = did_you_mean(ref, _known_refs(config))
        declared = ", ".join(sorted(config.models)) or "none declared"
        raise ConfigError(
            f"unknown model {ref!r}{hint}: write provider:model (e.g. sim:oracle-xl) or a [models.<name>] "
            f"name from {config.source or 'llmbench.toml'} (declared: {declared})"
        )
    model = config.resolve_model(ref)
    origin = f"[models.{ref}] in {config.source}" if model.alias else repr(ref)
    if model.provider not in provider_names():
        hint = did_you_mean(model.provider, provider_names())
        raise ConfigError(
            f"unknown provider {model.provider!r} in {origin}{hint}; known providers: {', '.join(provider_names())}"
        )
    if model.provider == "sim" and model.simulation is None and model.model not in SIM_CATALOGUE:
        hint = did_you_mean(f"sim:{model.model}", _known_refs(config))
        raise ConfigError(
            f"unknown simulated model {model.model!r} in {origin}{hint}; built-in: "
            f"{', '.join('sim:' + n for n in SIM_CATALOGUE)} (or declare one with a simulation table)"
        )
    return model


def _check_key(model: ModelConfig) -> None:
    if model.api_key_env and not os.environ.get(model.api_key_env):
        raise ConfigError(
            f"model {model.alias or model.identifier} reads its key from ${model.api_key_env}, which is not set: "
            f"export {model.api_key_env}=... or change api_key_env"
        )


def resolve_models(refs: Sequence[str], config: LLMBenchConfig, *, check_keys: bool = True) -> list[ModelConfig]:
    """Models for ``refs`` in order without duplicates, each with a known provider and model, and (unless
    ``check_keys`` is False, for routing, which calls nothing) the variable of its key set. A repeated reference
    is dropped; two different references to one provider/model are a ConfigError."""
    models: dict[str, ModelConfig] = {}
    named: dict[str, str] = {}
    for ref in (r.strip() for r in refs):
        if not ref:
            continue
        model = _resolve(ref, config)
        if check_keys:
            _check_key(model)
        first = named.setdefault(model.identifier, ref)
        if first != ref:
            # Results are keyed by provider/model: keeping one of the two silently would compare fewer models than
            # asked, and a model compared with itself (to see it tied) needs a name of its own.
            hint = (
                f"; to run a simulated model twice, give each copy a model name of its own ([models.{ref}] model = "
                f'"{ref}" with the same simulation table)'
                if model.provider == "sim"
                else ": results are keyed by provider/model, name it once"
            )
            raise ConfigError(f"models {first!r} and {ref!r} are both {model.identifier}{hint}")
        models.setdefault(model.identifier, model)
    return list(models.values())


def resolve_judge(override: str | None, config: LLMBenchConfig) -> ModelConfig | None:
    """The judge model: ``override`` (``--judge``) wins over ``[evaluation] judge``; None when neither is set.

    Checked like the models judged (known provider and model, key variable set), with the error naming where the
    judge was chosen, so a bad judge fails before any model is called rather than at the first verdict.
    """
    ref = (override or config.evaluation.judge or "").strip()
    if not ref:
        return None
    where = "--judge" if override else f"{config.source or 'llmbench.toml'}: [evaluation] judge"
    try:
        model = _resolve(ref, config)
        _check_key(model)
    except ConfigError as error:
        raise ConfigError(f"{where} {ref!r}: {error}") from None
    return model


def _nearest_existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_profile_store(location: str) -> None:
    """The profile store can be read and written, checked without writing anything to it.

    A JSON file must parse (its errors say how to recover) and its directory must be creatable and writable;
    a database URL is opened and read.
    """
    from llmbench.router.store import open_store

    if "://" not in location:
        path = Path(location).expanduser()
        if path.is_dir():
            raise ProfileStoreError(f"profile store {path} is a directory; profiles_path must name a file")
        parent = _nearest_existing(path.parent)
        writable_target = path if path.exists() else parent
        if not parent.is_dir() or not os.access(writable_target, os.W_OK):
            raise ProfileStoreError(
                f"profile store {path} cannot be written ({writable_target} is not a writable "
                f"{'file' if writable_target == path else 'directory'}); fix [orchestration] profiles_path"
            )
    open_store(location).load()
