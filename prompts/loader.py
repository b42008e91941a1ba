"""Strict loading and rendering of the versioned YAML prompt files in prompts/."""

from __future__ import annotations

import hashlib
import re
import string
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

PROMPTS_DIR = Path(__file__).resolve().parent
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_DATA_TAG = re.compile(r"</([A-Za-z_][\w-]*)>")


class PromptError(ValueError):
    """A prompt file is malformed, or a render call does not match its variables."""


def template_variables(template: str) -> list[str]:
    """The {variables} a template uses, in first-use order; {{ and }} are literal braces."""
    names: list[str] = []
    for _, field, spec, conversion in string.Formatter().parse(template):
        if field is None:
            continue
        if not field.isidentifier() or spec or conversion:
            raise PromptError(f"'{{{field}}}' must be a plain {{name}}: no index, format or !r")
        if field not in names:
            names.append(field)
    return names


class Prompt(BaseModel):
    """One prompt file: static system instructions first, then a user template with {variables}."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=_NAME.pattern)
    version: int = Field(ge=1)
    description: str = Field(min_length=1)
    system: str = Field(min_length=1)
    user: str = Field(min_length=1)

    @field_validator("system")
    @classmethod
    def _system_is_static(cls, value: str) -> str:
        """No variables in the system part: they would defeat provider prompt caching."""
        if template_variables(value):
            raise ValueError("system must be static: put {variables} in the user template")
        return value

    @field_validator("user")
    @classmethod
    def _user_parses(cls, value: str) -> str:
        """Fail at load time, not at first render, on a malformed template."""
        template_variables(value)
        return value

    @property
    def variables(self) -> list[str]:
        """The variable names the user template needs."""
        return template_variables(self.user)

    def render_user(self, **values: object) -> str:
        """Fill the user template; missing or unused variables raise PromptError.

        A value cannot close the data block it sits in: the template's own tags (e.g. </reply>)
        are neutralized inside values, so untrusted text stays inside its block.
        """
        needed = set(self.variables)
        missing = sorted(needed - values.keys())
        unused = sorted(values.keys() - needed)
        if missing:
            raise PromptError(f"prompt '{self.name}' is missing variables: {', '.join(missing)}")
        if unused:
            raise PromptError(f"prompt '{self.name}' got unused variables: {', '.join(unused)}")
        tags = set(_DATA_TAG.findall(self.user))
        safe = {key: _neutralize(str(value), tags) for key, value in values.items()}
        return self.user.format(**safe)

    def messages(self, **values: object) -> list[dict]:
        """Chat messages: the static system prompt first (cacheable), then the user turn."""
        return [
            {"role": "system", "content": self.system},
            {"role": "user", "content": self.render_user(**values)},
        ]


def _neutralize(value: str, tags: set[str]) -> str:
    """Escape `<tag` and `</tag` for the template's data-block tags so a value cannot break out."""
    if not tags:
        return value
    pattern = re.compile(r"<(/?)(" + "|".join(map(re.escape, sorted(tags))) + r")\b", re.I)
    return pattern.sub(lambda m: f"&lt;{m.group(1)}{m.group(2)}", value)


def prompt_path(name: str, directory: Path | None = None) -> Path:
    """The YAML file of a prompt name (names are lower_snake_case, never paths)."""
    if not _NAME.match(name):
        raise PromptError(f"invalid prompt name {name!r}")
    return (directory or PROMPTS_DIR) / f"{name}.yaml"


def prompt_hash(name: str, directory: Path | None = None) -> str:
    """sha256 hex digest of the prompt file's bytes, read now (eval runs record it)."""
    return hashlib.sha256(prompt_path(name, directory).read_bytes()).hexdigest()


def parse_prompt(raw: bytes, name: str) -> Prompt:
    """Validate YAML bytes as a Prompt whose `name` matches its file name."""
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise PromptError(f"prompt '{name}' is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise PromptError(f"prompt '{name}' must be a mapping of name/version/description/...")
    try:
        prompt = Prompt.model_validate(data)
    except ValidationError as exc:
        raise PromptError(f"prompt '{name}' is invalid:\n{exc}") from exc
    if prompt.name != name:
        raise PromptError(f"prompt file '{name}.yaml' declares name '{prompt.name}'")
    return prompt


@lru_cache(maxsize=64)
def load_prompt(name: str, directory: Path | None = None) -> Prompt:
    """Load and validate a prompt once per process (call load_prompt.cache_clear() to reload)."""
    path = prompt_path(name, directory)
    if not path.is_file():
        raise PromptError(f"no prompt file {path}")
    return parse_prompt(path.read_bytes(), name)
