"""The shipped model (model.joblib + manifest.json), installed as ``fraudwarn.shipped``."""
