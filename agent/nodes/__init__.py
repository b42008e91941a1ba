"""Graph nodes: one plain function per file, each taking the state and the run config."""
