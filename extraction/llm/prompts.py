"""Load the versioned prompt templates in prompts/ and give each its reference `id@version:hash`."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

import yaml

from extraction.errors import ConfigError


@dataclass(frozen=True, slots=True)
class PromptTemplate:
    id: str
    version: int
    system: str
    user: str
    examples: tuple[tuple[str, str], ...]  # (input text, output JSON)

    @property
    def hash(self) -> str:
        body = json.dumps([self.system, self.user, self.examples], ensure_ascii=False)
        return hashlib.sha256(body.encode()).hexdigest()[:12]

    @property
    def ref(self) -> str:
        """What every LLM-made `Source` carries, so a value can be traced to the exact prompt text."""
        return f"{self.id}@{self.version}:{self.hash}"

    def render(self, **values: str) -> str:
        try:
            return self.user.format(**values)
        except KeyError as exc:
            raise ConfigError(f"prompt {self.id}: no value for placeholder {exc}") from None


@cache
def load_prompt(name: str) -> PromptTemplate:
    try:
        text = files("prompts").joinpath(f"{name}.yaml").read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"no prompt template prompts/{name}.yaml; is the installation complete?") from None
    raw: dict[str, Any] = yaml.safe_load(text)
    examples = tuple((str(e["input"]).strip(), json.dumps(e["output"], ensure_ascii=False))
                     for e in raw.get("examples") or [])
    return PromptTemplate(id=str(raw["id"]), version=int(raw["version"]), system=str(raw["system"]).strip(),
                          user=str(raw["user"]), examples=examples)
