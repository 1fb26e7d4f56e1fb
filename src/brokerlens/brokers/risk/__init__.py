"""Broker risk monitoring (issue 19 part E, seed 004): flags for a broker whose customers leave
or lose far more than their branch's, whose book's trading is unusually concentrated in one
security, or who sells high-risk products to low-risk customers far more than their branch;
each explained in words like an alert, thresholds in `thresholds.yaml`."""
