"""Publication figures (PNG + PDF) drawn from statistics and derived tables."""
