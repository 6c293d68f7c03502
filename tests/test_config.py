from __future__ import annotations

from pathlib import Path

import pytest

from llmbench.config import load_config, parse_model_refs
from llmbench.errors import ConfigError, InvalidWeights
from llmbench.runs import BenchmarkRequest, resolve_settings
from llmbench.types import RankingWeights


def _load(tmp_path: Path, body: str):
    path = tmp_path / "llmbench.toml"
    path.write_text(body)
    return load_config(path)


def test_defaults_match_the_seed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config()
    o = config.orchestration
    assert (o.max_parallel_models, o.comparison_timeout_seconds, o.routing_strategy) == (10, 300, "balanced")
    # The seed's switch is unset: statistics follow [statistics] enabled, on by default (issue 9).
    assert o.auto_update_profiles is True and o.enable_statistical_tests is None
    assert o.profile_update_weight == 0.1
    assert (config.ranking.quality, config.ranking.performance, config.ranking.cost) == (0.6, 0.2, 0.2)
    assert (config.ranking.normalisation, config.ranking.unknown_price) == ("relative", "pessimistic")
    s = config.statistics
    assert (s.enabled, s.alpha, s.correction, s.resamples, s.min_items) == (True, 0.05, "holm", 2000, 10)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("[orchestration]\nmax_parallel_models = 50\n", "[orchestration] max_parallel_models = 50"),
        ("[orchestration]\ncomparison_timeout_seconds = 0\n", "allowed: 1–3600"),
        ("[orchestration]\nprofile_update_weight = 1.5\n", "allowed: 0–1"),
        ('[orchestration]\nrouting_strategy = "fastest"\n', "quality | cost_optimized | latency | balanced"),
        ("[orchestration]\nmax_paralel_models = 5\n", "[orchestration] max_paralel_models: unknown key"),
        ('[models.gpt]\nprovider = "openai"\n', "[models.gpt] model: required key is missing"),
        ('[ranking]\nnormalisation = "zscore"\n', "[ranking] normalisation = 'zscore'"),
        ('[ranking]\nunknown_price = "zero"\n', "allowed: pessimistic | exclude | renormalise"),
        ('[statistics]\ncorrection = "bonferroni"\n', "allowed: holm | bh"),
        ("[statistics]\nalpha = 0.7\n", "[statistics] alpha = 0.7"),
        ("[statistics]\nresamples = 10\n", "allowed: 200–100000"),
        ("[statistics]\nboot = 10\n", "[statistics] boot: unknown key"),
    ],
)
def test_bad_values_fail_with_one_line_naming_file_key_and_range(tmp_path: Path, body: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, body)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(str(tmp_path / "llmbench.toml"))
    assert expected in message


def test_max_parallel_models_range_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="allowed: 1–20"):
        _load(tmp_path, "[orchestration]\nmax_parallel_models = 21\n")


def test_weights_must_sum_to_one(tmp_path: Path) -> None:
    assert _load(tmp_path, "[ranking]\nquality = 0.5\nperformance = 0.3\ncost = 0.2\n").ranking.quality == 0.5
    with pytest.raises(InvalidWeights, match="sum to 1"):
        _load(tmp_path, "[ranking]\nquality = 0.5\nperformance = 0.3\ncost = 0.3\n")


def test_ranking_and_statistics_tables_reach_the_run_settings(tmp_path: Path) -> None:
    config = _load(
        tmp_path,
        '[ranking]\nquality = 0.5\nperformance = 0.3\ncost = 0.2\nnormalisation = "minmax"\n'
        'unknown_price = "exclude"\n[statistics]\ncorrection = "bh"\nresamples = 500\nseed = 7\n',
    )
    settings = resolve_settings(BenchmarkRequest(models=["sim:swift-s"]), config)
    assert settings.weights == RankingWeights(quality=0.5, performance=0.3, cost=0.2)
    assert (settings.ranking.normalisation, settings.ranking.unknown_price) == ("minmax", "exclude")
    s = settings.statistics
    assert (s.enabled, s.correction, s.resamples, s.seed) == (True, "bh", 500, 7)


def test_stats_switch_request_over_seed_key_over_statistics_table(tmp_path: Path) -> None:
    off = _load(tmp_path, "[statistics]\nenabled = false\n")
    assert not resolve_settings(BenchmarkRequest(models=["sim:swift-s"]), off).statistics.enabled
    assert resolve_settings(BenchmarkRequest(models=["sim:swift-s"], stats=True), off).statistics.enabled
    seed_off = _load(tmp_path, "[orchestration]\nenable_statistical_tests = false\n")
    assert not resolve_settings(BenchmarkRequest(models=["sim:swift-s"]), seed_off).statistics.enabled
    # the seed's parameter name still works in requests (deployments saved with it)
    legacy = BenchmarkRequest.model_validate({"models": ["sim:swift-s"], "statistical_tests": False})
    assert legacy.stats is False


def test_the_example_config_loads(tmp_path: Path) -> None:
    config = load_config(Path(__file__).resolve().parent.parent / "examples" / "llmbench.toml")
    assert config.statistics.correction == "holm" and config.ranking.options.unknown_price == "pessimistic"


def test_comparison_config_keeps_the_seed_switch() -> None:
    from llmbench.types import ComparisonConfig, StatisticsConfig

    assert ComparisonConfig(models=[], statistical_tests=False).statistics.enabled is False  # type: ignore[call-arg]
    chosen = ComparisonConfig(models=[], statistics=StatisticsConfig(correction="bh"))
    assert chosen.statistics.correction == "bh" and chosen.statistics.enabled


def test_not_toml_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        _load(tmp_path, "[orchestration\n")


def test_config_found_through_env_and_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = tmp_path / "elsewhere.toml"
    other.write_text("[orchestration]\nmax_parallel_models = 3\n")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "llmbench.toml").write_text("[orchestration]\nmax_parallel_models = 4\n")
    assert load_config().orchestration.max_parallel_models == 4
    monkeypatch.setenv("LLMBENCH_CONFIG", str(other))
    assert load_config().orchestration.max_parallel_models == 3
    monkeypatch.setenv("LLMBENCH_CONFIG", str(tmp_path / "missing.toml"))
    with pytest.raises(ConfigError, match=r"missing\.toml"):
        load_config()


def test_model_references_resolve_names_and_provider_pairs(tmp_path: Path) -> None:
    config = _load(
        tmp_path,
        '[models.fast]\nprovider = "sim"\nmodel = "fast100"\n'
        "[models.fast.simulation]\nquality = 0.5\nlatency_ms = 100\n"
        '[models.gpt]\nprovider = "openai"\nmodel = "gpt-4o"\napi_key_env = "OPENAI_API_KEY"\n'
        "price = { input_per_mtok = 2.5, output_per_mtok = 10 }\n",
    )
    models = parse_model_refs("fast, sim:oracle-xl, gpt, sim:oracle-xl", config)
    assert [m.identifier for m in models] == ["sim/fast100", "sim/oracle-xl", "openai/gpt-4o"]
    assert models[0].simulation is not None and models[0].simulation.latency_ms == 100
    assert models[2].price is not None and models[2].price.output_per_mtok == 10
    with pytest.raises(ConfigError, match="unknown model 'nope'"):
        parse_model_refs("nope", config)
