"""manifest-planner: charter flight manifests under destination acceptance rules."""
