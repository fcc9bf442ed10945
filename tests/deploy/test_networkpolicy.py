"""The NetworkPolicy allow-list, evaluated: who can reach whom equals topology.CALL_GRAPH.

The rendered policies are evaluated the way Kubernetes does (additive allow rules over a
default deny, pod and namespace selectors, ports) for every pair of pods in the namespace and
for a few well-known peers outside it, so the test sees the effect, not the spelling.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

import pytest

from aicmo_common import topology

OPERATOR = {"aicmo.io/operator": "true"}
OUTSIDE_ADDRESS = "203.0.113.10"  # any address outside the cluster
# Ports by the kind of outside peer they serve.
EGRESS_KINDS = {
    ("TCP", 5432): "postgresql",
    ("TCP", 25): "smtp", ("TCP", 465): "smtp", ("TCP", 587): "smtp",
    ("TCP", 443): "https",
}
# Ports nothing may reach outside the cluster.
CLOSED_PORTS = [("TCP", 22), ("TCP", 80), ("TCP", 3306), ("TCP", 6379), ("TCP", 8080),
                ("UDP", 123)]
# Pods that only the dev overlay runs, and who may reach them there.
DEV_PEERS = {
    ("postgres", 5432): {"venture", "leads", "distribution", "audit", "edge"},
    ("mailpit", 1025): {"distribution"},
}


@dataclass
class Pod:
    """A sender or receiver of traffic: a pod somewhere, or an address outside the cluster."""

    name: str
    labels: dict = field(default_factory=dict)
    namespace: str | None = None  # None: outside the cluster, at OUTSIDE_ADDRESS
    ports: dict = field(default_factory=dict)  # name -> (protocol, number)


def selects(selector: dict | None, labels: dict) -> bool:
    if selector is None:
        return True
    if any(labels.get(key) != value for key, value in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        key, operator = expression["key"], expression["operator"]
        values = expression.get("values", [])
        if not {
            "In": key in labels and labels[key] in values,
            "NotIn": key not in labels or labels[key] not in values,
            "Exists": key in labels,
            "DoesNotExist": key not in labels,
        }[operator]:
            return False
    return True


def peer_matches(peer: dict, pod: Pod, namespace: str) -> bool:
    if "ipBlock" in peer:
        if pod.namespace is not None:
            return False  # pod addresses are not what these policies open with ipBlock
        block = peer["ipBlock"]
        address = ipaddress.ip_address(OUTSIDE_ADDRESS)
        return address in ipaddress.ip_network(block["cidr"]) and not any(
            address in ipaddress.ip_network(cidr) for cidr in block.get("except", []))
    if pod.namespace is None:
        return False
    if "namespaceSelector" in peer:
        namespace_labels = {"kubernetes.io/metadata.name": pod.namespace}
        if not selects(peer["namespaceSelector"], namespace_labels):
            return False
    elif pod.namespace != namespace:
        return False
    return selects(peer.get("podSelector"), pod.labels)


def port_matches(rule_ports: list | None, protocol: str, port: int, pod: Pod) -> bool:
    if not rule_ports:
        return True
    for rule_port in rule_ports:
        if rule_port.get("protocol", "TCP") != protocol:
            continue
        wanted = rule_port.get("port")
        if wanted is None:
            return True
        if isinstance(wanted, str):
            wanted = pod.ports.get(wanted, (None, None))[1]
        if wanted == port or (wanted is not None and wanted < port <= rule_port.get("endPort", 0)):
            return True
    return False


class Network:
    """The policies of one namespace and the question: may this packet pass?"""

    def __init__(self, objects: list[dict]) -> None:
        self.policies = [o for o in objects if o["kind"] == "NetworkPolicy"]
        self.namespace = next((o["metadata"].get("namespace") for o in self.policies), None)
        self.namespace = self.namespace or "default"
        self.pods = {}
        for workload in objects:
            if workload["kind"] in ("Deployment", "StatefulSet"):
                template = workload["spec"]["template"]
                ports = {p["name"]: (p.get("protocol", "TCP"), p["containerPort"])
                         for c in template["spec"]["containers"] for p in c.get("ports", [])}
                name = workload["metadata"]["name"]
                self.pods[name] = Pod(name, template["metadata"]["labels"], self.namespace,
                                      ports)
        self.pods["operator"] = Pod("operator", OPERATOR, self.namespace)

    def _allowed(self, direction: str, subject: Pod, other: Pod, protocol: str, port: int,
                 receiver: Pod) -> bool:
        if subject.namespace != self.namespace:
            return True  # only this namespace's policies are under test
        policy_type = "Ingress" if direction == "ingress" else "Egress"
        peers_key = "from" if direction == "ingress" else "to"
        isolating = [p for p in self.policies
                     if policy_type in p["spec"]["policyTypes"]
                     and selects(p["spec"]["podSelector"], subject.labels)]
        if not isolating:
            return True
        for policy in isolating:
            for rule in policy["spec"].get(direction) or []:
                peers = rule.get(peers_key)
                if (not peers or any(peer_matches(p, other, self.namespace) for p in peers)) and \
                        port_matches(rule.get("ports"), protocol, port, receiver):
                    return True
        return False

    def allows(self, source: Pod, destination: Pod, protocol: str, port: int,
               sides: tuple[str, ...] = ("egress", "ingress")) -> bool:
        """May the packet pass? ``sides`` limits the question to the sender's egress or the
        receiver's ingress policies."""
        return (("egress" not in sides
                 or self._allowed("egress", source, destination, protocol, port, destination))
                and ("ingress" not in sides
                     or self._allowed("ingress", destination, source, protocol, port,
                                      destination)))

    def reachable(self, sides: tuple[str, ...] = ("egress", "ingress")
                  ) -> set[tuple[str, str, int]]:
        """Every (source, destination, port) between two pods of the namespace that may pass."""
        return {(source.name, destination.name, port)
                for source in self.pods.values() for destination in self.pods.values()
                if source is not destination
                for protocol, port in destination.ports.values()
                if self.allows(source, destination, protocol, port, sides)}


def outside(name: str, namespace: str | None, labels: dict | None = None) -> Pod:
    """A pod of another namespace, or (namespace None) an address outside the cluster."""
    return Pod(name, labels or {}, namespace)


@pytest.fixture
def network(objects) -> Network:
    return Network(objects)


def test_everything_not_allowed_is_denied(network):
    deny = [p for p in network.policies if p["spec"]["podSelector"] == {}]
    assert len(deny) == 1
    assert sorted(deny[0]["spec"]["policyTypes"]) == ["Egress", "Ingress"]
    assert not deny[0]["spec"].get("ingress") and not deny[0]["spec"].get("egress")


def test_pods_in_the_namespace_reach_exactly_the_call_graph(network, target):
    expected = {(caller, callee, topology.by_name(callee).grpc_port)
                for caller, callees in topology.CALL_GRAPH.items() for callee in callees}
    expected |= {("operator", service.name, service.grpc_port) for service in topology.SERVICES}
    if target == "dev":
        expected |= {(caller, pod, port) for (pod, port), callers in DEV_PEERS.items()
                     for caller in callers}
    assert network.reachable() == expected
    # Each side holds the line on its own: the caller's egress and the callee's ingress.
    assert network.reachable(("egress",)) == expected
    assert network.reachable(("ingress",)) == expected


def test_each_component_leaves_the_namespace_only_as_topology_says(network):
    dns = outside("kube-dns", "kube-system", {"k8s-app": "kube-dns"})
    anywhere = outside("internet", None)
    for component in topology.COMPONENTS:
        pod = network.pods[component.name]
        kinds = {kind for (protocol, port), kind in EGRESS_KINDS.items()
                 if network.allows(pod, anywhere, protocol, port)}
        if all(network.allows(pod, dns, protocol, 53) for protocol in ("UDP", "TCP")):
            kinds.add("dns")
        assert kinds == set(topology.EXTERNAL_EGRESS[component.name]), component.name
        for protocol, port in CLOSED_PORTS:
            assert not network.allows(pod, anywhere, protocol, port), (component.name, port)
        assert not network.allows(pod, outside("other-pod", "elsewhere"), "UDP", 53)


def test_from_outside_only_monitoring_and_the_ingress_controller_get_in(network):
    monitoring = outside("prometheus", "monitoring")
    ingress_controller = outside("controller", "ingress-nginx")
    strangers = [outside("other-pod", "elsewhere"), outside("internet", None),
                 outside("lookalike", "elsewhere", network.pods["edge"].labels)]
    for pod in network.pods.values():
        component = next((c for c in topology.COMPONENTS if c.name == pod.name), None)
        for protocol, port in pod.ports.values():
            metrics = component is not None and port == component.metrics_port
            web = pod.name == "edge" and port == topology.EDGE.http_port
            assert network.allows(monitoring, pod, protocol, port) == metrics, (pod.name, port)
            assert network.allows(ingress_controller, pod, protocol, port) == web
            assert not any(network.allows(s, pod, protocol, port) for s in strangers)
