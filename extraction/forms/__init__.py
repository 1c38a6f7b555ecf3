"""Performance self-evaluation forms (绩效自评表) and scoring tables: from ruled grids to records (pure)."""
