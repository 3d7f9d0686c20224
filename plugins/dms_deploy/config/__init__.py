"""Load and validate configs into typed models."""
