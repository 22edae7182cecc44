"""Runtime confirmation with the real mlx / mlx-lm: only through `seedlint confirm`."""
