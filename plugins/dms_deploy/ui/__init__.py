"""The plan of a run, readable in the Airflow UI (registered by plugins/dms_deploy_ui.py).

`plan_page` turns what check_state recorded into one HTML page; `app` serves it inside the
API server, behind Airflow's own authentication.
"""
