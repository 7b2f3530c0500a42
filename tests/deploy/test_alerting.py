"""Alerting for a Kubernetes deployment: the PrometheusRule is the rules file
(deploy/prometheus/alerts.yml, the one source) wrapped for the Prometheus Operator; the
alerts added for Kubernetes fire when they should (``promtool test rules``); and the
Alertmanager example (deploy/alertmanager) is valid and routes critical alerts to the
pager and warnings to chat (``amtool``)."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from tests.deploy.manifests import KUBERNETES, ROOT, run

ALERTS = ROOT / "deploy" / "prometheus" / "alerts.yml"
PROMETHEUS_RULE = KUBERNETES / "base" / "prometheusrule.yaml"
GENERATOR = ROOT / "scripts" / "generate-prometheus-rule.py"
ALERTMANAGER = ROOT / "deploy" / "alertmanager" / "alertmanager.yml"


def binary(name: str, script: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is missing: run {script}")
    return found


def alert_rules() -> list[dict[str, Any]]:
    groups = yaml.safe_load(ALERTS.read_text())["groups"]
    return [rule for group in groups for rule in group["rules"] if "alert" in rule]


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_prometheus_rule", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --------------------------------------------------------------------------- one source


def test_prometheus_rule_is_generated_from_the_rules_file() -> None:
    rule = yaml.safe_load(PROMETHEUS_RULE.read_text())
    assert rule["kind"] == "PrometheusRule"
    assert rule["spec"]["groups"] == yaml.safe_load(ALERTS.read_text())["groups"]
    # Byte for byte what the script writes: run it after editing alerts.yml.
    expected = generator().render(ALERTS.read_text())
    assert PROMETHEUS_RULE.read_text() == expected, (
        "deploy/kubernetes/base/prometheusrule.yaml is stale: "
        "run .venv/bin/python scripts/generate-prometheus-rule.py"
    )


def test_kubernetes_alerts_exist_with_their_severity() -> None:
    severities = {rule["alert"]: rule["labels"]["severity"] for rule in alert_rules()}
    assert severities["SpokeAllInstancesGone"] == "critical"
    assert severities["SpokePodRestarting"] == "warning"
    assert severities["SpokeDatabaseReplicaLag"] == "warning"
    assert severities["SpokeBackupMissed"] == "critical"


# Scenarios for the alerts that concern a Kubernetes deployment. {api} is an API
# instance's target labels as the ServiceMonitor makes them.
SCENARIOS = """
rule_files:
  - {alerts}
evaluation_interval: 1m
tests:
  # The API pods vanish from discovery after 10 minutes (their `up` series end), while a
  # worker is still scraped: only the API counts.
  - interval: 1m
    input_series:
      - series: 'up{{{api}}}'
        values: '1x10'
      - series: 'up{{job="spoke-sprocket-metrics",instance="10.0.0.9:9090"}}'
        values: '1x30'
    promql_expr_test:
      - expr: {firing}
        eval_time: 8m
        exp_samples: []
      - expr: {firing}
        eval_time: 25m
        exp_samples:
          - labels: '{{alertname="SpokeAllInstancesGone",severity="critical"}}'
            value: 1

  # An API container restarts every 5 minutes; a worker restarted once, long ago.
  - interval: 1m
    input_series:
      - series: '{restarts}{{{ns},pod="spoke-api-1",container="spoke"}}'
        values: '0+0.2x40'
      - series: '{restarts}{{{ns},pod="spoke-sprocket-1",container="sprocket"}}'
        values: '1x40'
      - series: 'up{{{api}}}'
        values: '1x40'
    promql_expr_test:
      - expr: {firing}
        eval_time: 40m
        exp_samples:
          - labels: '{{alertname="SpokePodRestarting",severity="warning",
              container="spoke",{ns},pod="spoke-api-1"}}'
            value: 1

  # One replica falls 2 minutes behind and stays there; the other keeps up.
  - interval: 1m
    input_series:
      - series: 'pg_replication_lag_seconds{{instance="db-2:9187"}}'
        values: '0 0 120x20'
      - series: 'pg_replication_lag_seconds{{instance="db-3:9187"}}'
        values: '0.5x22'
      - series: 'up{{{api}}}'
        values: '1x22'
    promql_expr_test:
      - expr: {firing}
        eval_time: 5m
        exp_samples: []
      - expr: {firing}
        eval_time: 15m
        exp_samples:
          - labels: '{{alertname="SpokeDatabaseReplicaLag",severity="warning",
              instance="db-2:9187"}}'
            value: 1

  # The last successful backup was at promtool's time 0, and none succeeds after it:
  # not yet missed at 1h50m, missed (for over 10 minutes) at 2h20m.
  - interval: 1m
    input_series:
      - series: 'kube_cronjob_status_last_successful_time{{{ns},cronjob="spoke-backup"}}'
        values: '0x150'
      - series: 'up{{{api}}}'
        values: '1x150'
    promql_expr_test:
      - expr: {firing}
        eval_time: 110m
        exp_samples: []
      - expr: {firing}
        eval_time: 140m
        exp_samples:
          - labels: '{{alertname="SpokeBackupMissed",severity="critical",
              cronjob="spoke-backup",{ns}}}'
            value: 1
"""


def test_kubernetes_alerts_fire_when_they_should(tmp_path: Path) -> None:
    scenarios = tmp_path / "kubernetes-alerts-test.yml"
    api = 'job="spoke-metrics",instance="10.0.0.5:9090",namespace="spoke",pod="spoke-api-1"'
    firing = 'sum without (alertstate) (ALERTS{alertstate="firing"})'
    scenarios.write_text(
        SCENARIOS.format(
            alerts=ALERTS,
            api=api,
            ns='namespace="spoke"',
            firing=firing,
            restarts="kube_pod_container_status_restarts_total",
        )
    )
    result = run(
        binary("promtool", "scripts/install-observability-tools.sh"),
        "test",
        "rules",
        str(scenarios),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


# --------------------------------------------------------------------------- Alertmanager


def amtool(*args: str) -> str:
    result = run(binary("amtool", "scripts/install-deploy-tools.sh"), *args)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_alertmanager_config_is_valid() -> None:
    output = amtool("check-config", str(ALERTMANAGER))
    assert "SUCCESS" in output and "2 receivers" in output


@pytest.mark.parametrize(
    ("labels", "receiver"),
    [
        (["severity=critical", "alertname=SpokeInstanceDown"], "pager"),
        (["severity=critical", "alertname=SpokeBackupMissed"], "pager"),
        (["severity=warning", "alertname=SpokePodRestarting"], "chat"),
        # No severity, or another one: still delivered somewhere.
        (["alertname=SomethingElse"], "chat"),
        (["severity=info", "alertname=SomethingElse"], "chat"),
    ],
)
def test_alerts_are_routed_by_severity(labels: list[str], receiver: str) -> None:
    output = amtool("config", "routes", "test", f"--config.file={ALERTMANAGER}", *labels)
    assert output.split() == [receiver]


def test_every_alert_severity_has_a_route_and_inhibitions_name_real_alerts() -> None:
    config = yaml.safe_load(ALERTMANAGER.read_text())
    routed = {
        matcher.split("=", 1)[1].strip('"')
        for route in config["route"]["routes"]
        for matcher in route["matchers"]
        if matcher.startswith("severity=")
    }
    assert {rule["labels"]["severity"] for rule in alert_rules()} <= routed
    names = {rule["alert"] for rule in alert_rules()}
    for inhibit in config["inhibit_rules"]:
        for matcher in inhibit["source_matchers"] + inhibit["target_matchers"]:
            if matcher.startswith("alertname=~"):
                alternatives = matcher.split("=~", 1)[1].strip('"').split("|")
                assert set(alternatives) <= names, matcher
            elif matcher.startswith("alertname="):
                assert matcher.split("=", 1)[1].strip('"') in names, matcher
