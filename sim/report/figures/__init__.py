"""One function per figure: each takes data and returns a matplotlib Figure."""
