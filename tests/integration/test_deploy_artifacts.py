"""The operator artifacts in ``deploy/``: alert rules, scrape config and dashboards.

promtool (Debian package ``prometheus``, installed by scripts/install-observability-tools.sh)
checks the rules and the config and runs unit tests of the alerts; a live ``spoke serve``
is scraped to prove every metric an alert or a dashboard panel uses exists.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from tests.functional.live_server import Server, running_server
from tests.functional.support import files

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
ALERTS = DEPLOY / "prometheus" / "alerts.yml"
PROMETHEUS_CONFIG = DEPLOY / "prometheus" / "prometheus.yml"
COLLECTOR = DEPLOY / "otel" / "collector.yaml"
DASHBOARDS = sorted((DEPLOY / "grafana").glob("*.json"))
DATASOURCE_UID = "${DS_PROMETHEUS}"

# Series that only exist on the production stack (PostgreSQL read replicas): on the
# embedded default the family is declared (``# HELP``/``# TYPE``) but has no sample yet.
PRODUCTION_ONLY = {"spoke_db_replica_healthy"}
# Labels Prometheus attaches to every scraped series.
TARGET_LABELS = {"job", "instance"}

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
# Metric names: spoke_*, process_* and `up`; not functions (followed by "("), not
# Grafana variables ($__rate_interval), not parts of recording-rule names (a:b:c).
_METRIC = re.compile(r"(?<![\w:$])(spoke_\w+|process_\w+|up)\b(?![:(])")
_RECORDED = re.compile(r"(?<![\w$])([a-zA-Z_]\w*:[\w:]+)")
_SELECTOR = re.compile(r"(?<![\w:$])((?:spoke|process)_\w+)\s*\{([^}]*)\}")
_MATCHER_LABEL = re.compile(r"(\w+)\s*(?:=~|!~|!=|=)")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)")
_GRAFANA_VARIABLES = {
    "$__rate_interval": "5m",
    "$__interval": "1m",
    "$__range": "1h",
    "$job": ".*",
    "$instance": ".*",
}


# --------------------------------------------------------------------------- helpers


def promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        if os.geteuid() != 0:
            pytest.skip(
                "promtool is missing and this is not root: install the Debian package "
                "`prometheus` (scripts/install-observability-tools.sh as root)"
            )
        pytest.fail("promtool is missing: run scripts/install-observability-tools.sh")
    return path


def run_promtool(*args: str, cwd: Path | None = None) -> str:
    result = subprocess.run(
        [promtool(), *args], capture_output=True, text=True, timeout=60, cwd=cwd, check=False
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"promtool {' '.join(args)} failed:\n{output}"
    return output


def alert_rules() -> list[dict[str, Any]]:
    document = yaml.safe_load(ALERTS.read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def dashboards() -> dict[Path, dict[str, Any]]:
    return {path: json.loads(path.read_text()) for path in DASHBOARDS}


def panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for panel in dashboard["panels"]:
        yield panel
        yield from panel.get("panels", [])  # panels inside a collapsed row


def dashboard_queries(dashboard: dict[str, Any]) -> Iterator[str]:
    for panel in panels(dashboard):
        for target in panel.get("targets", []):
            yield target["expr"]
    for variable in dashboard["templating"]["list"]:
        if variable["type"] == "query":
            query = variable["query"]
            yield query["query"] if isinstance(query, dict) else query


def every_expression() -> dict[str, str]:
    """Each PromQL expression of the alerts and the dashboards, by where it comes from."""
    found = {f"alerts.yml {r.get('alert') or r['record']}": r["expr"] for r in alert_rules()}
    for path, dashboard in dashboards().items():
        for index, expr in enumerate(dashboard_queries(dashboard)):
            found[f"{path.name} #{index}"] = expr
    return found


def without_strings(expr: str) -> str:
    return _STRING.sub('""', expr)


def metric_names(expr: str) -> set[str]:
    """``spoke_*``, ``process_*`` and ``up`` names in a PromQL (or label_values) query."""
    return set(_METRIC.findall(without_strings(expr)))


def exposed_metrics(exposition: str) -> tuple[dict[str, set[str]], set[str]]:
    """Names a query can select, with the label names of their samples; and the names
    that are only declared (``# HELP``/``# TYPE``, no sample yet)."""
    sampled: dict[str, set[str]] = {}
    declared: set[str] = set()
    suffixes = {
        "counter": ("_total",),
        "histogram": ("_bucket", "_count", "_sum"),
        "summary": ("", "_count", "_sum"),
    }
    for family in text_string_to_metric_families(exposition):
        declared.update(family.name + s for s in suffixes.get(family.type, ("",)))
        for sample in family.samples:
            sampled.setdefault(sample.name, set()).update(sample.labels)
    return sampled, declared - set(sampled)


def grafana_to_promql(expr: str) -> str:
    for variable, value in _GRAFANA_VARIABLES.items():
        expr = expr.replace(variable, value)
    return expr


# --------------------------------------------------------------------------- promtool


def test_promtool_accepts_the_alert_rules() -> None:
    output = run_promtool("check", "rules", str(ALERTS))
    assert "SUCCESS" in output


def test_promtool_accepts_the_scrape_config(tmp_path: Path) -> None:
    # From another directory: rule_files must resolve relative to the config file.
    output = run_promtool("check", "config", str(PROMETHEUS_CONFIG), cwd=tmp_path)
    assert "1 rule files found" in output, output
    config = yaml.safe_load(PROMETHEUS_CONFIG.read_text())
    assert config["rule_files"] == ["alerts.yml"]
    assert any(job["metrics_path"] == "/metrics" for job in config["scrape_configs"])


def test_every_dashboard_query_parses(tmp_path: Path) -> None:
    """Grafana's variables substituted, every panel query is valid PromQL."""
    queries = [
        target["expr"]
        for dashboard in dashboards().values()
        for panel in panels(dashboard)
        for target in panel.get("targets", [])
    ]
    rules = [
        {"record": f"dashboard:query_{index}:check", "expr": grafana_to_promql(expr)}
        for index, expr in enumerate(queries)
    ]
    assert rules
    checked = tmp_path / "dashboard-queries.yml"
    checked.write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}))
    run_promtool("check", "rules", str(checked))


# Scenarios for `promtool test rules`: which alerts fire, and which must not.
# {t} stands for the target labels of instance a.
ALERT_SCENARIOS = """
rule_files:
  - {alerts}
evaluation_interval: 1m
tests:
  # Healthy: 0.05% 5xx, everything up and fast. Nothing fires, even after hours.
  - interval: 1m
    input_series:
      - series: 'spoke_http_requests_total{{{t},route="/m",status="200"}}'
        values: '0+1999x240'
      - series: 'spoke_http_requests_total{{{t},route="/m",status="500"}}'
        values: '0+1x240'
      - series: 'spoke_http_request_duration_seconds_bucket{{{t},route="/m",le="0.1"}}'
        values: '0+2000x240'
      - series: 'spoke_http_request_duration_seconds_bucket{{{t},route="/m",le="+Inf"}}'
        values: '0+2000x240'
      - series: 'up{{{t}}}'
        values: '1x240'
      - series: 'spoke_cache_circuit_open{{{t}}}'
        values: '0x240'
      - series: 'spoke_rate_limit_fallback{{{t}}}'
        values: '0x240'
      - series: 'spoke_db_replica_fallbacks_total{{{t}}}'
        values: '0x240'
      - series: 'spoke_compile_queue_depth{{{t}}}'
        values: '3x240'
    promql_expr_test:
      - expr: count by (alertname) (ALERTS{{alertstate="firing"}})
        eval_time: 4h
        exp_samples: []

  # Outage: 2% of requests answer 503, one instance stops answering, Redis is gone.
  - interval: 1m
    input_series:
      - series: 'spoke_http_requests_total{{{t},route="/m",status="200"}}'
        values: '0+980x30'
      - series: 'spoke_http_requests_total{{{t},route="/m",status="503"}}'
        values: '0+20x30'
      - series: 'up{{job="spoke",instance="b:9090"}}'
        values: '1 1 0x30'
      - series: 'spoke_cache_circuit_open{{{t}}}'
        values: '0x30'
      - series: 'spoke_rate_limit_fallback{{{t}}}'
        values: '0 0 1x30'
    promql_expr_test:
      - expr: count by (alertname) (ALERTS{{alertstate="firing"}})
        eval_time: 15m
        exp_samples:
          - labels: '{{alertname="SpokeBackendUnavailable"}}'
            value: 1
          - labels: '{{alertname="SpokeErrorBudgetBurnFast"}}'
            value: 1
          - labels: '{{alertname="SpokeHighErrorRate"}}'
            value: 1
          - labels: '{{alertname="SpokeInstanceDown"}}'
            value: 1
          - labels: '{{alertname="SpokeRedisUnavailable"}}'
            value: 1
    alert_rule_test:
      - eval_time: 15m
        alertname: SpokeErrorBudgetBurnSlow
        exp_alerts: []

  # Degraded backends: slow requests, replica fallback, compile failures and a backlog.
  - interval: 1m
    input_series:
      - series: 'up{{{t}}}'
        values: '1x40'
      - series: 'spoke_http_request_duration_seconds_bucket{{{t},route="/m",le="0.25"}}'
        values: '0+10x40'
      - series: 'spoke_http_request_duration_seconds_bucket{{{t},route="/m",le="1"}}'
        values: '0+100x40'
      - series: 'spoke_http_request_duration_seconds_bucket{{{t},route="/m",le="+Inf"}}'
        values: '0+100x40'
      - series: 'spoke_db_replica_fallbacks_total{{{t}}}'
        values: '0+5x40'
      - series: 'spoke_db_replica_healthy{{{t},replica="r1"}}'
        values: '0x40'
      - series: 'spoke_cache_circuit_open{{{t}}}'
        values: '1x40'
      - series: 'spoke_compile_jobs_total{{{t},language="go",result="failed"}}'
        values: '0+1x40'
      - series: 'spoke_compile_jobs_total{{{t},language="go",result="succeeded"}}'
        values: '0+2x40'
      - series: 'spoke_compile_queue_depth{{{t}}}'
        values: '80x40'
      - series: 'spoke_blob_operations_total{{{t},operation="get",result="error"}}'
        values: '0+1x40'
    promql_expr_test:
      - expr: count by (alertname) (ALERTS{{alertstate="firing"}})
        eval_time: 35m
        exp_samples:
          - labels: '{{alertname="SpokeCompileFailuresRising"}}'
            value: 1
          - labels: '{{alertname="SpokeCompileQueueBacklog"}}'
            value: 1
          - labels: '{{alertname="SpokeHighLatencyP95"}}'
            value: 1
          - labels: '{{alertname="SpokeObjectStorageErrors"}}'
            value: 1
          - labels: '{{alertname="SpokeRedisUnavailable"}}'
            value: 1
          - labels: '{{alertname="SpokeReplicaFallbackActive"}}'
            value: 1
          - labels: '{{alertname="SpokeReplicaUnhealthy"}}'
            value: 1
"""


def test_alerts_fire_when_they_should(tmp_path: Path) -> None:
    scenarios = tmp_path / "alerts-test.yml"
    scenarios.write_text(ALERT_SCENARIOS.format(alerts=ALERTS, t='job="spoke",instance="a:9090"'))
    run_promtool("test", "rules", str(scenarios))


def test_alert_rules_are_complete() -> None:
    """Severity, summary, description and a runbook hint on each alert; recorded names defined."""
    rules = alert_rules()
    alerts = [rule for rule in rules if "alert" in rule]
    assert len(alerts) >= 9
    for rule in alerts:
        assert rule["labels"]["severity"] in {"critical", "warning"}, rule["alert"]
        assert {"summary", "description", "runbook"} <= set(rule["annotations"]), rule["alert"]
        assert "for" in rule, rule["alert"]
    recorded = {rule["record"] for rule in rules if "record" in rule}
    for rule in rules:
        used = set(_RECORDED.findall(without_strings(rule["expr"])))
        assert used <= recorded, f"{rule.get('alert') or rule['record']}: {used - recorded}"


# --------------------------------------------------------------------------- dashboards


def test_dashboards_are_well_formed() -> None:
    found = dashboards()
    uids = [dashboard["uid"] for dashboard in found.values()]
    assert sorted(uids) == sorted(set(uids))
    assert {"spoke-overview", "spoke-database", "spoke-cache", "spoke-compile", "spoke-sla"} <= set(
        uids
    )
    for path, dashboard in found.items():
        assert dashboard["schemaVersion"] >= 36, path.name
        variables = {v["name"]: v for v in dashboard["templating"]["list"]}
        assert variables["DS_PROMETHEUS"]["type"] == "datasource", path.name
        assert variables["DS_PROMETHEUS"]["query"] == "prometheus", path.name
        ids = [panel["id"] for panel in panels(dashboard)]
        assert len(ids) == len(set(ids)), f"{path.name}: duplicate panel ids"
        for panel in panels(dashboard):
            where = f"{path.name}: {panel['title']!r}"
            assert panel["datasource"]["uid"] == DATASOURCE_UID, where
            assert panel["targets"], f"{where} has no query"
            ref_ids = [target["refId"] for target in panel["targets"]]
            assert len(ref_ids) == len(set(ref_ids)), where
            for target in panel["targets"]:
                assert target["expr"].strip(), where
                assert target.get("datasource", panel["datasource"])["uid"] == DATASOURCE_UID


def test_collector_config_has_the_pipelines() -> None:
    config = yaml.safe_load(COLLECTOR.read_text())
    assert set(config["receivers"]["otlp"]["protocols"]) == {"grpc", "http"}
    assert "batch" in config["processors"]
    assert {"otlp", "prometheus"} <= set(config["exporters"])
    pipelines = config["service"]["pipelines"]
    assert pipelines["traces"]["receivers"] == ["otlp"]
    # Spoke's Prometheus metrics reach OTLP backends through the collector's scrape.
    assert pipelines["metrics"]["receivers"] == ["otlp", "prometheus"]
    assert "spoke" in {
        job["job_name"] for job in config["receivers"]["prometheus"]["config"]["scrape_configs"]
    }
    for name in ("traces", "metrics"):
        assert "batch" in pipelines[name]["processors"]
    assert {"otlp", "prometheus"} <= set(pipelines["metrics"]["exporters"])
    for pipeline in pipelines.values():
        for kind in ("receivers", "processors", "exporters"):
            assert set(pipeline[kind]) <= set(config[kind]), pipeline


# --------------------------------------------------------------------------- live metrics

PROTO = 'syntax = "proto3";\npackage acme.metrics.v1;\n\nmessage Ping {\n  string id = 1;\n}\n'
MODULE = "/modules/acme.metrics/versions/v1.0.0"


def drive_traffic(server: Server) -> None:
    """Requests that make the labelled series appear: push, reads, compiles, 404, 429."""
    with httpx.Client(base_url=server.api, timeout=30) as client:
        body = {"version": "v1.0.0", "files": files(**{"acme/metrics/v1/ping.proto": PROTO})}
        assert client.post("/modules/acme.metrics/versions", json=body).status_code == 201
        for _ in range(2):  # a miss, then a hit
            assert client.get(f"{MODULE}/files/acme/metrics/v1/ping.proto").status_code == 200
            assert client.get(MODULE).status_code == 200
        assert client.get("/modules/acme.missing").status_code == 404
        # The compile budget is 2/minute: two compiles, then a 429.
        for _ in range(2):
            assert client.post(f"{MODULE}/compile/python").status_code in {200, 202}
        assert client.post(f"{MODULE}/compile/python").status_code == 429


def scrape_when_compiled(server: Server) -> str:
    deadline = time.monotonic() + 15
    while True:
        exposition = httpx.get(f"{server.ops}/metrics", timeout=5).text
        if "spoke_compile_jobs_total{" in exposition or time.monotonic() > deadline:
            return exposition
        time.sleep(0.1)


@pytest.fixture(scope="module")
def exposition(tmp_path_factory: pytest.TempPathFactory) -> str:
    environment = {
        "SPOKE_SPROCKET_LANGUAGES": "python",
        "SPOKE_SPROCKET_EMBEDDED": "true",
        "SPOKE_RATE_LIMIT_COMPILE": "2/minute",
    }
    with running_server(tmp_path_factory.mktemp("metrics"), environment) as server:
        drive_traffic(server)
        return scrape_when_compiled(server)


@pytest.mark.e2e
def test_every_metric_used_exists_on_a_live_instance(exposition: str) -> None:
    sampled, declared_only = exposed_metrics(exposition)
    # The traffic made the labelled series appear.
    for name in (
        "spoke_http_requests_total",
        "spoke_cache_requests_total",
        "spoke_blob_operations_total",
        "spoke_compile_jobs_total",
        "spoke_protoc_runs_total",
        "spoke_rate_limited_total",
    ):
        assert name in sampled, f"{name} has no sample after the traffic"

    missing: list[str] = []
    for where, expr in every_expression().items():
        for name in sorted(metric_names(expr) - {"up"}):  # `up` is Prometheus' own
            if name in sampled:
                continue
            if name in PRODUCTION_ONLY and name in declared_only:
                continue
            state = "declared but without samples" if name in declared_only else "not exported"
            missing.append(f"{where}: {name} ({state})")
    assert not missing, "metrics used by deploy/ that a live instance lacks:\n" + "\n".join(missing)


@pytest.mark.e2e
def test_every_label_used_exists_on_its_metric(exposition: str) -> None:
    sampled, _ = exposed_metrics(exposition)
    wrong: list[str] = []
    for where, expr in every_expression().items():
        bare = without_strings(expr)
        names = metric_names(expr) - {"up"}
        if not names <= set(sampled):
            continue  # a production-only series: its labels cannot be seen here
        for name, matchers in _SELECTOR.findall(bare):
            unknown = set(_MATCHER_LABEL.findall(matchers)) - sampled[name] - TARGET_LABELS
            wrong.extend(f"{where}: {name}{{{label}}}" for label in sorted(unknown))
        known = set().union(*(sampled[name] for name in names)) | TARGET_LABELS
        for grouping in _GROUPING.findall(bare):
            labels = {label.strip() for label in grouping.split(",") if label.strip()}
            wrong.extend(f"{where}: by ({label})" for label in sorted(labels - known))
    assert not wrong, "labels that no exported series carries:\n" + "\n".join(wrong)
