"""A send's content and, once it is allowed, its message as it goes to the channel."""

from __future__ import annotations

from aicmo_common import verp
from aicmo_common.db import Database
from aicmo_distribution.adapters import repository as repo
from aicmo_distribution.domain import templates as tpl
from aicmo_distribution.domain.delivery import OutboundMessage
from aicmo_distribution.domain.peers import CampaignFacts, Contactability, Verdict
from aicmo_distribution.domain.sends import SendJob, message_id_for
from aicmo_distribution.service_layer.deps import Deps, SendSettings


async def content_for(database: Database, job: SendJob, campaign: CampaignFacts,
                      contact: object, template: tpl.Template | None = None
                      ) -> tuple[tpl.MessageContent | None, str | None, str]:
    """The job's content, or why there is none, and why its template is held back ("" when
    it is not); only looked at for a lead it could go to (``contact`` allowed)."""
    if not isinstance(contact, Contactability) or not contact.allowed:
        return None, None, ""
    if job.template_id:
        if template is None or template.id != job.template_id:
            template = repo.as_template(await database.run_read(repo.get_template,
                                                                job.template_id))
        if template is None:
            return None, "the template no longer exists", ""
        if template.venture_id != campaign.venture_id:
            return None, "the template belongs to another venture than the campaign", ""
        return template.message, None, template.hold
    return tpl.MessageContent(job.inline_subject or "", job.inline_body_text or "",
                              job.inline_body_html or ""), None, ""


async def build_message(deps: Deps, job: SendJob, campaign: CampaignFacts,
                        contact: Contactability, verdict: Verdict, content: tpl.MessageContent
                        ) -> OutboundMessage:
    """The message as it goes to the channel; raises DependencyFailure (the venture's name is
    not known) or TemplateProblem (the template cannot be rendered for this lead)."""
    venture_name = ""
    if "venture.name" in (tpl.analyse(content, channel=job.channel)):
        venture_name = (await deps.venture.venture(campaign.venture_id)).name
    unsubscribe_url = deps.unsubscribe.url(job.lead_id, job.campaign_id)
    rendered = tpl.render_message(
        content, channel=job.channel, lead=contact.lead, campaign_id=job.campaign_id,
        step=job.step, venture_id=campaign.venture_id, venture_name=venture_name,
        sender=verdict.sender, unsubscribe_url=unsubscribe_url)
    return OutboundMessage(
        send_id=job.id, channel=job.channel, campaign_id=job.campaign_id,
        venture_id=campaign.venture_id, lead_id=job.lead_id, step=job.step,
        to_address=contact.address, from_address=verdict.sender.from_address,
        from_name=verdict.sender.from_name, subject=rendered.subject,
        body_text=rendered.body_text, body_html=rendered.body_html,
        unsubscribe_url=unsubscribe_url,
        postal_address=verdict.sender.postal_address,
        message_id=message_id_for(job.id, deps.settings.mail_domain),
        **return_addresses(job.id, deps.settings))


def return_addresses(send_id: str, settings: SendSettings) -> dict[str, str]:
    """The signed addresses a message names so that what comes back finds its send: the
    return path (MAIL FROM) for bounces, Reply-To for replies, a mailto: unsubscribe."""
    domain, secret = settings.inbound_domain, settings.return_path_secret
    if not domain:
        return {}
    return {"return_path": verp.return_path(send_id, secret=secret, domain=domain),
            "reply_to": verp.reply_address(send_id, secret=secret, domain=domain),
            "unsubscribe_mailto": verp.unsubscribe_address(send_id, secret=secret,
                                                           domain=domain)}
