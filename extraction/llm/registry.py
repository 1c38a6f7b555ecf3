"""Providers behind a name, so that settings (and tests) pick a backend without importing it."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

from extraction.errors import ConfigError
from extraction.llm.types import Backend

Factory = Callable[..., Backend]
_PROVIDERS: dict[str, Factory] = {}
_BUILTIN = {"openai": "extraction.llm.openai_compat"}


def register(name: str) -> Callable[[Factory], Factory]:
    def deco(factory: Factory) -> Factory:
        _PROVIDERS[name] = factory
        return factory
    return deco


def create(name: str, **settings: Any) -> Backend:
    if name not in _PROVIDERS and name in _BUILTIN:
        import_module(_BUILTIN[name])
    try:
        factory = _PROVIDERS[name]
    except KeyError:
        raise ConfigError(f"unknown LLM provider {name!r}; known: {', '.join(sorted({*_PROVIDERS, *_BUILTIN}))}") from None
    return factory(**settings)


def providers() -> list[str]:
    return sorted({*_PROVIDERS, *_BUILTIN})
