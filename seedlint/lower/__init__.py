"""Lower: a syntax tree → the compact module form the analysis works on.

In: a file's text. Out: a `ModuleIR` (`ir`): each function's control-flow graph with its
calls as `CallSite`s, callees as qualified names or value paths (`valuepaths`), made by
`lowering` (a large module in parts: its `skeleton`, then each function body apart,
reused while unchanged: `parts`) in worker processes (`workers`, kept safe by
`supervisor` and `watcher`) and handed on as a `ModuleIndex` plus a spill file."""
