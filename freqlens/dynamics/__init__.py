"""Observe training: trackers usable as :func:`freqlens.train.fit` callbacks or as plain functions."""
