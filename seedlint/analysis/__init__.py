"""Analysis: a function's graph and its calls' targets → what happens to each RNG stream.

In: a function's CFG (`seedlint.cfg`) and the targets of its calls (`seedlint.resolve`).
Out: RNG events per call (`events`), interprocedural summaries of the project's functions
(`summaries`, to a fixed point, over the call graph's strongly connected components in
`graphs`; after an edit, from the last run's state, `incremental`; for a whole project,
`project`), the seed state at each draw (`dataflow`), arguments that decide a callee's
effect (`arguments`, `values`, `refine`) and witness paths (`witness`) that the checks
turn into findings."""
