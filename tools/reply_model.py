"""The trained reply classifier: TF-IDF word and character n-grams into logistic regression.

Training is deterministic (sorted data, fixed solver settings). The fitted model is cached with
joblib under `<cache_dir>/models/`, keyed by a hash of the training file, CODE_VERSION (a hash of
the modules that turn a reply into features) and the scikit-learn version, so a changed data file
or a changed reply splitter retrains on the next call. Cache files are pickles:
only point `cache_dir` at a directory this process owns.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import joblib
import numpy as np
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from threadpoolctl import threadpool_limits

from tools.reply_schema import LABELS
from tools.reply_text import reply_subject, split_reply

# The code that shapes the features: a change to any of these retrains the cached model.
_FEATURE_SOURCES = ("reply_model.py", "reply_text.py", "reply_markers.py")
CODE_VERSION = (
    "reply-model-"
    + hashlib.sha256(
        b"".join((Path(__file__).parent / name).read_bytes() for name in _FEATURE_SOURCES)
    ).hexdigest()[:12]
)
DEFAULT_DATA = Path(__file__).resolve().parent / "data" / "reply_training.jsonl"

_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+\.(?:com|io|net|org)/\S*")
_DIGITS = re.compile(r"\d+")


def model_text(subject: str, body: str) -> str:
    """Return the normalised text the model reads: auto-subject plus new text, slots masked."""
    text = f"{reply_subject(subject)}\n{split_reply(body).new_text}".strip().lower()
    text = _EMAIL.sub(" xemailx ", text)
    text = _URL.sub(" xurlx ", text)
    return _DIGITS.sub("0", text)


def default_cache_dir() -> Path:
    """Return $NURTURE_HOME, or ./.nurture when it is unset."""
    return Path(os.environ.get("NURTURE_HOME") or ".nurture")


def data_version(data_path: Path) -> str:
    """Return the sha256 of the training file's bytes."""
    return hashlib.sha256(Path(data_path).read_bytes()).hexdigest()


@dataclass
class ReplyModel:
    """A fitted pipeline plus the versions it was built from."""

    pipeline: Pipeline
    data_version: str
    code_version: str
    n_examples: int

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        """Return an (n, 11) array of probabilities, columns in LABELS order."""
        if not texts:
            return np.zeros((0, len(LABELS)))
        raw = self.pipeline.predict_proba(texts)
        out = np.zeros((len(texts), len(LABELS)))
        for column, label in enumerate(self.pipeline.classes_):
            out[:, LABELS.index(label)] = raw[:, column]
        return out


def load_training(data_path: Path) -> list[tuple[str, str]]:
    """Return (model text, label) pairs from a JSONL file, sorted so training order is fixed."""
    pairs = []
    for line in Path(data_path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            pairs.append((model_text(row.get("subject", ""), row["body"]), row["label"]))
    return sorted(pairs, key=lambda pair: (pair[1], pair[0]))


def build_pipeline() -> Pipeline:
    """Return the untrained feature + classifier pipeline."""
    features = FeatureUnion(
        [
            (
                "words",
                TfidfVectorizer(
                    ngram_range=(1, 2),
                    sublinear_tf=True,
                    min_df=1,
                    token_pattern=r"(?u)\b\w[\w']*\b|[?¿!]",
                    dtype=np.float32,
                ),
            ),
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=(2, 5),
                    sublinear_tf=True,
                    min_df=2,
                    dtype=np.float32,
                ),
            ),
        ]
    )
    classifier = LogisticRegression(C=20.0, max_iter=3000, class_weight="balanced", tol=1e-4)
    return Pipeline([("features", features), ("classifier", classifier)])


def train(data_path: Path = DEFAULT_DATA) -> ReplyModel:
    """Fit a model on the training file (no caching)."""
    pairs = load_training(data_path)
    pipeline = build_pipeline()
    # One BLAS thread: lbfgs on this small problem is 3x slower when threads oversubscribe.
    with threadpool_limits(limits=1):
        pipeline.fit([text for text, _ in pairs], [label for _, label in pairs])
    return ReplyModel(pipeline, data_version(data_path), CODE_VERSION, len(pairs))


def _cache_key(version: str) -> str:
    seed = f"{version}:{CODE_VERSION}:{sklearn.__version__}"
    return hashlib.sha256(seed.encode()).hexdigest()[:20]


def _load_or_train(data_path: Path, cache_dir: Path) -> ReplyModel:
    version = data_version(data_path)
    model_dir = cache_dir / "models"
    target = model_dir / f"reply_model-{_cache_key(version)}.joblib"
    if target.exists():
        try:
            model = joblib.load(target)
            if isinstance(model, ReplyModel) and model.data_version == version:
                return model
        except Exception:
            pass
    model = train(data_path)
    model_dir.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".tmp{os.getpid()}")
    joblib.dump(model, tmp)
    os.replace(tmp, target)
    meta = {
        "data_version": version,
        "code_version": CODE_VERSION,
        "n_examples": model.n_examples,
        "data_path": str(data_path),
        "sklearn": sklearn.__version__,
    }
    target.with_suffix(".json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    _prune_stale(model_dir, data_path, keep=target.stem)
    return model


def _prune_stale(model_dir: Path, data_path: Path, keep: str) -> None:
    """Delete older models trained from the same data file (other data files are left alone)."""
    for sidecar in model_dir.glob("reply_model-*.json"):
        try:
            meta = json.loads(sidecar.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if sidecar.stem != keep and meta.get("data_path") == str(data_path):
            sidecar.with_suffix(".joblib").unlink(missing_ok=True)
            sidecar.unlink(missing_ok=True)


_LOCK = threading.Lock()
_MEMORY: dict[tuple[str, str], tuple[tuple[int, int], ReplyModel]] = {}


def get_model(data_path: Path | None = None, cache_dir: Path | None = None) -> ReplyModel:
    """Return the model for this training file: from memory, else the disk cache, else trained."""
    data_path = Path(data_path or DEFAULT_DATA).resolve()
    cache_dir = Path(cache_dir or default_cache_dir()).resolve()
    stat = data_path.stat()
    signature = (stat.st_mtime_ns, stat.st_size)
    key = (str(data_path), str(cache_dir))
    cached = _MEMORY.get(key)
    if cached and cached[0] == signature:
        return cached[1]
    with _LOCK:
        cached = _MEMORY.get(key)
        if cached and cached[0] == signature:
            return cached[1]
        model = _load_or_train(data_path, cache_dir)
        _MEMORY[key] = (signature, model)
        return model
