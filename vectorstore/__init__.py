"""The corpus of past reports: passages of indexed documents in ChromaDB, for the boilerplate rules (BP-…).

`open_corpus(settings)` → `Corpus` (`index`, `search`, `remove`, `documents`, `document_count`); embeddings in
`vectorstore.embedding` (`HashingEmbedding` offline by default, `OpenAIEmbedding` for bge-m3 behind Ollama/vLLM).
"""

from vectorstore.corpus import Corpus, IndexedDocument, open_corpus
from vectorstore.embedding import HashingEmbedding, OpenAIEmbedding, make_embedding

__all__ = ["Corpus", "HashingEmbedding", "IndexedDocument", "OpenAIEmbedding", "make_embedding", "open_corpus"]
