"""Task decomposition and swarm DAGs: decompose, dependencies, DAG, coordination."""
