"""Selection over the catalog: strategies, budgets, explanations, queries."""
