"""Runtime: `seedlint confirm` runs the checked code with the real mlx or torch.

In: the static findings of one function (through the engine). Out: for each draw site a
verdict, measured in a sandboxed child process (`sandbox`, `child`) on a tiny model
(`models`, grown to what the code reads: `accesses`, `growth`), with the inputs the
planner chose (`plan`, `sites`; witness conditions located in `conditions`, sliced back
to the parameters in `slicing`) and found by a search guided by what each run did
(`search`, `watch`, `trials`, `runner`, `verdicts`), one backend per framework
(`backends`). The only part of seedlint that executes checked code."""
