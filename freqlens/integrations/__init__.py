"""Adapters that run freqlens trackers inside other training frameworks (optional extras)."""
