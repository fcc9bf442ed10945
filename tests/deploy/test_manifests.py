"""The rendered Kubernetes manifests: schema-valid, restricted, and in step with the code.

Every check runs on what `kubectl kustomize` renders for the base and each overlay, so a patch
in an overlay cannot undo what the base promises.
"""

from __future__ import annotations

import base64
import copy
import re
from pathlib import Path

import kubernetes_validate
import pytest

from aicmo_common import topology
from aicmo_gateway.edge.config import DEFAULT_INBOUND_SMTP_PORT

# The oldest Kubernetes these manifests are for (native gRPC probes are GA from 1.27) and the
# newest whose schemas kubernetes-validate ships.
K8S_VERSIONS = ("1.27.0", "1.37.0")

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job")
PROBES = ("startupProbe", "readinessProbe", "livenessProbe")
HEALTH_CHECK = ["python", "/opt/aicmo/grpc_health_check.py"]
# Environment variables whose value is a secret and so must come from a Secret.
SECRET_VARIABLES = {
    "AICMO_DATABASE_URL", "AICMO_TOKEN_SECRET", "AICMO_IDENTITY_HASH_KEY",
    "AICMO_SMTP_USERNAME", "AICMO_SMTP_PASSWORD", "AICMO_WEBHOOK_SECRET",
    "AICMO_RATE_LIMIT_DATABASE_URL",
}
SECRET_LOOKING = re.compile(r"(PASSWORD|SECRET|TOKEN|KEY|DATABASE_URL)$")


def named(objects: list[dict], kind: str) -> dict[str, dict]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def workloads(objects: list[dict]) -> list[dict]:
    return [o for o in objects if o["kind"] in WORKLOAD_KINDS]


def all_containers(pod_spec: dict) -> list[dict]:
    return [*pod_spec.get("initContainers", []), *pod_spec["containers"]]


def environment(container: dict, objects: list[dict]) -> dict[str, object]:
    """The container's variables: a string, or the valueFrom mapping of a variable taken from
    a Secret."""
    configmaps = named(objects, "ConfigMap")
    env: dict[str, object] = {}
    for source in container.get("envFrom", []):
        assert "configMapRef" in source, f"{container['name']}: envFrom only from ConfigMaps"
        env.update(configmaps[source["configMapRef"]["name"]]["data"])
    for variable in container.get("env", []):
        env[variable["name"]] = variable.get("value", variable.get("valueFrom"))
    return env


def deployment_of(objects: list[dict], component: topology.Component) -> dict:
    deployments = named(objects, "Deployment")
    assert component.name in deployments, f"no Deployment for {component.name}"
    return deployments[component.name]


def main_container(deployment: dict) -> dict:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1, f"{deployment['metadata']['name']}: one container per pod"
    return containers[0]


def port_named(container: dict, name: str) -> int:
    ports = {p["name"]: p["containerPort"] for p in container.get("ports", [])}
    assert name in ports, f"{container['name']} has no port named {name}"
    return ports[name]


@pytest.mark.parametrize("version", K8S_VERSIONS)
def test_every_object_validates_strictly_against_the_kubernetes_schema(objects, version):
    failures = []
    for obj in objects:
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except (kubernetes_validate.ValidationError,
                kubernetes_validate.SchemaNotFoundError) as error:
            where = "/".join(str(part) for part in getattr(error, "path", []))
            failures.append(f"{obj['kind']}/{obj['metadata']['name']} {where}: "
                            f"{getattr(error, 'message', error)}")
    assert not failures, "\n".join(failures)


def test_strict_validation_rejects_an_unknown_field(render):
    deployment = copy.deepcopy(named(render("base"), "Deployment")["venture"])
    deployment["spec"]["template"]["spec"]["containers"][0]["readinessprobe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, K8S_VERSIONS[-1], strict=True)


def test_every_pod_meets_the_restricted_pod_security_profile(objects):
    assert workloads(objects)
    for workload in workloads(objects):
        pod = workload["spec"]["template"]["spec"]
        where = f"{workload['kind']}/{workload['metadata']['name']}"
        pod_context = pod.get("securityContext", {})
        assert not any(pod.get(key) for key in ("hostNetwork", "hostPID", "hostIPC")), where
        assert not any("hostPath" in volume for volume in pod.get("volumes", [])), where
        assert pod.get("automountServiceAccountToken") is False, where
        for container in all_containers(pod):
            context = {**pod_context, **container.get("securityContext", {})}
            name = f"{where} container {container['name']}"
            assert context.get("runAsNonRoot") is True, name
            assert isinstance(context.get("runAsUser"), int) and context["runAsUser"] > 0, name
            assert context.get("allowPrivilegeEscalation") is False, name
            assert context.get("privileged", False) is False, name
            assert context.get("capabilities", {}).get("drop") == ["ALL"], name
            assert not context.get("capabilities", {}).get("add"), name
            assert context.get("readOnlyRootFilesystem") is True, name
            assert context.get("seccompProfile", {}).get("type") == "RuntimeDefault", name


def test_the_only_writable_paths_are_empty_dirs_or_data_volumes(objects):
    for workload in workloads(objects):
        pod = workload["spec"]["template"]["spec"]
        empty_dirs = {v["name"] for v in pod.get("volumes", []) if "emptyDir" in v}
        claims = {c["metadata"]["name"] for c in workload["spec"].get("volumeClaimTemplates", [])}
        for container in all_containers(pod):
            mounts = container.get("volumeMounts", [])
            tmp = [m for m in mounts if m["mountPath"] == "/tmp"]
            assert tmp and tmp[0]["name"] in empty_dirs, (
                f"{container['name']}: /tmp must be an emptyDir on a read-only root")
            for mount in mounts:
                if not mount.get("readOnly"):
                    assert mount["name"] in empty_dirs | claims, f"{container['name']}: {mount}"


def test_every_container_has_requests_and_limits(objects):
    for workload in workloads(objects):
        for container in all_containers(workload["spec"]["template"]["spec"]):
            resources = container.get("resources", {})
            for bound in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(resources.get(bound, {})), (
                    f"{workload['metadata']['name']}/{container['name']} lacks {bound}")


def test_every_image_is_pinned_to_a_version(objects):
    for workload in workloads(objects):
        for container in all_containers(workload["spec"]["template"]["spec"]):
            image = container["image"]
            tag = image.rsplit("/", 1)[-1].partition(":")[2]
            assert tag and tag != "latest" and re.search(r"\d", tag), image


def test_every_probe_has_exactly_one_handler(objects):
    # The API server rejects a probe with two; the schema does not say so.
    for workload in workloads(objects):
        for container in all_containers(workload["spec"]["template"]["spec"]):
            for probe in PROBES:
                if probe in container:
                    handlers = set(container[probe]) & {"exec", "grpc", "httpGet", "tcpSocket"}
                    assert len(handlers) == 1, f"{container['name']} {probe}: {handlers}"


def test_grpc_services_are_probed_over_grpc_on_their_port(objects):
    for component in topology.SERVICES:
        deployment = deployment_of(objects, component)
        container = main_container(deployment)
        env = environment(container, objects)
        assert port_named(container, "grpc") == component.grpc_port
        assert port_named(container, "metrics") == component.metrics_port
        assert env["AICMO_GRPC_PORT"] == str(component.grpc_port)
        assert env["AICMO_METRICS_PORT"] == str(component.metrics_port)
        for probe in PROBES:
            assert probe in container, f"{component.name} has no {probe}"
            if "AICMO_TLS_CA_FILE" in env:
                # The native gRPC probe cannot present a client certificate.
                assert container[probe]["exec"]["command"] == [
                    *HEALTH_CHECK, "--server-name", component.name], component.name
            else:
                assert container[probe]["grpc"] == {"port": component.grpc_port}


def test_the_tls_health_check_is_the_one_the_image_ships(repo: Path):
    dockerfile = (repo / "deploy" / "Dockerfile").read_text()
    assert f"COPY deploy/image/grpc_health_check.py {HEALTH_CHECK[1]}" in dockerfile


def test_the_edge_serves_http_and_is_routed_by_the_ingress(objects):
    deployment = deployment_of(objects, topology.EDGE)
    container = main_container(deployment)
    env = environment(container, objects)
    assert container["command"] == ["python", "-m", "aicmo_gateway.edge"]
    assert port_named(container, "http") == topology.EDGE.http_port
    assert env["AICMO_HTTP_PORT"] == str(topology.EDGE.http_port)
    assert port_named(container, "metrics") == topology.EDGE.metrics_port
    assert env["AICMO_METRICS_PORT"] == str(topology.EDGE.metrics_port)
    for probe in PROBES:
        assert container[probe]["httpGet"] == {"path": "/healthz", "port": "http"}
    ingress = named(objects, "Ingress")["edge"]
    backends = [path["backend"]["service"] for rule in ingress["spec"]["rules"]
                for path in rule["http"]["paths"]]
    assert backends == [{"name": "edge", "port": {"name": "http"}}]
    service_ports = {p["name"]: p["targetPort"] for p in named(objects, "Service")["edge"]
                     ["spec"]["ports"]}
    assert service_ports == {"http": "http", "metrics": "metrics"}


def test_the_edge_takes_inbound_mail_on_its_smtp_port_through_a_load_balancer(objects):
    container = main_container(deployment_of(objects, topology.EDGE))
    env = environment(container, objects)
    assert port_named(container, "smtp") == DEFAULT_INBOUND_SMTP_PORT
    assert env["AICMO_INBOUND_SMTP_PORT"] == str(DEFAULT_INBOUND_SMTP_PORT)
    assert env["AICMO_INBOUND_DOMAIN"] and "@" not in env["AICMO_INBOUND_DOMAIN"]
    service = named(objects, "Service")["edge-smtp"]
    assert service["spec"]["type"] == "LoadBalancer"
    assert [(p["name"], p["port"], p["targetPort"]) for p in service["spec"]["ports"]] == \
        [("smtp", 25, "smtp")]
    labels = deployment_of(objects, topology.EDGE)["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= labels.items()


def test_each_service_exposes_grpc_and_metrics_ports(objects):
    services = named(objects, "Service")
    for component in topology.SERVICES:
        ports = {p["name"]: (p["port"], p["targetPort"])
                 for p in services[component.name]["spec"]["ports"]}
        assert ports == {"grpc": (component.grpc_port, "grpc"),
                         "metrics": (component.metrics_port, "metrics")}
        selector = services[component.name]["spec"]["selector"]
        labels = deployment_of(objects, component)["spec"]["template"]["metadata"]["labels"]
        assert selector.items() <= labels.items()


def test_migrations_run_before_the_server_with_the_same_image_and_settings(objects):
    for component in topology.SERVICES:
        pod = deployment_of(objects, component)["spec"]["template"]["spec"]
        server = main_container(deployment_of(objects, component))
        assert server["command"] == ["python", "-m", f"aicmo_{component.name}", "serve"]
        (migrate,) = pod["initContainers"]
        assert migrate["command"] == ["python", "-m", f"aicmo_{component.name}", "migrate"]
        for field in ("image", "envFrom", "env", "volumeMounts", "securityContext"):
            assert migrate.get(field) == server.get(field), f"{component.name}: {field}"


def test_termination_grace_outlasts_the_shutdown_grace(objects):
    for component in topology.COMPONENTS:
        deployment = deployment_of(objects, component)
        pod = deployment["spec"]["template"]["spec"]
        container = main_container(deployment)
        grace = float(environment(container, objects)["AICMO_SHUTDOWN_GRACE_SECONDS"])
        pause = container["lifecycle"]["preStop"]["exec"]["command"]
        assert pause[0] == "sleep"
        assert pod["terminationGracePeriodSeconds"] > float(pause[1]) + grace, component.name


def test_each_component_is_given_the_address_of_exactly_the_peers_it_calls(objects):
    services = named(objects, "Service")
    for component in topology.COMPONENTS:
        env = environment(main_container(deployment_of(objects, component)), objects)
        addresses = {name: value for name, value in env.items()
                     if re.fullmatch(r"AICMO_[A-Z]+_ADDR", name)}
        expected = {f"AICMO_{peer.upper()}_ADDR": f"{peer}:{topology.by_name(peer).grpc_port}"
                    for peer in topology.CALL_GRAPH[component.name]}
        assert addresses == expected, component.name
        for peer in topology.CALL_GRAPH[component.name]:
            ports = {p["name"]: p["port"] for p in services[peer]["spec"]["ports"]}
            assert ports["grpc"] == topology.by_name(peer).grpc_port


def test_secrets_come_from_secrets_and_settings_from_configmaps(objects):
    for workload in workloads(objects):
        for container in all_containers(workload["spec"]["template"]["spec"]):
            for name, value in environment(container, objects).items():
                if name in SECRET_VARIABLES or SECRET_LOOKING.search(name):
                    assert isinstance(value, dict) and "secretKeyRef" in value, (
                        f"{workload['metadata']['name']}/{container['name']}: {name} "
                        "must come from a Secret")
    for component in topology.SERVICES:
        env = environment(main_container(deployment_of(objects, component)), objects)
        assert "secretKeyRef" in env["AICMO_DATABASE_URL"], component.name
        assert "secretKeyRef" in env["AICMO_TOKEN_SECRET"], component.name


def secret_references(objects: list[dict], *, optional: bool = True) -> set[str]:
    """The names of the Secrets the objects use; ``optional=False`` leaves out those a pod
    starts without."""
    names = set()
    for workload in workloads(objects):
        pod = workload["spec"]["template"]["spec"]
        for container in all_containers(pod):
            references = [v["valueFrom"]["secretKeyRef"] for v in container.get("env", [])
                          if "secretKeyRef" in v.get("valueFrom", {})]
            names |= {r["name"] for r in references if optional or not r.get("optional")}
        names |= {v["secret"]["secretName"] for v in pod.get("volumes", []) if "secret" in v}
    for ingress in named(objects, "Ingress").values():
        names |= {tls["secretName"] for tls in ingress["spec"].get("tls", [])}
    return names


def test_no_secret_value_is_committed_outside_the_dev_overlay(render):
    for target in ("base", "prod"):
        assert not named(render(target), "Secret"), f"{target} must only reference Secrets"
    for secret in named(render("dev"), "Secret").values():
        for key, encoded in secret["data"].items():
            value = base64.b64decode(encoded).decode()
            assert "dev-only" in value, f"{secret['metadata']['name']}/{key} must say dev-only"


def test_dev_brings_every_secret_it_references_and_uses_postgresql(render):
    objects = render("dev")
    secrets = named(objects, "Secret")
    assert secret_references(objects, optional=False) <= set(secrets)
    for component in topology.SERVICES:
        reference = environment(main_container(deployment_of(objects, component)),
                                objects)["AICMO_DATABASE_URL"]["secretKeyRef"]
        url = base64.b64decode(secrets[reference["name"]]["data"][reference["key"]]).decode()
        assert url.startswith("postgresql+psycopg://") and url.endswith(f"/{component.name}")


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_every_edge_replica_shares_one_form_rate_limit_store(render, overlay):
    objects = render(overlay)
    edge = environment(main_container(deployment_of(objects, topology.EDGE)), objects)
    reference = edge["AICMO_RATE_LIMIT_DATABASE_URL"]["secretKeyRef"]
    # The dev overlay generates its Secrets, whose names carry a content hash.
    assert reference["key"] == "url" and re.fullmatch(r"edge-db(-[a-z0-9]+)?", reference["name"])
    if overlay == "dev":
        secret = named(objects, "Secret")[reference["name"]]
        url = base64.b64decode(secret["data"]["url"]).decode()
        assert url.startswith("postgresql+psycopg://") and url.endswith("/edge")
        init = named(objects, "ConfigMap")
        script = next(c for name, c in init.items() if name.startswith("postgres-init"))
        assert " edge;" in script["data"]["postgres-init.sh"]


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_distribution_signs_return_paths_for_the_domain_the_edge_receives(render, overlay):
    objects = render(overlay)
    domains = {component.name: environment(main_container(deployment_of(objects, component)),
                                           objects).get("AICMO_INBOUND_DOMAIN")
               for component in (topology.DISTRIBUTION, topology.EDGE)}
    assert domains["edge"] and domains["distribution"] == domains["edge"], domains


def test_the_readme_creates_every_secret_prod_references(render, repo: Path):
    readme = (repo / "deploy" / "README.md").read_text()
    created = set(re.findall(r"create secret (?:generic|tls) ([a-z0-9-]+)", readme))
    missing = secret_references(render("prod")) - created
    assert not missing, f"deploy/README.md does not say how to create {sorted(missing)}"


def test_prod_switches_on_mutual_tls_for_every_component(render):
    objects = render("prod")
    for component in topology.COMPONENTS:
        pod = deployment_of(objects, component)["spec"]["template"]["spec"]
        volumes = {v["name"]: v for v in pod["volumes"]}
        for container in all_containers(pod):
            env = environment(container, objects)
            files = [env[f"AICMO_TLS_{part}_FILE"] for part in ("CERT", "KEY", "CA")]
            mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
            for path in files:
                mount = mounts[str(Path(path).parent)]
                assert mount.get("readOnly") is True
                assert volumes[mount["name"]]["secret"]["secretName"] == f"{component.name}-tls"


def test_every_component_has_a_disruption_budget(objects):
    budgets = named(objects, "PodDisruptionBudget")
    for component in topology.COMPONENTS:
        assert component.name in budgets, f"no PodDisruptionBudget for {component.name}"
        assert budgets[component.name]["spec"]["selector"] == (
            deployment_of(objects, component)["spec"]["selector"])


def test_leads_and_distribution_scale_horizontally(objects):
    autoscalers = named(objects, "HorizontalPodAutoscaler")
    assert set(autoscalers) == {"leads", "distribution"}
    for name, autoscaler in autoscalers.items():
        assert autoscaler["apiVersion"] == "autoscaling/v2"
        assert autoscaler["spec"]["scaleTargetRef"] == {
            "apiVersion": "apps/v1", "kind": "Deployment", "name": name}
        assert autoscaler["spec"]["minReplicas"] <= autoscaler["spec"]["maxReplicas"]
        # A replica count in the Deployment would fight the autoscaler on every apply.
        assert "replicas" not in named(objects, "Deployment")[name]["spec"]


def test_prod_runs_more_than_one_of_everything(render):
    objects = render("prod")
    autoscalers = named(objects, "HorizontalPodAutoscaler")
    for name, deployment in named(objects, "Deployment").items():
        replicas = (autoscalers[name]["spec"]["minReplicas"] if name in autoscalers
                    else deployment["spec"]["replicas"])
        assert replicas >= 2, name


def test_service_accounts_mount_no_token(objects):
    accounts = named(objects, "ServiceAccount")
    for workload in workloads(objects):
        account = workload["spec"]["template"]["spec"]["serviceAccountName"]
        assert accounts[account]["automountServiceAccountToken"] is False


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_overlays_put_everything_in_one_restricted_namespace(render, overlay):
    objects = render(overlay)
    (namespace,) = named(objects, "Namespace").values()
    labels = namespace["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
    for obj in objects:
        if obj["kind"] != "Namespace":
            assert obj["metadata"]["namespace"] == namespace["metadata"]["name"], obj
