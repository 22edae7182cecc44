"""Report: findings → diagnostics placed in files → text, JSON, SARIF or GitHub output.

In: `Finding`s (a call site and a message) from the checks. Out: `Diagnostic`s with line
and column (`positions`), filtered by `# noqa` (`noqa`), rendered by one module per format
(`formats`), and the rules' documentation (`rule_docs`)."""
