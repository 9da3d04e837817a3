"""Figures, matplotlib only: one module per result family. Every function returns ``(fig, ax)``."""
