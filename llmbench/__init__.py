"""llmbench: compare, score, rank and route LLMs."""
