"""Reports: figures, a self-contained HTML page and a PDF for a run directory, and diffs."""
