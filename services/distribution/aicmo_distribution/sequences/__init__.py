"""Sequences: a campaign's ordered steps with waits in business time and branches on what the
person answered (``definition``), stored in versions (``store``), read and changed through
DistributionService (``service``, ``endpoint``)."""
