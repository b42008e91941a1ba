"""What an eval run ran against: prompt file hashes and dataset versions."""

from __future__ import annotations

import hashlib
from pathlib import Path

PROMPTS = Path(__file__).resolve().parents[1] / "prompts"
DATASETS = Path(__file__).resolve().parent / "datasets"


def file_hash(path: Path) -> str:
    """Short sha256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def prompt_hashes() -> dict[str, str]:
    """Hash of every prompt file (YAML prompts and templates), keyed by path under prompts/."""
    files = sorted(p for p in PROMPTS.rglob("*") if p.suffix in (".yaml", ".yml", ".md", ".txt"))
    return {str(p.relative_to(PROMPTS)): file_hash(p) for p in files}


def dataset_version(name: str) -> str:
    """Hash of a dataset file under evals/datasets."""
    return file_hash(DATASETS / name)
