"""Benchmarks: generated rosters of given sizes, the planner against a greedy and two per-option baselines."""
