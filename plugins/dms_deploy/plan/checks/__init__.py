"""The online checks: each judges a plan against observed AWS state (one module per id).

They live under `plan/` because they read the planner's analysis; the offline checks in
`dms_deploy.checks` judge configs alone and import nothing from here.
"""
