"""The phrase lexicons, as data: one ``Lexicon`` per language.

Phrases are lower case and matched on word boundaries, whitespace-insensitive; ``*`` stands
for one word (``reach out in * months``). Intents are tried in ``PRIORITY`` order and the
first with a match wins, so a reply that both likes the offer and asks to wait is NOT_NOW, and
one that asks to be removed is an unsubscribe whatever else it says. A phrase of a
``negatable`` intent with a negation shortly before it in the same clause ("not really
interested", "would not like a call", "do not remove me") does not count for its intent;
``negated_as`` says what it counts for instead, if anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aicmo_leads.objections.intents import Intent

PRIORITY = (Intent.UNSUBSCRIBE_REQUEST, Intent.OUT_OF_OFFICE, Intent.AUTHORITY,
            Intent.COMPETITOR, Intent.PRICE, Intent.NOT_NOW, Intent.NEED,
            Intent.MEETING_REQUEST, Intent.INTERESTED)


@dataclass(frozen=True)
class Lexicon:
    """One language's words: phrases per intent, negation words, and where quoted text (the
    message being replied to) starts, so its words are not read as the reply's."""

    language: str
    phrases: dict[Intent, tuple[str, ...]]
    negations: tuple[str, ...]
    # The intents a negation turns around (objections stay objections: "not until next
    # year" is still timing).
    negatable: tuple[Intent, ...] = (Intent.INTERESTED, Intent.MEETING_REQUEST,
                                     Intent.UNSUBSCRIBE_REQUEST)
    # Negation words this many words before a phrase negate it.
    negation_window: int = 3
    # Intents whose negated phrases count for another intent (or for none: absent).
    negated_as: dict[Intent, Intent] = field(default_factory=dict)
    quote_markers: tuple[str, ...] = ()


ENGLISH = Lexicon(
    language="en",
    negations=("not", "no", "never", "don't", "dont", "isn't", "aren't", "won't", "wouldn't",
               "can't", "cannot", "nor", "without", "hardly", "doesn't", "didn't", "neither"),
    negated_as={Intent.INTERESTED: Intent.NEED},
    quote_markers=("-----original message-----", "________________________________",
                   "sent from my iphone"),
    phrases={
        Intent.UNSUBSCRIBE_REQUEST: (
            "unsubscribe", "unsubscribe me", "remove me", "remove us", "take me off",
            "take us off", "opt me out", "opt out", "stop emailing", "stop contacting",
            "stop messaging", "stop sending", "stop writing", "do not contact",
            "don't contact", "do not email", "don't email", "don't message",
            "never contact", "no more emails", "no more messages", "leave me alone",
            "off your list", "off your mailing list", "delete my data", "delete my details",
            "stop spamming", "this is spam", "cease contact",
        ),
        Intent.OUT_OF_OFFICE: (
            "out of office", "out of the office", "ooo", "on vacation", "on holiday",
            "on annual leave", "on parental leave", "on maternity leave",
            "on paternity leave", "on leave", "away from the office", "away until",
            "currently away", "limited access to email", "limited access to my email",
            "no access to email", "back in the office", "automatic reply", "auto-reply",
            "autoreply", "i will respond when i return", "upon my return",
        ),
        Intent.AUTHORITY: (
            "not the right person", "not the decision maker", "not the decision-maker",
            "not my decision", "not my call", "not my area", "not in charge",
            "not responsible for", "i don't handle", "i do not handle", "above my pay grade",
            "talk to my boss", "ask my manager", "check with my manager",
            "check with my boss", "speak to our", "contact our", "reach out to our",
            "forward this to", "forwarded this to", "passing this to", "pass this on to",
            "someone else handles", "the person you want", "the right person is",
            "my colleague handles", "decision is made by", "decisions are made by",
            "needs approval from",
        ),
        Intent.COMPETITOR: (
            "already use", "already using",
            "already work with", "already working with", "already have a provider",
            "already have a vendor", "already have a solution", "already have something",
            "already have a tool", "happy with our", "we're happy with", "went with",
            "gone with", "chose another",
            "chosen another", "signed with", "under contract with", "locked into",
            "competitor", "another vendor", "another provider", "built our own",
            "build it in-house", "in-house solution", "in house solution",
        ),
        Intent.PRICE: (
            "too expensive", "too pricey", "too costly", "too much money", "costs too much",
            "cost too much", "price is too high", "prices are too high", "pricing is too high",
            "no budget", "don't have the budget", "do not have the budget",
            "don't have budget", "out of our budget", "over budget", "over our budget",
            "outside our budget", "budget is tight", "budget is limited", "can't afford",
            "cannot afford", "can't justify the cost", "cheaper", "too high a price",
            "not worth the money", "not worth the price",
        ),
        Intent.NOT_NOW: (
            "not now", "not right now", "not at the moment", "not at this time",
            "not this year", "not this quarter", "next quarter", "next year",
            "later this year", "maybe later", "try again later", "in a few months",
            "in a couple of months", "in * months", "in * weeks", "after the summer",
            "after the holidays", "after q1", "after q2", "after q3", "after q4",
            "circle back", "check back", "follow up later", "reach out later",
            "reach out in", "get back to me in", "bad timing", "bad time",
            "not a good time", "timing isn't right", "timing is not right", "too busy",
            "swamped", "revisit", "on hold", "down the road",
        ),
        Intent.NEED: (
            "not interested", "no interest", "not for us", "not for me", "no need",
            "don't need", "do not need", "doesn't need", "not needed", "no use for",
            "not relevant", "irrelevant", "not a fit", "not a good fit", "no fit",
            "not a priority", "we're good", "we are good", "all set", "no thanks",
            "no thank you", "not looking", "pass on this", "we'll pass", "we will pass",
            "doesn't apply", "does not apply", "not applicable",
        ),
        Intent.MEETING_REQUEST: (
            "schedule a call", "schedule a meeting", "set up a call", "set up a meeting",
            "book a call", "book a meeting", "book a time", "book a demo", "hop on a call",
            "jump on a call", "quick call", "a call", "a meeting", "a demo",
            "meet next week", "let's meet", "lets meet", "let's talk", "lets talk",
            "let's chat", "calendar link", "calendly", "send me a time", "send an invite",
            "send me an invite", "what time works", "when are you free", "when works",
            "available on", "free on", "call me", "give me a call", "demo",
        ),
        Intent.INTERESTED: (
            "interested", "sounds good", "sounds great", "sounds interesting",
            "tell me more", "more information", "more info", "more details",
            "send me more", "send over", "learn more", "keen", "curious",
            "would love to", "love to hear", "please share", "send me pricing",
            "send pricing", "what's the pricing", "what is the pricing", "how much",
            "what does it cost", "count me in", "yes please", "let's do it",
            "looks great", "looks good", "intrigued",
        ),
    },
)

LEXICONS: dict[str, Lexicon] = {lexicon.language: lexicon for lexicon in (ENGLISH,)}
