"""The ``aicmo`` command groups, one module each.

A group that talks to a service is offered only when that service's generated protos are
installed, so a partial checkout never offers a command that cannot work.
"""

from __future__ import annotations

import importlib
import importlib.util

import typer

# group name -> (command module, the generated modules it needs)
OPTIONAL_GROUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "venture": ("aicmo_gateway.commands.venture", ("aicmo.venture.v1.venture_pb2",)),
    "global": ("aicmo_gateway.commands.venture:global_app", ("aicmo.venture.v1.venture_pb2",)),
    "campaign": ("aicmo_gateway.commands.campaign", ("aicmo.venture.v1.venture_pb2",)),
    "leads": ("aicmo_gateway.commands.leads", ("aicmo.leads.v1.leads_pb2",)),
    "audit": ("aicmo_gateway.commands.audit", ("aicmo.audit.v1.audit_pb2",)),
    "template": ("aicmo_gateway.commands.distribution:template_app",
                 ("aicmo.distribution.v1.distribution_pb2",)),
    "sends": ("aicmo_gateway.commands.distribution:sends_app",
              ("aicmo.distribution.v1.distribution_pb2",)),
    "runs": ("aicmo_gateway.commands.distribution:runs_app",
             ("aicmo.distribution.v1.distribution_pb2",)),
    "sequence": ("aicmo_gateway.commands.sequence", ("aicmo.distribution.v1.sequences_pb2",)),
    "report": ("aicmo_gateway.commands.report",
               ("aicmo.venture.v1.venture_pb2", "aicmo.leads.v1.leads_pb2",
                "aicmo.distribution.v1.distribution_pb2", "aicmo.audit.v1.audit_pb2")),
}
DISTRIBUTION_PROTO = "aicmo.distribution.v1.distribution_pb2"


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def available_groups() -> list[tuple[str, typer.Typer]]:
    found = []
    if _installed(DISTRIBUTION_PROTO) and _installed("aicmo.venture.v1.venture_pb2"):
        from aicmo_gateway.commands import campaign, distribution

        distribution.attach_campaign_commands(campaign.app)
    for name, (module, needs) in OPTIONAL_GROUPS.items():
        if all(_installed(need) for need in needs):
            module_name, _, attribute = module.partition(":")
            found.append((name, getattr(importlib.import_module(module_name),
                                        attribute or "app")))
    return found


def demo_command():
    """``aicmo demo``, when every service's contract exists."""
    needs = ("aicmo.venture.v1.venture_pb2", "aicmo.leads.v1.leads_pb2", DISTRIBUTION_PROTO,
             "aicmo.audit.v1.audit_pb2")
    if not all(_installed(need) for need in needs):
        return None
    from aicmo_gateway.commands.demo import demo

    return demo


def send_command():
    """``aicmo send`` (a single command), when the distribution contract exists."""
    if not _installed(DISTRIBUTION_PROTO):
        return None
    from aicmo_gateway.commands.distribution import send

    return send
