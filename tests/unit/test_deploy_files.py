"""The deployment files (deploy/docker, deploy/compose, deploy/k8s) against the process list.

Every process that `stack.processes` runs must have a compose service and a Kubernetes manifest
of the same name, running the same uvicorn app, with probes on /ready and /health, limits and a
non-root security context; every environment variable the settings classes require must be
provided to every process in both. No Docker or cluster is needed: the files are only parsed.
"""

from __future__ import annotations

import importlib
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic_settings import BaseSettings

from rapportkit.settings import PlatformSettings, ServiceSettings
from stack.processes import SERVICES, Stack

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
COMPOSE = DEPLOY / "compose" / "compose.yaml"
DOCKERFILE = DEPLOY / "docker" / "Dockerfile"
PORT = 8080
UID = 10001

Doc = dict[str, Any]

# name -> uvicorn app, built from the service list the way stack/processes.py builds its Stack.
PROCESSES: dict[str, str] = {
    **{name: f"services.{name}.main:app" for name in SERVICES},
    **{f"{name}-worker": f"services.{name}.worker:app" for name in SERVICES},
    "gateway": "gateway.main:app",
}
HTTP_SERVED = ["gateway", *SERVICES]  # the processes that other processes call: they need a Service


def settings_class(module: str, name: str) -> type[BaseSettings]:
    """A settings class imported at run time. (A static `from gateway.settings import ...` makes
    `mypy tests/unit/test_deploy_files.py` check gateway/settings.py without libs/ on its path.)"""
    cls = getattr(importlib.import_module(module), name)
    assert isinstance(cls, type) and issubclass(cls, BaseSettings)
    return cls


def service_of(process: str) -> str | None:
    """The service a process belongs to (None for the gateway)."""
    name = process.removesuffix("-worker")
    return name if name in SERVICES else None


def required_env(settings: type[BaseSettings]) -> set[str]:
    """Environment variables a settings class cannot do without (fields with no default)."""
    names: set[str] = set()
    for field_name, field in settings.model_fields.items():
        if field.is_required():
            alias = field.validation_alias
            assert isinstance(alias, str), f"{settings.__name__}.{field_name}: alias {alias!r} not understood"
            names.add(alias)
    return names


def required_for(process: str) -> set[str]:
    """What a process's settings require, plus the database URL of a service process and of the
    gateway: without it a process silently falls back to an SQLite file inside its container (on a
    read-only root filesystem)."""
    service = service_of(process)
    if service is None:
        return (required_env(PlatformSettings) | required_env(settings_class("gateway.settings", "GatewaySettings"))
                | {"GATEWAY_DATABASE_URL"})
    return required_env(PlatformSettings) | required_env(ServiceSettings) | {f"{service.upper()}_DATABASE_URL"}


def load(path: Path) -> Doc:
    doc = yaml.safe_load(path.read_text())
    assert isinstance(doc, dict), f"{path.relative_to(ROOT)} is not a YAML mapping"
    return doc


def load_all(path: Path) -> list[Doc]:
    docs = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
    assert all(isinstance(d, dict) for d in docs), f"{path.relative_to(ROOT)}: a document is not a mapping"
    return docs


def with_defaults(value: object) -> str:
    """A compose value with `${VAR:-default}` replaced by its default (the value on a bare run)."""
    return re.sub(r"\$\{[A-Za-z_][A-Za-z0-9_]*:?-([^}]*)\}", r"\1", str(value))


def runs_app(command: object, app: str) -> bool:
    """True when a command (a list of arguments) is `uvicorn <app> ... --port 8080`."""
    if not isinstance(command, list) or "uvicorn" not in command:
        return False
    args = [str(a) for a in command]
    rest = args[args.index("uvicorn") + 1:]
    return bool(rest) and rest[0] == app and "--port" in rest and rest[rest.index("--port") + 1] == str(PORT)


# --- Kubernetes -----------------------------------------------------------------------------------


@cache
def k8s_docs(filename: str) -> list[Doc]:
    path = K8S / filename
    assert path.is_file(), f"missing deploy/k8s/{filename}"
    return load_all(path)


def k8s_object(filename: str, kind: str, name: str) -> Doc:
    found = [d for d in k8s_docs(filename) if d.get("kind") == kind and d.get("metadata", {}).get("name") == name]
    assert len(found) == 1, f"deploy/k8s/{filename}: expected one {kind} named {name}, found {len(found)}"
    return found[0]


def pod_spec(filename: str, kind: str, name: str) -> Doc:
    spec: Doc = k8s_object(filename, kind, name)["spec"]["template"]["spec"]
    return spec


def config_keys(kind: str, name: str) -> set[str]:
    """Keys of the ConfigMap or Secret `name` defined in deploy/k8s."""
    found = [d for f in sorted(p.name for p in K8S.glob("*.yaml")) for d in k8s_docs(f)
             if d.get("kind") == kind and d.get("metadata", {}).get("name") == name]
    assert len(found) == 1, f"deploy/k8s: expected one {kind} named {name}, found {len(found)}"
    return set(found[0].get("data") or {}) | set(found[0].get("stringData") or {})


def container_env(container: Doc) -> set[str]:
    """Variables a container gets, each checked to come from a key that exists."""
    names: set[str] = set()
    for source in container.get("envFrom") or []:
        if "configMapRef" in source:
            names |= config_keys("ConfigMap", source["configMapRef"]["name"])
        elif "secretRef" in source:
            names |= config_keys("Secret", source["secretRef"]["name"])
    for var in container.get("env") or []:
        ref = var.get("valueFrom") or {}
        for ref_kind, kind in (("secretKeyRef", "Secret"), ("configMapKeyRef", "ConfigMap")):
            if ref_kind in ref:
                key, source_name = ref[ref_kind]["key"], ref[ref_kind]["name"]
                assert key in config_keys(kind, source_name), f"{var['name']}: no key {key} in {kind} {source_name}"
        names.add(var["name"])
    return names


def only_container(spec: Doc, what: str) -> Doc:
    containers = spec.get("containers") or []
    assert len(containers) == 1, f"{what}: expected one container"
    container: Doc = containers[0]
    return container


def assert_locked_down(spec: Doc, container: Doc, what: str) -> None:
    pod_sc = spec.get("securityContext") or {}
    sc = container.get("securityContext") or {}
    assert sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot")) is True, f"{what}: runAsNonRoot is not true"
    assert sc.get("runAsUser", pod_sc.get("runAsUser")) == UID, f"{what}: not running as uid {UID}"
    assert sc.get("readOnlyRootFilesystem") is True, f"{what}: root filesystem is writable"
    assert sc.get("allowPrivilegeEscalation") is False, f"{what}: privilege escalation allowed"
    tmp = [m for m in container.get("volumeMounts") or [] if m.get("mountPath") == "/tmp"]
    assert tmp, f"{what}: no volume on /tmp"
    volumes = {v["name"]: v for v in spec.get("volumes") or []}
    assert "emptyDir" in volumes.get(tmp[0]["name"], {}), f"{what}: /tmp is not an emptyDir"
    resources = container.get("resources") or {}
    for bound in ("requests", "limits"):
        for resource in ("cpu", "memory"):
            assert (resources.get(bound) or {}).get(resource), f"{what}: no {bound}.{resource}"


@pytest.mark.parametrize("process", sorted(PROCESSES))
def test_k8s_manifest_runs_the_process(process: str) -> None:
    filename = f"{process}.yaml"
    deployment = k8s_object(filename, "Deployment", process)
    labels = deployment["metadata"]["labels"]
    assert labels["app.kubernetes.io/name"] == process
    assert labels["app.kubernetes.io/part-of"] == "rapport"
    template_labels = deployment["spec"]["template"]["metadata"]["labels"]
    selector = deployment["spec"]["selector"]["matchLabels"]
    assert selector.items() <= template_labels.items(), f"{filename}: selector does not match the pod labels"
    assert template_labels["app.kubernetes.io/name"] == process

    spec = pod_spec(filename, "Deployment", process)
    container = only_container(spec, filename)
    assert runs_app(container.get("command"), PROCESSES[process]), \
        f"{filename}: command {container.get('command')} does not run {PROCESSES[process]} on port {PORT}"
    ports = {p.get("name"): p["containerPort"] for p in container.get("ports") or []}
    assert PORT in ports.values(), f"{filename}: container port {PORT} not declared"
    for probe, path in (("readinessProbe", "/ready"), ("livenessProbe", "/health")):
        get = (container.get(probe) or {}).get("httpGet") or {}
        assert get.get("path") == path, f"{filename}: {probe} is not GET {path}"
        assert ports.get(get.get("port"), get.get("port")) == PORT, f"{filename}: {probe} not on port {PORT}"
    assert_locked_down(spec, container, filename)

    missing = required_for(process) - container_env(container)
    assert not missing, f"{filename}: {sorted(missing)} not provided"


@pytest.mark.parametrize("process", HTTP_SERVED)
def test_k8s_service_reaches_the_process(process: str) -> None:
    service = k8s_object(f"{process}.yaml", "Service", process)
    template_labels = k8s_object(f"{process}.yaml", "Deployment", process)["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= template_labels.items()
    assert service["spec"]["selector"]["app.kubernetes.io/name"] == process
    assert any(p["port"] == PORT for p in service["spec"]["ports"]), f"Service {process} does not serve {PORT}"


def test_k8s_gateway_upstreams_are_the_api_services() -> None:
    config = k8s_object("configmap.yaml", "ConfigMap", "rapport-config")["data"]
    for name in SERVICES:
        assert config[f"RAPPORT_{name.upper()}_URL"] == f"http://{name}:{PORT}"
    assert config["KAFKA_BOOTSTRAP_SERVERS"]


def test_k8s_topics_job_creates_the_topics() -> None:
    jobs = [d for d in k8s_docs("topics-job.yaml") if d.get("kind") == "Job"]
    assert len(jobs) == 1
    spec = jobs[0]["spec"]["template"]["spec"]
    container = only_container(spec, "topics-job.yaml")
    assert "ensure_topics" in " ".join(container["command"])
    assert "KAFKA_BOOTSTRAP_SERVERS" in container_env(container)
    assert_locked_down(spec, container, "topics-job.yaml")


def test_k8s_kustomization_lists_every_manifest() -> None:
    listed = load(K8S / "kustomization.yaml")["resources"]
    manifests = sorted(p.name for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml")
    assert sorted(listed) == manifests
    expected = {f"{p}.yaml" for p in PROCESSES} | {"configmap.yaml", "secret.example.yaml", "topics-job.yaml"}
    assert expected <= set(listed), f"not listed: {sorted(expected - set(listed))}"


def test_k8s_example_secret_is_marked_and_keeps_processes_from_starting() -> None:
    secret = k8s_object("secret.example.yaml", "Secret", "rapport-secrets")["stringData"]
    assert "REPLACE_ME" in secret["RAPPORT_INTERNAL_SECRET"]
    field = PlatformSettings.model_fields["internal_secret"]
    min_length = next(m.min_length for m in field.metadata if hasattr(m, "min_length"))
    assert len(secret["RAPPORT_INTERNAL_SECRET"]) < min_length, "the placeholder would be accepted as a secret"


# --- Docker Compose -------------------------------------------------------------------------------


@cache
def compose_services() -> dict[str, Doc]:
    services: dict[str, Doc] = load(COMPOSE)["services"]
    return services


def compose_env(service: Doc) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(k): str(v) for k, v in env.items()}


def test_compose_defines_every_process_and_the_infrastructure() -> None:
    missing = (set(PROCESSES) | {"kafka", "postgres", "topics"}) - set(compose_services())
    assert not missing, f"compose.yaml lacks {sorted(missing)}"


@pytest.mark.parametrize("process", sorted(PROCESSES))
def test_compose_service_runs_the_process(process: str) -> None:
    service = compose_services()[process]
    assert runs_app(service.get("command"), PROCESSES[process]), \
        f"compose {process}: command {service.get('command')} does not run {PROCESSES[process]} on port {PORT}"
    test = " ".join(str(t) for t in (service.get("healthcheck") or {}).get("test") or [])
    assert f"{PORT}/ready" in test, f"compose {process}: healthcheck does not call /ready"

    env = compose_env(service)
    missing = required_for(process) - set(env)
    assert not missing, f"compose {process}: {sorted(missing)} not provided"
    for name in required_env(PlatformSettings):
        assert env[name].startswith(f"${{{name}:?"), f"compose {process}: {name} must be required (${{{name}:?...}})"
    assert "kafka:9092" in env["KAFKA_BOOTSTRAP_SERVERS"]


@pytest.mark.parametrize("name", SERVICES)
def test_compose_start_order(name: str) -> None:
    services = compose_services()
    assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
    worker_deps = services[f"{name}-worker"]["depends_on"]
    assert worker_deps[name]["condition"] == "service_healthy", "a worker waits for its API's migrations"
    assert worker_deps["topics"]["condition"] == "service_completed_successfully"
    assert services["gateway"]["depends_on"][name]["condition"] == "service_healthy"
    assert services["gateway"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["gateway"]["depends_on"]["topics"]["condition"] == "service_completed_successfully"


def test_compose_gateway_is_published_and_routed() -> None:
    gateway = compose_services()["gateway"]
    published = [with_defaults(p) for p in gateway.get("ports") or []]
    assert f"{PORT}:{PORT}" in published, f"gateway ports {published} do not publish {PORT}"
    env = compose_env(gateway)
    assert env["RAPPORT_BOOTSTRAP_TOKEN"].startswith("${RAPPORT_BOOTSTRAP_TOKEN:?")
    for name in SERVICES:
        assert env[f"RAPPORT_{name.upper()}_URL"] == f"http://{name}:{PORT}"


def test_compose_infrastructure() -> None:
    services = compose_services()
    assert services["kafka"]["image"].startswith("apache/kafka:4.")
    kafka_env = compose_env(services["kafka"])
    assert kafka_env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert "PLAINTEXT://kafka:9092" in kafka_env["KAFKA_ADVERTISED_LISTENERS"]
    assert kafka_env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert services["postgres"]["image"].startswith("postgres:16")
    sql = (DEPLOY / "compose" / "initdb" / "01-databases.sql").read_text()
    for name in (*SERVICES, "gateway"):
        assert f"CREATE DATABASE rapport_{name};" in sql
        assert f"/rapport_{name}" in compose_env(services[name])[f"{name.upper()}_DATABASE_URL"]
    last = re.findall(r"CREATE DATABASE (\w+);", sql)[-1]
    healthcheck = services["postgres"]["healthcheck"]["test"]
    assert healthcheck[healthcheck.index("-d") + 1] == last, "postgres is healthy before its last database exists"
    topics = services["topics"]
    assert "ensure_topics('kafka:9092')" in " ".join(topics["command"])
    assert topics["depends_on"]["kafka"]["condition"] == "service_healthy"


# --- the image ------------------------------------------------------------------------------------


def dockerfile_final_stage() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the last stage, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    instructions = [(line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line.strip() else "")
                    for line in (raw.strip() for raw in text.splitlines()) if line and not line.startswith("#")]
    starts = [i for i, (op, _) in enumerate(instructions) if op == "FROM"]
    assert starts, "Dockerfile has no FROM"
    return instructions[starts[-1]:]


def test_dockerfile_runs_as_non_root() -> None:
    stage = dockerfile_final_stage()
    users = [args.strip() for op, args in stage if op == "USER"]
    assert users, "the final stage sets no USER (it would run as root)"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0") and user == str(UID), f"USER {users[-1]}"
    assert ("EXPOSE", str(PORT)) in [(op, args.strip()) for op, args in stage]
    cmd = [args for op, args in stage if op == "CMD"]
    assert cmd and "gateway.main:app" in cmd[-1] and "0.0.0.0" in cmd[-1], "default CMD is not the gateway"
    assert (DEPLOY / "docker" / "Dockerfile.dockerignore").is_file()


def test_process_list_matches_stack(tmp_path: Path) -> None:
    """The names and apps above are the ones `make run` starts: a new process must be deployed."""
    stack = Stack(env={}, log_dir=tmp_path)
    assert {name: proc.app for name, proc in stack.procs.items()} == PROCESSES
