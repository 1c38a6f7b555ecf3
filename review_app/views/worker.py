"""The upload worker: `python -m review_app.views.worker <store-url> <job-id>…` processes queued uploads one after
the other. A separate process, not a thread: PyMuPDF is not thread-safe (the app renders pages meanwhile), extraction
is CPU-bound (a thread would stall the app under the GIL), and an upload survives the browser tab closing."""

from __future__ import annotations

import sys

from budgetlens.intake import run_job
from budgetlens.settings import get_settings
from budgetlens.store import Store


def work(url: str, job_ids: list[int]) -> int:
    """Run each job; a job that fails is recorded as failed by run_job itself, the next one still runs."""
    store, settings = Store(url), get_settings()
    try:
        for job_id in job_ids:
            run_job(store, job_id, settings)
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(work(sys.argv[1], [int(a) for a in sys.argv[2:]]))
