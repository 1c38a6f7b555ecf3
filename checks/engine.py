"""Run the registered rules over one document's records, with the YAML configuration applied."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

import checks.rules_bp  # noqa: F401  (boilerplate / copy-paste against the corpus of past reports)
import checks.rules_extraction  # noqa: F401  (extraction disagreements found by the LLM cross-check)
import checks.rules_fa  # noqa: F401  (registers the final-accounts rules)
import checks.rules_fa_codes  # noqa: F401  (科目编码 vs 名称 against the shipped list)
import checks.rules_fa_cross  # noqa: F401  (registers the cross-table rules)
import checks.rules_fa_groups  # noqa: F401
import checks.rules_fa_rows  # noqa: F401
import checks.rules_fa_text  # noqa: F401
import checks.rules_report  # noqa: F401  (registers the report-level rules)
import checks.rules_se  # noqa: F401  (registers the self-evaluation rules)
import checks.rules_se_more  # noqa: F401
import checks.rules_se_text  # noqa: F401
from checks.corpus import CorpusQuery
from checks.model import Finding
from checks.registry import REGISTRY
from checks.view import DocView
from extraction.errors import ConfigError
from extraction.records import ExtractionResult

DEFAULT_CONFIG = Path(__file__).with_name("default_rules.yaml")


@dataclass
class Config:
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)
    risk_weights: dict[str, float] = field(default_factory=lambda: {"error": 10, "warning": 3, "info": 0})


def load_config(override: Path | None = None) -> Config:
    """The shipped defaults, then the user's file on top (rule by rule, key by key)."""
    data = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8")) or {}
    if override is not None:
        try:
            user = yaml.safe_load(override.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"cannot read the rule configuration {override}: {exc}") from exc
        for rid, conf in (user.get("rules") or {}).items():
            if rid not in REGISTRY:
                raise ConfigError(f"{override}: unknown rule {rid}; known rules: {', '.join(sorted(REGISTRY))}")
            data.setdefault("rules", {}).setdefault(rid, {}).update(conf or {})
        data["risk_weights"] = {**data.get("risk_weights", {}), **(user.get("risk_weights") or {})}
    return Config(rules=data.get("rules", {}), risk_weights=data.get("risk_weights", {}))


def effective_params(config: Config) -> dict[str, dict[str, Any]]:
    """Every enabled rule's parameters: the registry defaults with the configuration on top."""
    out = {}
    for rid, r in REGISTRY.items():
        conf = config.rules.get(rid, {})
        if conf.get("enabled", True):
            out[rid] = {**r.params, **{k: v for k, v in conf.items() if k not in ("enabled", "severity")}}
    return out


def run_checks(result: ExtractionResult, config: Config | None = None,
               corpus: CorpusQuery | None = None) -> list[Finding]:
    """All enabled rules over one document. `corpus` (past reports, e.g. vectorstore's) feeds the boilerplate rules
    BP-001..004; without it they report nothing."""
    config = config or load_config()
    enabled = effective_params(config)
    doc = DocView(result, corpus=corpus, rule_params=enabled)
    out: list[Finding] = []
    for rid, r in sorted(REGISTRY.items()):
        if rid not in enabled:
            continue
        conf = config.rules.get(rid, {})
        params = enabled[rid]
        override = conf.get("severity") if conf.get("severity") != r.severity else None
        for f in r.fn(doc, params):
            if override and f.severity != "info":
                f.severity = override  # the user re-rated the rule; a rule's own grading stands otherwise
            f.document_id = result.document.id
            out.append(f.with_fingerprint())
    return out


def risk_score(findings: list[Finding], config: Config | None = None) -> float:
    """Σ weight[severity]: errors dominate, warnings add up, info (rounding) does not rank a report."""
    weights = (config or load_config()).risk_weights
    return sum(float(weights.get(f.severity, 0)) for f in findings)
