"""The feedback ledger: what comes back about a person (bounces, complaints, replies,
unsubscribes and their reasons, notes), recorded once, with its effect on suppression and
consent."""
