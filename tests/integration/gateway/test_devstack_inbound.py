"""`aicmo dev up` runs the edge's inbound SMTP receiver: on a free port with --ephemeral-ports,
told to the edge through its environment, printed with the stack and written to dev.env."""

from __future__ import annotations

import io

from rich.console import Console

from aicmo_gateway import devstack
from aicmo_gateway.edge.config import DEFAULT_INBOUND_SMTP_PORT, EdgeConfig


def test_the_edge_is_given_an_inbound_smtp_port_it_accepts(tmp_path):
    options = devstack.DevUpOptions(root=tmp_path, ephemeral_ports=True)
    plan = devstack.plan_stack(options, ["venture", "leads", "distribution"], True)
    assert plan.inbound_smtp_port not in (None, 0, DEFAULT_INBOUND_SMTP_PORT)
    secrets = devstack.devfiles.DevSecrets("t" * 40, "i" * 40)
    edge = next(child for child in plan.children if child.name == "edge")
    env = devstack.child_environment(edge, plan, options, secrets, 1025, base={})
    config = EdgeConfig.from_env(env)
    assert config.inbound.smtp_port == plan.inbound_smtp_port
    assert config.inbound.domain == devstack.INBOUND_DOMAIN
    assert config.distribution_addr == plan.addresses["distribution"]
    values = devstack.dev_env_values(plan, 1025, "token")
    assert values["AICMO_INBOUND_SMTP_ADDR"] == f"{devstack.HOST}:{plan.inbound_smtp_port}"
    out = io.StringIO()
    devstack.print_table(Console(file=out, width=200), plan, 1025, tmp_path)
    assert f"{devstack.HOST}:{plan.inbound_smtp_port}" in out.getvalue()


def test_without_distribution_there_is_no_receiver_to_hand_events_to(tmp_path):
    options = devstack.DevUpOptions(root=tmp_path, ephemeral_ports=True)
    plan = devstack.plan_stack(options, ["venture", "leads"], True)
    assert plan.inbound_smtp_port is None
    edge = next(child for child in plan.children if child.name == "edge")
    secrets = devstack.devfiles.DevSecrets("t" * 40, "i" * 40)
    env = devstack.child_environment(edge, plan, options, secrets, 1025, base={})
    assert "AICMO_INBOUND_SMTP_PORT" not in env
    assert EdgeConfig.from_env(env).inbound.smtp_port is None
