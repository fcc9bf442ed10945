"""The HTTP edge: hosted lead forms, JSON lead capture and one-click unsubscribe."""
