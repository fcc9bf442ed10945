"""Campaign reports: the proof of what a campaign captured, sent, blocked and earned."""
