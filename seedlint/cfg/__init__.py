"""CFG: a function body → its control-flow graph of basic blocks.

In: a libcst function body. Out: a `CFG` (`model`) built by `build.build_cfg`, compacted to
the blocks that hold calls (`compact`), with dominators (`dominators`). Only `build` needs
libcst at run time, and only the workers that parse import it."""
