"""The drift watch: what live AWS shows between deploys that nobody deployed. Read-only."""
