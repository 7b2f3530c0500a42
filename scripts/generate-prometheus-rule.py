#!/usr/bin/env python3
"""Write deploy/kubernetes/base/prometheusrule.yaml from deploy/prometheus/alerts.yml.

The rules file is the one source (promtool checks and unit-tests it); the Prometheus
Operator wants the same groups wrapped in a PrometheusRule. Run after editing the rules:

    .venv/bin/python scripts/generate-prometheus-rule.py

tests/deploy/test_alerting.py fails while the two disagree.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "deploy" / "prometheus" / "alerts.yml"
TARGET = ROOT / "deploy" / "kubernetes" / "base" / "prometheusrule.yaml"

HEADER = """\
# Generated from deploy/prometheus/alerts.yml by scripts/generate-prometheus-rule.py:
# edit that file, then run the script. The Prometheus Operator loads these rules; its
# Prometheus must select them (ruleSelector: kube-prometheus-stack selects
# `release: <its release name>`, set in the overlay).
"""


class _Literal(str):
    """A multi-line string, written as a YAML block (|) so the PromQL stays readable."""


class _Dumper(yaml.SafeDumper):
    pass


def _literal(dumper: yaml.SafeDumper, text: _Literal) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|")


_Dumper.add_representer(_Literal, _literal)


def _blocks(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _blocks(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_blocks(item) for item in value]
    if isinstance(value, str) and "\n" in value:
        return _Literal(value)
    return value


def render(rules_text: str) -> str:
    """The PrometheusRule manifest for the rule groups in ``rules_text``."""
    groups = yaml.safe_load(rules_text)["groups"]
    manifest = {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {"name": "spoke", "labels": {"app.kubernetes.io/name": "spoke"}},
        "spec": {"groups": _blocks(groups)},
    }
    body = yaml.dump(manifest, Dumper=_Dumper, sort_keys=False, width=100, allow_unicode=True)
    return HEADER + body


def main() -> int:
    TARGET.write_text(render(RULES.read_text()))
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
