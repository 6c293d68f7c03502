"""The router: picks a model for a prompt from profiles learned per task type, under hard constraints."""

from __future__ import annotations

from llmbench.router.classifier import classify_task, task_scores
from llmbench.router.profiles import (
    DEFAULT_PROFILE_UPDATE_WEIGHT,
    Observation,
    apply_observations,
    declared_profile,
    initial_profiles,
    load_profiles,
    observations_from_results,
    strengths,
    update_profiles,
)
from llmbench.router.router import CONSTRAINT_ORDER, DEFAULT_PRIOR, ModelRouter
from llmbench.router.store import (
    SCHEMA_VERSION,
    JsonProfileStore,
    ProfileStore,
    SqlProfileStore,
    export_profiles,
    import_profiles,
    open_store,
)
from llmbench.router.types import (
    Alternative,
    ModelConstraints,
    ModelProfile,
    ModelSelection,
    ProfileSource,
    RoutingStrategy,
    RoutingWeights,
    TaskStats,
    UnprofiledPolicy,
)

__all__ = [
    "CONSTRAINT_ORDER",
    "DEFAULT_PRIOR",
    "DEFAULT_PROFILE_UPDATE_WEIGHT",
    "SCHEMA_VERSION",
    "Alternative",
    "JsonProfileStore",
    "ModelConstraints",
    "ModelProfile",
    "ModelRouter",
    "ModelSelection",
    "Observation",
    "ProfileSource",
    "ProfileStore",
    "RoutingStrategy",
    "RoutingWeights",
    "SqlProfileStore",
    "TaskStats",
    "UnprofiledPolicy",
    "apply_observations",
    "classify_task",
    "declared_profile",
    "export_profiles",
    "import_profiles",
    "initial_profiles",
    "load_profiles",
    "observations_from_results",
    "open_store",
    "strengths",
    "task_scores",
    "update_profiles",
]
