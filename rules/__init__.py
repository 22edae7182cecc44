"""Built-in rule packs (TOML), shipped inside the wheel as seedlint.rules."""
