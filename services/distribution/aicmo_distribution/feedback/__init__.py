"""What happens to sent messages: delivery events from the edge recorded on their sends, and
their effect on people carried to leads through the feedback outbox."""
