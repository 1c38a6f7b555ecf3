"""Scoring the boilerplate rules BP-001..004 against the labelled corpus (pure; labels: eval/bp_labels.py).

A finding is identified by (rule, document, record, path) of its first evidence — this report's passage; the
record is compared by its position prefix (`form[3]`, `section[7]`) so a renamed heading does not matter. The
other report it points at is named by its next evidence (`other:{document id}:{file name}:{record}`).

- True positive: the passage is labelled for that rule and the finding points at one of the label's `matches`
  (any document holding a copy of the same text counts, not only the one the generator copied from) or at no
  report at all. Several findings on one passage count once.
- False alarm: anything else — with the reason, for the diagnosis: `wrong match` (labelled, but the report it
  points at holds no copy), `labelled <rule>` (a copy, but another rule's), `near_miss` / `refilled` / `standard`
  / `generic_not_widespread` (a labelled hard negative), `unlabelled`.
- Left out: a finding on an ambiguous passage pointing at one of its ambiguous counterparts.
- Recall is per unit (a section labelled as a whole and its paragraphs are one unit): a unit is found when a true
  positive of its rule hits any of its passages.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from checks.model import Finding

RULES = ("BP-001", "BP-002", "BP-003", "BP-004")
Key = tuple[str, str, str, str]  # rule, document file, record prefix, path


def record_prefix(record: str) -> str:
    return record.split(":", 1)[0]


def other_document(record: str) -> str | None:
    """The other report an evidence record names: `other:{document id}:{file name}:{record}` → the document id;
    `other:{file name}:{record}` (the earlier form) → the file name. None for this report's own evidence."""
    if not record.startswith("other:"):
        return None
    parts = record.split(":", 3)
    return parts[1] if len(parts) > 2 else None


@dataclass
class RuleScore:
    rule_id: str
    labelled: int = 0  # units
    found: int = 0  # distinct passages reported
    tp: int = 0
    fp: int = 0
    fn: int = 0
    ignored: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return (self.labelled - self.fn) / self.labelled if self.labelled else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def summary(self) -> dict[str, Any]:
        return {"rule": self.rule_id, "labelled": self.labelled, "found": self.found, "tp": self.tp, "fp": self.fp,
                "fn": self.fn, "ignored": self.ignored, "precision": round(self.precision, 4),
                "recall": round(self.recall, 4), "f1": round(self.f1, 4)}


@dataclass
class BpScore:
    rules: dict[str, RuleScore] = field(default_factory=lambda: {r: RuleScore(r) for r in RULES})
    misses: list[dict[str, Any]] = field(default_factory=list)
    false_alarms: list[dict[str, Any]] = field(default_factory=list)

    def overall(self) -> RuleScore:
        total = RuleScore("ALL")
        for s in self.rules.values():
            for f in ("labelled", "found", "tp", "fp", "fn", "ignored"):
                setattr(total, f, getattr(total, f) + getattr(s, f))
        return total

    def summary(self) -> dict[str, Any]:
        return {"rules": [s.summary() for s in self.rules.values()], "overall": self.overall().summary(),
                "misses": self.misses, "false_alarms": self.false_alarms}


def _key(rule: str, doc: str, record: str, path: str) -> Key:
    return (rule, doc, record_prefix(record), path)


def score_findings(findings: Iterable[Finding], labels: Mapping[str, Any], files: Mapping[str, str]) -> BpScore:
    """Score BP findings against labels.json. `files` maps a document id (and a document file name, for evidence
    of the earlier `other:{file name}:…` form) to the corpus file, as the labels name them."""
    positives: dict[Key, dict[str, Any]] = {}
    by_passage: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for p in labels["positives"]:
        positives[_key(p["rule_id"], p["document"], p["record"], p["path"])] = p
        by_passage[(p["document"], record_prefix(p["record"]), p["path"])].append(p["rule_id"])
    negatives: dict[tuple[str, str, str], dict[str, Any]] = {}
    for n in labels["negatives"]:
        negatives.setdefault((n["document"], record_prefix(n["record"]), n["path"]), n)
    ambiguous: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for a in labels.get("ambiguous", []):
        ambiguous[(a["document"], record_prefix(a["record"]), a["path"])].update(a["counterparts"])
    units: dict[str, str] = {}  # unit → rule
    for p in labels["positives"]:
        if not p.get("optional"):
            units[p["unit"]] = p["rule_id"]

    out = BpScore()
    for rule in RULES:
        out.rules[rule].labelled = sum(1 for r in units.values() if r == rule)
    verdicts: dict[Key, tuple[str, dict[str, Any]]] = {}
    for f in findings:
        if f.rule_id not in out.rules or not f.evidence:
            continue
        ev = f.evidence[0]
        doc = files.get(f.document_id, f.document_id)
        key = _key(f.rule_id, doc, ev.record, ev.path)
        others = [files.get(o, o) for o in (other_document(e.record) for e in f.evidence[1:]) if o]
        verdict, info = _judge(key, others, positives, by_passage, negatives, ambiguous)
        info = {"rule_id": f.rule_id, "document": doc, "record": ev.record, "path": ev.path, "matched": others[:3],
                "message": f.message, **info}
        old = verdicts.get(key)
        if old is None or (old[0] != "tp" and verdict == "tp"):
            verdicts[key] = (verdict, info)

    found_units: set[str] = set()
    for key, (verdict, info) in verdicts.items():
        s = out.rules[key[0]]
        s.found += 1
        if verdict == "tp":
            s.tp += 1
            unit = positives[key]["unit"]
            if units.get(unit) == key[0]:
                found_units.add(unit)
        elif verdict == "ignored":
            s.ignored += 1
        else:
            s.fp += 1
            out.false_alarms.append(info)
    missed: set[str] = set()
    for p in labels["positives"]:
        if p.get("optional") or p["unit"] in found_units or p["unit"] in missed:
            continue
        missed.add(p["unit"])
        out.rules[p["rule_id"]].fn += 1
        out.misses.append({k: p[k] for k in ("rule_id", "document", "record", "path", "kind", "edit", "matches")
                           if k in p})
    out.false_alarms.sort(key=lambda d: (d["rule_id"], d["document"], d["record"], d["path"]))
    out.misses.sort(key=lambda d: (d["rule_id"], d["document"], d["record"], d["path"]))
    return out


def _judge(key: Key, others: list[str], positives: Mapping[Key, dict[str, Any]],
           by_passage: Mapping[tuple[str, str, str], list[str]],
           negatives: Mapping[tuple[str, str, str], dict[str, Any]],
           ambiguous: Mapping[tuple[str, str, str], set[str]]) -> tuple[str, dict[str, Any]]:
    passage = key[1:]
    label = positives.get(key)
    if label is not None:
        if not others or any(o in label["matches"] for o in others):
            return "tp", {}
        if any(o in ambiguous.get(passage, ()) for o in others):
            return "ignored", {}
        return "fp", {"reason": "wrong match", "label_matches": label["matches"][:5]}
    if others and any(o in ambiguous.get(passage, ()) for o in others):
        return "ignored", {}
    if passage in by_passage:
        return "fp", {"reason": f"labelled {'/'.join(sorted(by_passage[passage]))}"}
    neg = negatives.get(passage)
    if neg is not None:
        return "fp", {"reason": neg["negative"], "edit": neg.get("edit", ""),
                      "counterparts": neg.get("counterparts", [])[:5]}
    return "fp", {"reason": "unlabelled"}
