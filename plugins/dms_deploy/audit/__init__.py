"""The audit ledger: one JSON record per run of `dms_deploy`, under `<folder>/deployments/`.

`record` builds a record from what a run left behind (pure), `markdown` shows records to a
person (pure), and `ledger` writes, lists and reads them in S3.
"""
