"""Results: writing a run directory and reading it back."""
