"""Compatibility re-exports for branches written before :mod:`freqlens.inference` and :mod:`freqlens.validation`.

Nothing is defined here: forward passes, predictions, accuracy and data gathering live in
:mod:`freqlens.inference`; input checks in :mod:`freqlens.validation`. Import from there.
"""
from __future__ import annotations

from freqlens.inference import NormalizeArg, accuracy, forward_logits, gather, predict_labels
from freqlens.validation import check_images, check_labels_fit

__all__ = ["NormalizeArg", "accuracy", "forward_logits", "gather", "predict_labels", "check_images",
           "check_labels_fit"]
