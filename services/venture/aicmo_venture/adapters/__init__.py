"""Storage and the other systems the venture service talks to."""
