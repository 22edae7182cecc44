"""Runtime: `seedlint confirm` runs the checked code with the real mlx or torch.

In: the static findings of one function (through the engine). Out: for each draw site a
verdict, measured in a sandboxed child process (`sandbox`, `child`) on a tiny model
(`models`), with the inputs the planner chose (`plan`, `sites`) and one backend per
framework (`backends`). The only part of seedlint that executes checked code."""
