"""The rules classifier, table-driven over realistic replies: the intent and the words that
decided it, negation, quoted text, and the Classifier protocol."""

from __future__ import annotations

import pytest

from aicmo_leads.objections import Classifier, Intent, RulesClassifier
from aicmo_leads.objections.lexicons import ENGLISH, Lexicon

IN = Intent
REPLIES = [
    # interested
    ("Sounds interesting, tell me more.", IN.INTERESTED, "tell me more"),
    ("Yes please, send me more details about the offer.", IN.INTERESTED, "yes please"),
    ("I'm curious. What does it cost for a team of 10?", IN.INTERESTED, "curious"),
    ("Looks great! Could you send pricing?", IN.INTERESTED, "looks great"),
    ("We'd be keen to learn more about this.", IN.INTERESTED, "keen"),
    # meeting request
    ("Happy to chat. Can we schedule a call for Thursday?", IN.MEETING_REQUEST,
     "schedule a call"),
    ("Let's talk. When are you free this week?", IN.MEETING_REQUEST, "let's talk"),
    ("Send me an invite for Tuesday 2pm.", IN.MEETING_REQUEST, "send me an invite"),
    ("Could you book a demo with our team?", IN.MEETING_REQUEST, "book a demo"),
    ("Call me on Monday morning.", IN.MEETING_REQUEST, "call me"),
    # not now / timing
    ("Not right now, maybe next quarter.", IN.NOT_NOW, "not right now"),
    ("Interesting, but please reach out in 6 months.", IN.NOT_NOW, "in * months"),
    ("Bad timing for us, we are in the middle of a migration.", IN.NOT_NOW, "bad timing"),
    ("Can you circle back after the holidays?", IN.NOT_NOW, "circle back"),
    ("We're swamped until the end of the year.", IN.NOT_NOW, "swamped"),
    ("The project is on hold for now.", IN.NOT_NOW, "on hold"),
    # price
    ("This is too expensive for a company our size.", IN.PRICE, "too expensive"),
    ("We have no budget for new tools this year.", IN.PRICE, "no budget"),
    ("Honestly we can't afford that.", IN.PRICE, "can't afford"),
    ("It's over our budget, sorry.", IN.PRICE, "over our budget"),
    # authority
    ("I'm not the right person for this, try our CTO.", IN.AUTHORITY,
     "not the right person"),
    ("That's not my decision; talk to my boss.", IN.AUTHORITY, "not my decision"),
    ("I've forwarded this to our head of marketing.", IN.AUTHORITY, "forwarded this to"),
    ("Please contact our procurement team instead.", IN.AUTHORITY, "contact our"),
    # need
    ("Not interested, thanks.", IN.NEED, "not interested"),
    ("I'm not really interested in this.", IN.NEED, "not interested"),
    ("We don't need anything like that.", IN.NEED, "don't need"),
    ("This is not relevant to our business.", IN.NEED, "not relevant"),
    ("No thanks, we're all set.", IN.NEED, "no thanks"),
    ("Never interested in cold pitches.", IN.NEED, "never interested"),
    # competitor
    ("We already use HubSpot for this.", IN.COMPETITOR, "already use"),
    ("We signed with another vendor last month.", IN.COMPETITOR, "signed with"),
    ("We're happy with our current provider.", IN.COMPETITOR, "happy with our"),
    ("We built our own tool in-house.", IN.COMPETITOR, "built our own"),
    # unsubscribe in words
    ("Please remove me from your list.", IN.UNSUBSCRIBE_REQUEST, "remove me"),
    ("Unsubscribe.", IN.UNSUBSCRIBE_REQUEST, "unsubscribe"),
    ("Stop emailing me.", IN.UNSUBSCRIBE_REQUEST, "stop emailing"),
    ("Take me off this mailing list, now.", IN.UNSUBSCRIBE_REQUEST, "take me off"),
    ("Not interested. Do not contact me again.", IN.UNSUBSCRIBE_REQUEST, "do not contact"),
    ("Don’t email me again.", IN.UNSUBSCRIBE_REQUEST, "don't email"),
    # out of office
    ("I am out of the office until 12 June with limited access to email.",
     IN.OUT_OF_OFFICE, "out of the office"),
    ("Automatic reply: I'm on vacation and will respond when I return.", IN.OUT_OF_OFFICE,
     "on vacation"),
    ("I'm on parental leave until March.", IN.OUT_OF_OFFICE, "on parental leave"),
    # other
    ("Who gave you my address?", IN.OTHER, None),
    ("Thanks.", IN.OTHER, None),
    ("Please do not remove me, I like these updates.", IN.OTHER, None),
    ("I would not like a call.", IN.OTHER, None),
]


@pytest.fixture(scope="module")
def classifier() -> RulesClassifier:
    return RulesClassifier()


def test_the_table_has_at_least_forty_replies_and_every_intent():
    assert len(REPLIES) >= 40
    assert {intent for _, intent, _ in REPLIES} == set(Intent)


@pytest.mark.parametrize(("text", "intent", "term"), REPLIES,
                         ids=[text[:40] for text, _, _ in REPLIES])
def test_reply(classifier, text, intent, term):
    result = classifier.classify(text)
    assert result.intent is intent, result
    assert (term in result.matched_terms) if term else result.matched_terms == ()
    assert (result.classifier, result.language) == ("rules-en-1", "en")


def test_quoted_text_and_headers_are_not_the_reply(classifier):
    reply = ("Sounds great, tell me more.\n\nOn Mon, 2 Jun 2025, Acme <hi@acme.test> wrote:\n"
             "> Unsubscribe: https://acme.test/u/abc\n> Stop receiving these emails")
    assert classifier.classify(reply).intent is Intent.INTERESTED
    outlook = "Interested!\n-----Original Message-----\nFrom: Acme\nremove me"
    assert classifier.classify(outlook).intent is Intent.INTERESTED
    only_quote = "> please remove me\n> unsubscribe"
    assert classifier.classify(only_quote).intent is Intent.OTHER


def test_priority_decides_between_intents(classifier):
    both = classifier.classify("Interested, but too expensive right now. Remove me anyway.")
    assert both.intent is Intent.UNSUBSCRIBE_REQUEST
    timing = classifier.classify("Interested, but not until next year.")
    assert timing.intent is Intent.NOT_NOW and timing.matched_terms == ("next year",)


def test_an_unknown_language_falls_back_to_english(classifier):
    assert classifier.classify("remove me", language="xx").language == "en"


def test_another_language_is_data_and_the_rules_are_a_classifier():
    german = Lexicon(language="de", negations=("nicht", "kein", "keine"),
                     phrases={Intent.UNSUBSCRIBE_REQUEST: ("abmelden", "austragen"),
                              Intent.INTERESTED: ("interessiert",)},
                     negated_as={Intent.INTERESTED: Intent.NEED})
    rules: Classifier = RulesClassifier({"en": ENGLISH, "de": german})
    assert rules.classify("Bitte austragen", language="de").intent is Intent.UNSUBSCRIBE_REQUEST
    negated = rules.classify("Ich bin nicht interessiert", language="de")
    assert (negated.intent, negated.matched_terms) == (Intent.NEED, ("nicht interessiert",))
    assert negated.classifier == "rules-de-1"


def test_a_huge_reply_is_read_up_to_the_limit(classifier):
    text = "blah " * 5000 + "remove me"
    assert classifier.classify(text).intent is Intent.OTHER
