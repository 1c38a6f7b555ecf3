"""The LLM tier: schema-constrained extraction behind a provider registry, grounded to the page (DESIGN.md, "LLM use")."""
