"""The rule registry: one rule = one small pure function + its metadata (DESIGN.md, "Checks")."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from checks.model import Finding, Severity

RuleFn = Callable[[Any, dict[str, Any]], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    family: str
    severity: Severity
    applies_to: tuple[str, ...]
    fn: RuleFn
    params: dict[str, Any] = field(default_factory=dict)
    explanation: str = ""


REGISTRY: dict[str, Rule] = {}


def rule(id: str, title: str, family: str, severity: Severity, applies_to: tuple[str, ...],
         **params: Any) -> Callable[[RuleFn], RuleFn]:
    """Register a rule; its docstring is the explanation shown to the reviewer."""

    def deco(fn: RuleFn) -> RuleFn:
        if id in REGISTRY:
            raise ValueError(f"rule {id} registered twice")
        REGISTRY[id] = Rule(id, title, family, severity, applies_to, fn, dict(params), (fn.__doc__ or "").strip())
        return fn

    return deco
