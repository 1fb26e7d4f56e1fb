"""Each staff member's and unit's book as of T (issue 19 part E): customers by tier, the asset
trend, customers gained, lost and closed, service contacts by purpose and result. Precomputed
by the run step "staff book" so a staff or unit page reads a few rows of one small file."""
