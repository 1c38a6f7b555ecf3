"""A labelled corpus for the boilerplate rules BP-001..004, generated from the fixtures' gold records.

    python -m eval.bp_corpus [--out DIR]

writes eval/bp_corpus/: one ExtractionResult JSON per document (`<name>.json`, document.id = sha256 of the name),
labels.json (positives, hard negatives, ambiguous passages; eval/bp_labels.py) and README.md. Deterministic: one
fixed seed, no clock, no uuid; tests/test_bp_corpus.py regenerates it and compares with the committed files
(BUDGETLENS_UPDATE_GOLDEN=1 rewrites them, the flag tests/test_golden.py uses).

How it is made (the material: eval/bp_material.py and its pool eval/bp_pool.py; the fixed texts: eval/bp_texts.py;
the base year: eval/bp_plan.py; the earlier years: eval/bp_years.py; the records and their provenance:
eval/bp_records.py; the README: eval/bp_readme.py):
- The six departments of the seeds keep part of their own gold records (KEEP) as their base-year report; the rest
  is a pool from which eight invented departments are recombined (whole projects from different seeds, sections
  made of sentences from different seeds, the seed's names swapped for the department's) and from which rewritten
  text is drawn, each sentence once.
- Years: every earlier report is derived from the next one slot by slot: copied (years shifted, amounts refreshed
  in a final-accounts narrative), one short sentence rewritten (at most a tenth of the wording), half or more of
  the wording rewritten, rewritten; a project's 年度目标, 实际完成情况 and indicator set each copied, rewritten
  or revised (a third of the lines kept). An edit the pool cannot serve is done as a copy (counted in README).
- Planned copies between two departments (PLANNED), generic sentences in three or more (GENERIC_PLACES), standard
  text everywhere.
- Labels come from provenance (eval/bp_labels.py), never from running a rule.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any

from eval.bp_labels import Labels, Occurrence, derive
from eval.bp_plan import Builder
from eval.bp_readme import readme
from eval.bp_records import build
from eval.bp_texts import DEPTS
from eval.bp_years import EarlierYears
from extraction.passages import passages
from extraction.records import ExtractionResult

SEED = 20240611
ROOT = Path(__file__).resolve().parent
OUT = ROOT / "bp_corpus"


def generate() -> tuple[dict[str, ExtractionResult], Labels, list[str]]:
    """The documents (by file name), their labels and the generation log."""
    b = Builder(SEED)
    plans = b.bases()
    years = EarlierYears(b.rng, b.pool)
    chains = {d.key: [plans[d.key]] for d in DEPTS}
    for step in range(1, max(len(d.years) for d in DEPTS)):  # year by year, so the pool serves every department
        order = list(DEPTS)
        b.rng.shuffle(order)
        for d in order:
            if step < len(d.years):
                chains[d.key].append(years.earlier(chains[d.key][-1], d.years[-1 - step]))
    docs = [p for d in DEPTS for p in sorted(chains[d.key], key=lambda p: p.year)]
    results: dict[str, ExtractionResult] = {}
    occurrences: list[Occurrence] = []
    for plan in docs:
        res, occ = build(plan, b.alias)
        results[f"{plan.name}.json"] = res
        occurrences.extend(occ)
    log = [*b.log, f"pool sentences used: {dict(b.pool.taken)}; edits the pool could not serve (done as copies):"
                   f" {dict(sorted(years.dry.items()))}"]
    return results, derive(occurrences, b.within), log


def write(out: Path = OUT) -> dict[str, Any]:
    results, labels, log = generate()
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.json"):
        if old.name not in results and old.name != "labels.json":
            old.unlink()
    for name, res in results.items():
        (out / name).write_text(dump(res), encoding="utf-8")
    (out / "labels.json").write_text(json.dumps({"generator": "eval/bp_corpus.py", "seed": SEED,
                                                  **labels.as_json()}, ensure_ascii=False, indent=1) + "\n",
                                     encoding="utf-8")
    stats = summary(results, labels)
    (out / "README.md").write_text(readme(stats, log), encoding="utf-8")
    return stats


def dump(res: ExtractionResult) -> str:
    return json.dumps(json.loads(res.model_dump_json()), ensure_ascii=False, indent=1) + "\n"


def summary(results: dict[str, ExtractionResult], labels: Labels) -> dict[str, Any]:
    n_passages = sum(len(passages(r)) for r in results.values())
    positive_keys = {(p["document"], p["record"], p["path"]) for p in labels.positives}
    return {
        "documents": len(results),
        "departments": len({r.document.department for r in results.values()}),
        "passages": n_passages,
        "positives": dict(sorted(Counter(p["rule_id"] for p in labels.positives).items())),
        "units": dict(sorted(Counter(p["rule_id"] for p in {p["unit"]: p for p in labels.positives}.values())
                             .items())),
        "passages_without_positive": n_passages - len(positive_keys),
        "hard_negatives": dict(sorted(Counter(n["negative"] for n in labels.negatives).items())),
        "ambiguous": len(labels.ambiguous),
        "positive_edits": dict(sorted(Counter(f"{p['rule_id']} {p['edit']}" for p in labels.positives).items())),
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    stats = write(args.out)
    print(json.dumps(stats, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
