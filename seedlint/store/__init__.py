"""Store: what seedlint keeps on disk, in one serialisation (`codec`: data only, verified).

In: module indexes, spilled function graphs and summaries. Out: the symbol table
(`symbols`, SQLite, with a Bloom filter over names in `namefilter`; one per project,
filled as files arrive, in `projects`), function graphs read back one at a time
(`spill`), one modelling round's summaries (`summary_table`, which also takes an earlier
run's rows), the content-addressed cache across runs (`cache`, kept under a size limit),
what a run of a project leaves for the next one in that cache as SQLite files (`state`,
the summary table's rows; `resident`, the symbol tables; both through `databases`), and
bounded in-memory memos (`memo`)."""
