"""Versioned prompt templates (data, not code): one YAML file per task; see extraction/llm/prompts.py."""
