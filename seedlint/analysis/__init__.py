"""Path analyses over a function's CFG: seed state, drift and witnesses."""
