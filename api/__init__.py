"""HTTP service for planning jobs (to come: see the planning service issue)."""
