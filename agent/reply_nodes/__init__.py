"""Reply-graph nodes: plain functions of the state and the run config, one job each."""
