"""Durable runs: every outcome persisted as it completes, runs resumed, answers reused from a response cache.

One database holds it all: SQLite under the llmbench home by default (``home_paths().store``), or PostgreSQL
through ``[store] url`` so several workers share one run. :class:`RunStore` keeps run records and results,
:class:`ResponseCache` successful answers by request digest, :class:`SlotRegistry` the holders of provider
concurrency slots, and :class:`RunJournal` is what a :class:`~llmbench.execution.ModelRunner` consults.
"""

from llmbench.pricing import Spend, spend_summary
from llmbench.store.cache import DEFAULT_TTL_HOURS, CacheStats, ResponseCache, clear_cache, open_cache
from llmbench.store.database import Database, close_database, default_store_url, open_database, redact_url
from llmbench.store.holders import LimitStatus, SlotHolder, SlotRegistry, open_slot_registry, process_alive
from llmbench.store.journal import JournalCounts, Recalled, RunJournal
from llmbench.store.keys import benchmark_key, dataset_hash, model_fingerprint, request_hash
from llmbench.store.preflight import check_profiles_location, check_run_targets, write_json_atomic
from llmbench.store.runs import RunRecord, RunSpec, RunStatus, RunStore, open_run_store, run_spec
from llmbench.store.schema import SCHEMA_VERSION
from llmbench.store.settings import StoreSettings, recording

__all__ = [
    "DEFAULT_TTL_HOURS",
    "SCHEMA_VERSION",
    "CacheStats",
    "Database",
    "JournalCounts",
    "LimitStatus",
    "Recalled",
    "ResponseCache",
    "RunJournal",
    "RunRecord",
    "RunSpec",
    "RunStatus",
    "RunStore",
    "SlotHolder",
    "SlotRegistry",
    "Spend",
    "StoreSettings",
    "benchmark_key",
    "check_profiles_location",
    "check_run_targets",
    "clear_cache",
    "close_database",
    "dataset_hash",
    "default_store_url",
    "model_fingerprint",
    "open_cache",
    "open_database",
    "open_run_store",
    "open_slot_registry",
    "process_alive",
    "recording",
    "redact_url",
    "request_hash",
    "run_spec",
    "spend_summary",
    "write_json_atomic",
]
