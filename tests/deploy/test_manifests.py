"""The Kubernetes manifests (deploy/kubernetes), offline: each overlay renders with
``kubectl kustomize``, its core objects pass ``kubernetes-validate --strict``, checkov
finds nothing but the justified skips, and the objects say what the architecture asks:
probes on the ops port, zero-downtime rollouts, hardened pods, selectors that match, and
only real settings."""

from __future__ import annotations

import ipaddress
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from spoke.config import Settings, unknown_variables
from tests.deploy.manifests import (
    KUBERNETES,
    OVERLAYS,
    ROOT,
    Manifest,
    config_data,
    find,
    one,
    pod_labels,
    pod_spec,
    rendered,
    rendered_text,
    run,
    secret_template,
    tool,
    workloads,
)

# The oldest Kubernetes still in (extended) support at the big providers, and a current one.
KUBERNETES_VERSIONS = ("1.30.0", "1.35.0")
# Custom resources: no schema in kubernetes-validate; checked structurally below.
CUSTOM_KINDS = {"ServiceMonitor", "PrometheusRule", "ExternalSecret"}
NAMESPACES = {"dev": "spoke-dev", "production": "spoke"}
NONROOT = 65532
# `spoke sprocket` lets a job finish for this long on SIGTERM (Sprocket.run's drain).
SPROCKET_DRAIN = 30
# What the pods may reach: DNS, PostgreSQL (and PgBouncer), Redis and Sentinel, HTTPS (S3,
# the OIDC issuer) and the OTLP collector.
EGRESS_PORTS = {53, 5432, 6432, 6379, 26379, 443, 4317, 4318}
_QUANTITY = re.compile(r"^(\d+)(Ki|Mi|Gi|Ti|k|M|G|T|m|g)?$")
_UNITS = {
    None: 1,
    "Ki": 1024,
    "Mi": 1024**2,
    "Gi": 1024**3,
    "Ti": 1024**4,
    "k": 1000,
    "M": 1000**2,
    "G": 1000**3,
    "T": 1000**4,
}
# nginx sizes (proxy-body-size): k/m/g are binary multiples.
_NGINX_UNITS = {None: 1, "k": 1024, "m": 1024**2, "g": 1024**3}


def quantity_bytes(text: str | int) -> int:
    """A Kubernetes memory quantity (``256Mi``, ``2Gi``) in bytes."""
    match = _QUANTITY.match(str(text))
    assert match and match[2] not in {"m", "g"}, f"not a memory quantity: {text!r}"
    return int(match[1]) * _UNITS[match[2]]


def nginx_bytes(text: str) -> int:
    match = _QUANTITY.match(text.strip().lower().replace("mi", "m"))
    assert match and match[2] in _NGINX_UNITS, f"not an nginx size: {text!r}"
    return int(match[1]) * _NGINX_UNITS[match[2]]


@pytest.fixture(params=OVERLAYS)
def overlay(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def manifests(overlay: str) -> list[Manifest]:
    return rendered(overlay)


def container(workload: Manifest, name: str | None = None) -> Manifest:
    containers: list[Manifest] = pod_spec(workload)["containers"]
    if name is None:
        assert len(containers) == 1
        return containers[0]
    return next(c for c in containers if c["name"] == name)


def env_of(item: Manifest) -> dict[str, str]:
    return {e["name"]: e["value"] for e in item.get("env", []) if "value" in e}


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """Whether a label selector (matchLabels only: the manifests use no expressions)."""
    assert set(selector) <= {"matchLabels"}, selector
    return all(labels.get(key) == value for key, value in selector["matchLabels"].items())


def probe_path(probe: Manifest) -> tuple[str, str]:
    return probe["httpGet"]["path"], probe["httpGet"]["port"]


# --------------------------------------------------------------------------- rendering


def test_each_overlay_renders_every_object(overlay: str, manifests: list[Manifest]) -> None:
    kinds = sorted(m["kind"] for m in manifests)
    expected = {
        "Namespace",
        "ConfigMap",
        "ServiceAccount",
        "Deployment",
        "Service",
        "Ingress",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "NetworkPolicy",
        "Job",
        "CronJob",
    }
    if overlay == "production":
        expected |= CUSTOM_KINDS
    assert set(kinds) == expected
    assert kinds.count("Deployment") == 2 and kinds.count("PodDisruptionBudget") == 2
    namespace = NAMESPACES[overlay]
    assert (
        one(manifests, "Namespace", namespace)["metadata"]["labels"][
            "pod-security.kubernetes.io/enforce"
        ]
        == "restricted"
    )
    for m in manifests:
        if m["kind"] != "Namespace":
            assert m["metadata"]["namespace"] == namespace, m["metadata"]["name"]
            assert m["metadata"]["labels"]["app.kubernetes.io/part-of"] == "spoke"


def test_core_objects_pass_strict_schema_validation(overlay: str, tmp_path: Path) -> None:
    core = [m for m in rendered(overlay) if m["kind"] not in CUSTOM_KINDS]
    path = tmp_path / f"{overlay}.yaml"
    path.write_text(yaml.safe_dump_all(core))
    for version in KUBERNETES_VERSIONS:
        result = run(tool("kubernetes-validate"), "--strict", "--quiet", "-k", version, str(path))
        output = result.stdout + result.stderr
        assert result.returncode == 0, f"Kubernetes {version}:\n{output}"
        assert "ERROR" not in output and "Couldn't find schema" not in output, output


def test_strict_validation_catches_a_misspelt_field(tmp_path: Path) -> None:
    """The validator really checks: a typo the API server would silently drop fails it."""
    deployment = one(rendered("production"), "Deployment", "spoke-api")
    container(deployment)["securityContext"]["readOnlyRootFilesytem"] = True
    path = tmp_path / "typo.yaml"
    path.write_text(yaml.safe_dump(deployment))
    result = run(tool("kubernetes-validate"), "--strict", "-k", KUBERNETES_VERSIONS[-1], str(path))
    assert result.returncode != 0
    assert "readOnlyRootFilesytem" in result.stdout + result.stderr


def test_secret_template_is_a_valid_secret_of_real_settings(tmp_path: Path) -> None:
    path = KUBERNETES / "base" / "secret.template.yaml"
    for version in KUBERNETES_VERSIONS:
        result = run(tool("kubernetes-validate"), "--strict", "--quiet", "-k", version, str(path))
        assert result.returncode == 0, result.stdout + result.stderr
    secret = secret_template()
    assert secret["metadata"]["name"] == "spoke-secrets"
    assert not unknown_variables(secret["stringData"])
    assert {"SPOKE_POSTGRES_URL", "SPOKE_REDIS_URL", "SPOKE_S3_SECRET_KEY"} <= set(
        secret["stringData"]
    )
    # Kept out of every overlay: kustomize never applies placeholder secrets.
    for overlay in OVERLAYS:
        assert not find(rendered(overlay), "Secret")


# --------------------------------------------------------------------------- checkov


def checkov_skips(overlay: str) -> dict[str, str]:
    skips = yaml.safe_load((KUBERNETES / "checkov-skips.yaml").read_text())
    return {**skips["all"], **(skips.get(overlay) or {})}


def test_checkov_finds_only_the_justified_skips(overlay: str, tmp_path: Path) -> None:
    """One checkov run per overlay, without skips: its failures must be exactly the skip
    list's, so a new finding fails here, and so does a skip that no longer applies."""
    path = tmp_path / f"{overlay}.yaml"
    path.write_text(rendered_text(overlay))
    result = run(
        tool("checkov"),
        "--file",
        str(path),
        "--framework",
        "kubernetes",
        "--skip-download",
        "--output",
        "json",
        "--quiet",
        cwd=tmp_path,  # checkov leaves nothing in the repository
        timeout=300,
    )
    assert result.returncode in {0, 1}, result.stderr
    report = json.loads(result.stdout)
    assert report["summary"]["parsing_errors"] == 0
    assert report["summary"]["passed"] > 100  # it really ran the Kubernetes checks
    failed = {check["check_id"] for check in report["results"]["failed_checks"]}
    skips = checkov_skips(overlay)
    details = {
        f"{c['check_id']} {c['check_name']}: {c['resource']}"
        for c in report["results"]["failed_checks"]
        if c["check_id"] not in skips
    }
    assert failed <= set(skips), "fix these, or justify them in checkov-skips.yaml:\n" + "\n".join(
        sorted(details)
    )
    assert set(skips) <= failed, f"skips that no longer fail, remove them: {set(skips) - failed}"
    for check, reason in skips.items():
        assert len(reason.split()) >= 10, f"{check}: give the reason for the skip"


# --------------------------------------------------------------------------- the API


def test_api_deployment_ports_probes_and_rollout(overlay: str, manifests: list[Manifest]) -> None:
    deployment = one(manifests, "Deployment", "spoke-api")
    config = config_data(manifests)
    api = container(deployment, "spoke")
    assert api["args"] == ["serve"]
    ports = {p["name"]: p["containerPort"] for p in api["ports"]}
    assert ports == {"http": 8080, "ops": 9090}
    assert (int(config["SPOKE_PORT"]), int(config["SPOKE_HEALTH_PORT"])) == (8080, 9090)
    assert config["SPOKE_HOST"] == "0.0.0.0"

    assert probe_path(api["livenessProbe"]) == ("/health/live", "ops")
    assert probe_path(api["readinessProbe"]) == ("/health/ready", "ops")
    startup = api["startupProbe"]
    assert probe_path(startup) == ("/health/startup", "ops")
    assert startup["periodSeconds"] * startup["failureThreshold"] == 60

    strategy = deployment["spec"]["strategy"]
    assert strategy["type"] == "RollingUpdate"
    assert strategy["rollingUpdate"]["maxUnavailable"] in (0, "0%")
    assert strategy["rollingUpdate"]["maxSurge"] not in (0, "0%")
    if overlay == "production":
        assert deployment["spec"]["replicas"] >= 3

    # The drain fits in the grace period: SIGKILL never cuts it.
    env = env_of(api)
    delay, timeout = float(env["SPOKE_SHUTDOWN_DELAY"]), float(env["SPOKE_SHUTDOWN_TIMEOUT"])
    assert delay >= 5  # endpoints and the ingress controller forget the pod meanwhile
    assert pod_spec(deployment)["terminationGracePeriodSeconds"] >= delay + timeout + 5
    assert env["SPOKE_SPROCKET_EMBEDDED"] == "false"
    assert config["SPOKE_MIGRATE_ON_START"] == "false"
    assert config["SPOKE_REQUIRE_SHARED_BACKENDS"] == "true"


def test_api_pods_spread_over_zones_and_nodes(overlay: str, manifests: list[Manifest]) -> None:
    deployment = one(manifests, "Deployment", "spoke-api")
    spec = pod_spec(deployment)
    labels = pod_labels(deployment)
    spread = {c["topologyKey"]: c for c in spec["topologySpreadConstraints"]}
    zone = spread["topology.kubernetes.io/zone"]
    assert zone["maxSkew"] == 1 and selects(zone["labelSelector"], labels)
    # Production refuses to put the pods in one zone; dev may have only one.
    expected = "DoNotSchedule" if overlay == "production" else "ScheduleAnyway"
    assert zone["whenUnsatisfiable"] == expected
    anti = spec["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"]
    assert anti[0]["podAffinityTerm"]["topologyKey"] == "kubernetes.io/hostname"
    assert selects(anti[0]["podAffinityTerm"]["labelSelector"], labels)


def test_scratch_and_tmp_are_sized_volumes(manifests: list[Manifest]) -> None:
    config = config_data(manifests)
    largest_push = int(config["SPOKE_MAX_REQUEST_SIZE"])
    for name in ("spoke-api", "spoke-sprocket"):
        deployment = one(manifests, "Deployment", name)
        spec = pod_spec(deployment)
        volumes = {v["name"]: v for v in spec["volumes"]}
        mounts = {m["mountPath"]: m["name"] for m in container(deployment)["volumeMounts"]}
        scratch = volumes[mounts[config["SPOKE_SCRATCH_DIR"]]]["emptyDir"]
        assert scratch["medium"] == "Memory"
        scratch_bytes = quantity_bytes(scratch["sizeLimit"])
        assert scratch_bytes >= 2 * largest_push, name
        # A memory emptyDir counts against the container's memory limit.
        limit = quantity_bytes(container(deployment)["resources"]["limits"]["memory"])
        assert limit >= scratch_bytes + 512 * 1024**2, name
        assert "emptyDir" in volumes[mounts["/tmp"]], name


# --------------------------------------------------------------------------- every pod


def test_every_pod_is_hardened(manifests: list[Manifest]) -> None:
    images = set()
    for workload in workloads(manifests):
        where = f"{workload['kind']}/{workload['metadata']['name']}"
        spec = pod_spec(workload)
        pod = spec["securityContext"]
        assert pod["runAsNonRoot"] is True and pod["runAsUser"] == NONROOT, where
        assert pod["seccompProfile"]["type"] == "RuntimeDefault", where
        assert spec["automountServiceAccountToken"] is False, where
        # A Service named spoke would inject SPOKE_PORT=tcp://..., refused by Spoke.
        assert spec["enableServiceLinks"] is False, where
        assert spec["serviceAccountName"] == "spoke", where
        assert not spec.get("hostNetwork") and not spec.get("hostPID"), where
        for item in spec["containers"]:
            context = item["securityContext"]
            assert context["readOnlyRootFilesystem"] is True, where
            assert context["allowPrivilegeEscalation"] is False, where
            assert context["capabilities"]["drop"] == ["ALL"], where
            assert "add" not in context["capabilities"], where
            assert context.get("privileged", False) is False, where
            assert context["runAsUser"] == NONROOT and context["runAsNonRoot"] is True, where
            assert context["seccompProfile"]["type"] == "RuntimeDefault", where
            resources = item["resources"]
            assert {"cpu", "memory"} <= set(resources["requests"]), where
            assert {"cpu", "memory"} <= set(resources["limits"]), where
            assert "/tmp" in {m["mountPath"] for m in item["volumeMounts"]}, where
            sources = item["envFrom"]
            assert {"configMapRef", "secretRef"} == {key for s in sources for key in s}, where
            images.add(item["image"])
    assert len(images) == 1, f"every workload runs the release's one image: {images}"
    account = one(manifests, "ServiceAccount", "spoke")
    assert account["automountServiceAccountToken"] is False


def test_every_setting_is_real_and_the_pods_would_start(
    overlay: str, manifests: list[Manifest], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every SPOKE_* key the manifests set is a setting (Spoke refuses unknown ones), and
    the ConfigMap with the Secret template's values passes Settings' own validation and
    the shared-backends guard."""
    config = config_data(manifests)
    secret = secret_template()["stringData"]
    env: dict[str, str] = {}
    for workload in workloads(manifests):
        for item in pod_spec(workload)["containers"]:
            env |= env_of(item)
    external = [
        entry["secretKey"] for m in find(manifests, "ExternalSecret") for entry in m["spec"]["data"]
    ]
    every = {**config, **secret, **env, **dict.fromkeys(external, "x")}
    assert any(name.startswith("SPOKE_") for name in every)
    assert not unknown_variables(every), unknown_variables(every)

    for variable in list(os.environ):
        if variable.upper().startswith(("SPOKE_", "OTEL_")):
            monkeypatch.delenv(variable)
    api_env = env_of(container(one(manifests, "Deployment", "spoke-api")))
    for name, value in {**config, **secret, **api_env}.items():
        monkeypatch.setenv(name, value)
    settings = Settings.from_environment()
    settings.check_shared_backends()
    assert settings.require_shared_backends and not settings.migrate_on_start
    assert not settings.runs_embedded_worker
    assert settings.trusted_proxy_list
    if overlay == "production":
        assert settings.postgres_require_tls and settings.s3_sse is not None
        assert settings.backup_bucket and settings.backup_bucket != settings.s3_bucket
        # The ExternalSecret makes the same keys the template documents.
        assert set(external) <= set(secret)
        assert {"SPOKE_POSTGRES_URL", "SPOKE_REDIS_URL"} <= set(external)


# --------------------------------------------------------------------------- services


def test_selectors_match_their_pods(manifests: list[Manifest]) -> None:
    api = one(manifests, "Deployment", "spoke-api")
    worker = one(manifests, "Deployment", "spoke-sprocket")
    for deployment in (api, worker):
        assert selects(deployment["spec"]["selector"], pod_labels(deployment))
    hpa = one(manifests, "HorizontalPodAutoscaler", "spoke-api")
    target = hpa["spec"]["scaleTargetRef"]
    assert (target["apiVersion"], target["kind"], target["name"]) == (
        "apps/v1",
        "Deployment",
        "spoke-api",
    )
    for name, deployment, other in (
        ("spoke-api", api, worker),
        ("spoke-sprocket", worker, api),
    ):
        budget = one(manifests, "PodDisruptionBudget", name)
        assert selects(budget["spec"]["selector"], pod_labels(deployment)), name
        assert not selects(budget["spec"]["selector"], pod_labels(other)), name
        assert budget["spec"]["maxUnavailable"] == 1

    service = one(manifests, "Service", "spoke")
    assert service["spec"]["type"] == "ClusterIP"
    assert selects({"matchLabels": service["spec"]["selector"]}, pod_labels(api))
    assert not selects({"matchLabels": service["spec"]["selector"]}, pod_labels(worker))
    assert [(p["name"], p["port"], p["targetPort"]) for p in service["spec"]["ports"]] == [
        ("http", 8080, "http")
    ]
    for name, deployment in (("spoke-metrics", api), ("spoke-sprocket-metrics", worker)):
        metrics = one(manifests, "Service", name)
        assert metrics["spec"]["clusterIP"] == "None", name  # headless: each pod scraped
        assert selects({"matchLabels": metrics["spec"]["selector"]}, pod_labels(deployment))
        assert [(p["name"], p["port"], p["targetPort"]) for p in metrics["spec"]["ports"]] == [
            ("ops", 9090, "ops")
        ]
    # Named target ports exist on the pods they select.
    assert {p["name"] for p in container(worker)["ports"]} == {"ops"}


def test_hpa_scales_on_cpu_and_memory(overlay: str, manifests: list[Manifest]) -> None:
    hpa = one(manifests, "HorizontalPodAutoscaler", "spoke-api")
    assert hpa["apiVersion"] == "autoscaling/v2"
    spec = hpa["spec"]
    expected_min = 3 if overlay == "production" else 1
    assert spec["minReplicas"] == expected_min
    assert spec["maxReplicas"] == (10 if overlay == "production" else 3)
    targets = {
        m["resource"]["name"]: m["resource"]["target"]["averageUtilization"]
        for m in spec["metrics"]
    }
    assert targets == {"cpu": 70, "memory": 80}
    assert spec["behavior"]["scaleDown"]["stabilizationWindowSeconds"] == 300
    # Utilization is relative to requests: every container asks for both.
    requests = container(one(manifests, "Deployment", "spoke-api"))["resources"]["requests"]
    assert {"cpu", "memory"} <= set(requests)


def test_ingress_tls_limits_and_trusted_proxies(manifests: list[Manifest]) -> None:
    ingress = one(manifests, "Ingress", "spoke")
    config = config_data(manifests)
    spec = ingress["spec"]
    assert spec["ingressClassName"] == "nginx"
    hosts = {rule["host"] for rule in spec["rules"]}
    assert hosts <= {host for tls in spec["tls"] for host in tls["hosts"]}
    assert all(tls["secretName"] for tls in spec["tls"])
    backends = [
        path["backend"]["service"] for rule in spec["rules"] for path in rule["http"]["paths"]
    ]
    # Only the API port: health and metrics stay inside the cluster.
    assert backends == [{"name": "spoke", "port": {"name": "http"}}]
    notes = ingress["metadata"]["annotations"]
    prefix = "nginx.ingress.kubernetes.io/"
    assert nginx_bytes(notes[prefix + "proxy-body-size"]) >= int(config["SPOKE_MAX_REQUEST_SIZE"])
    for timeout in ("proxy-read-timeout", "proxy-send-timeout"):
        assert int(notes[prefix + timeout]) >= float(config["SPOKE_PROTOC_TIMEOUT"]), timeout
    assert notes[prefix + "force-ssl-redirect"] == "true"
    networks = [n.strip() for n in config["SPOKE_TRUSTED_PROXIES"].split(",")]
    assert networks and all(ipaddress.ip_network(n).is_private for n in networks)


# --------------------------------------------------------------------------- workers, jobs


def test_sprocket_workers_have_an_ops_port_and_drain(manifests: list[Manifest]) -> None:
    worker = one(manifests, "Deployment", "spoke-sprocket")
    item = container(worker)
    assert item["args"] == ["sprocket"]
    assert {p["name"]: p["containerPort"] for p in item["ports"]} == {"ops": 9090}
    assert probe_path(item["livenessProbe"]) == ("/health/live", "ops")
    assert probe_path(item["readinessProbe"]) == ("/health/ready", "ops")
    assert probe_path(item["startupProbe"]) == ("/health/startup", "ops")
    assert pod_spec(worker)["terminationGracePeriodSeconds"] > SPROCKET_DRAIN + 5
    assert worker["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0


def test_migration_job_runs_before_the_rollout(manifests: list[Manifest]) -> None:
    job = one(manifests, "Job", "spoke-migrate")
    api = one(manifests, "Deployment", "spoke-api")
    item = container(job)
    assert item["args"] == ["migrate"]
    assert item["image"] == container(api)["image"]
    assert pod_spec(job)["restartPolicy"] == "Never"
    assert job["metadata"]["annotations"]["argocd.argoproj.io/hook"] == "PreSync"
    assert job["metadata"]["labels"]["app.kubernetes.io/component"] == "migration"
    assert job["spec"]["backoffLimit"] >= 1 and job["spec"]["activeDeadlineSeconds"] > 0


def test_backups_run_hourly_one_at_a_time(overlay: str, manifests: list[Manifest]) -> None:
    cron = one(manifests, "CronJob", "spoke-backup")
    minute, hour, day, month, weekday = cron["spec"]["schedule"].split()
    assert minute.isdigit() and (hour, day, month, weekday) == ("*", "*", "*", "*")
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
    job = cron["spec"]["jobTemplate"]["spec"]
    assert job["activeDeadlineSeconds"] < 3600  # a hung dump never blocks the next hour
    assert container(cron)["args"] == ["backup"]
    assert int(config_data(manifests)["SPOKE_BACKUP_KEEP"]) >= 24
    assert cron["spec"].get("suspend", False) is (overlay == "dev")


# --------------------------------------------------------------------------- network


def test_network_policies_deny_by_default(overlay: str, manifests: list[Manifest]) -> None:
    policies = find(manifests, "NetworkPolicy")
    deny = one(manifests, "NetworkPolicy", "default-deny")["spec"]
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}

    api_labels = pod_labels(one(manifests, "Deployment", "spoke-api"))
    inbound = [p for p in policies if "ingress" in p["spec"]]
    api_rules = [
        rule
        for p in inbound
        if selects(p["spec"]["podSelector"], api_labels)
        for rule in p["spec"]["ingress"]
    ]
    by_port = {port["port"]: rule["from"] for rule in api_rules for port in rule["ports"]}
    assert set(by_port) == {"http", "ops"}
    namespaces = {
        port: {
            peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
            for peer in peers
        }
        for port, peers in by_port.items()
    }
    assert namespaces == {"http": {"ingress-nginx"}, "ops": {"monitoring"}}
    for p in inbound:
        for rule in p["spec"]["ingress"]:
            assert rule.get("from") and rule.get("ports"), p["metadata"]["name"]

    # Egress: every Spoke pod is selected, and (in production) only to the listed ports.
    outbound = [p for p in policies if "egress" in p["spec"]]
    for workload in workloads(manifests):
        labels = pod_labels(workload)
        assert any(selects(p["spec"]["podSelector"], labels) for p in outbound)
    ports = {
        port["port"]
        for p in outbound
        for rule in p["spec"]["egress"]
        for port in rule.get("ports", [])
    }
    assert ports <= EGRESS_PORTS
    if overlay == "production":
        assert ports == EGRESS_PORTS
        for p in outbound:
            for rule in p["spec"]["egress"]:
                assert rule.get("ports") and rule.get("to"), p["metadata"]["name"]


# --------------------------------------------------------------------------- custom resources


def test_custom_resources_are_well_formed() -> None:
    """ServiceMonitor, PrometheusRule and ExternalSecret have no schema offline: check the
    fields their operators need, and that they point at objects that exist."""
    manifests = rendered("production")
    monitor = one(manifests, "ServiceMonitor", "spoke")
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    assert set(monitor["spec"]) <= {"selector", "endpoints", "jobLabel", "namespaceSelector"}
    scraped = [
        s
        for s in find(manifests, "Service")
        if selects(monitor["spec"]["selector"], s["metadata"]["labels"])
    ]
    assert {s["metadata"]["name"] for s in scraped} == {"spoke-metrics", "spoke-sprocket-metrics"}
    for endpoint in monitor["spec"]["endpoints"]:
        assert set(endpoint) <= {"port", "path", "interval", "scrapeTimeout", "relabelings"}
        assert endpoint["path"] == "/metrics"
        for service in scraped:
            assert endpoint["port"] in {p["name"] for p in service["spec"]["ports"]}
    assert monitor["metadata"]["labels"]["release"] == "kube-prometheus-stack"

    rule = one(manifests, "PrometheusRule", "spoke")
    assert rule["apiVersion"] == "monitoring.coreos.com/v1"
    assert set(rule["spec"]) == {"groups"} and rule["spec"]["groups"]
    assert rule["metadata"]["labels"]["release"] == "kube-prometheus-stack"

    external = one(manifests, "ExternalSecret", "spoke-secrets")
    assert external["apiVersion"] == "external-secrets.io/v1"
    spec = external["spec"]
    assert set(spec) <= {"refreshInterval", "secretStoreRef", "target", "data", "dataFrom"}
    assert spec["secretStoreRef"]["kind"] in {"SecretStore", "ClusterSecretStore"}
    assert spec["secretStoreRef"]["name"]
    # It makes the Secret every pod reads.
    names = {
        source["secretRef"]["name"]
        for workload in workloads(manifests)
        for item in pod_spec(workload)["containers"]
        for source in item["envFrom"]
        if "secretRef" in source
    }
    assert names == {spec["target"]["name"]} == {"spoke-secrets"}
    for entry in spec["data"]:
        assert set(entry) == {"secretKey", "remoteRef"} and entry["remoteRef"]["key"]


# --------------------------------------------------------------------------- rollout order

# docs/deployment.md, "Rolling out": first everything this selector picks (the migration
# Job and what it needs), then the whole overlay.
FIRST_PHASE = "app.kubernetes.io/component notin (api,sprocket)"


def test_the_first_rollout_phase_holds_the_migration_and_what_it_needs(
    overlay: str, manifests: list[Manifest]
) -> None:
    assert f"kubectl apply -l '{FIRST_PHASE}'" in (ROOT / "docs" / "deployment.md").read_text()

    def first(m: Manifest) -> bool:
        return m["metadata"].get("labels", {}).get("app.kubernetes.io/component") not in {
            "api",
            "sprocket",
        }

    job = one(manifests, "Job", "spoke-migrate")
    assert first(job)
    assert not first(one(manifests, "Deployment", "spoke-api"))
    assert not first(one(manifests, "Deployment", "spoke-sprocket"))
    # The Job's pods find their ConfigMap, Secret, account and egress already applied.
    needed = [m for m in manifests if m["kind"] in {"ConfigMap", "ServiceAccount", "Namespace"}]
    needed += find(manifests, "ExternalSecret")
    needed += [
        p
        for p in find(manifests, "NetworkPolicy")
        if "egress" in p["spec"] and selects(p["spec"]["podSelector"], pod_labels(job))
    ]
    assert len(needed) >= 5
    assert all(first(m) for m in needed), [m["metadata"]["name"] for m in needed if not first(m)]
