"""The one error tree. Messages say what happened and what the user can do about it.

Lives in `extraction` because every other package may import it (DESIGN.md import rules).
"""

from __future__ import annotations

from pathlib import Path


class BudgetlensError(Exception):
    """Base of every error budgetlens raises on purpose."""

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InputError(BudgetlensError):
    """A file we cannot read as a disclosure; tied to its path and, where known, page."""

    code = "input_error"

    def __init__(self, message: str, path: str | Path | None = None, page: int | None = None) -> None:
        where = f"{path}" if path is not None else ""
        if page is not None:
            where += f" (page {page})"
        super().__init__(f"{where}: {message}" if where else message)
        self.path = str(path) if path is not None else None
        self.page = page


class EmptyFileError(InputError):
    code = "empty_file"


class NotPdfError(InputError):
    code = "not_pdf"


class CorruptPdfError(InputError):
    code = "corrupt_pdf"


class EncryptedPdfError(InputError):
    code = "encrypted_pdf"


class NoTextLayerError(InputError):
    code = "no_text_layer"


class ConfigError(BudgetlensError):
    code = "config_error"


class LlmError(BudgetlensError):
    code = "llm_error"

    def __init__(self, message: str, provider: str | None = None) -> None:
        super().__init__(f"[{provider}] {message}" if provider else message)
        self.provider = provider


class LlmUnavailableError(LlmError):
    """The endpoint did not answer (down, refused, timed out, 5xx after retries)."""

    code = "llm_unavailable"


class LlmOutputError(LlmError):
    """The reply was not JSON, or did not validate against the task's schema, even after the repair retry."""

    code = "llm_invalid_output"


class LlmTruncatedError(LlmOutputError):
    """The reply stopped at max_tokens (finish_reason "length"): a cut-off JSON is never repaired into data."""

    code = "llm_truncated"


class LlmModeError(LlmError):
    """The endpoint refused the structured-output mode we asked for (e.g. json_schema on llama-cpp-python)."""

    code = "llm_mode_unsupported"


class CorpusError(BudgetlensError):
    """The corpus of past reports (vectorstore/) cannot answer: what is wrong and what to do."""

    code = "corpus_error"


class CorpusUnavailableError(CorpusError):
    """The ChromaDB server (BUDGETLENS_CHROMA_URL) or the corpus directory cannot be reached or opened."""

    code = "corpus_unavailable"


class EmbeddingMismatchError(CorpusError):
    """The corpus was built with another embedding than the settings ask for: its vectors cannot be compared."""

    code = "embedding_mismatch"


class EmbeddingError(CorpusError):
    """The embeddings endpoint answered, but not with one vector per text (HTTP error, not JSON, wrong shape)."""

    code = "embedding_error"


class EmbeddingUnavailableError(EmbeddingError):
    """The embeddings endpoint did not answer (down, refused, timed out)."""

    code = "embedding_unavailable"
