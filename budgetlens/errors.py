"""Re-export of the error tree so that callers of the composition root need one import."""

from extraction.errors import (  # noqa: F401
    BudgetlensError,
    ConfigError,
    CorruptPdfError,
    EmptyFileError,
    EncryptedPdfError,
    InputError,
    LlmError,
    NoTextLayerError,
    NotPdfError,
)
