# The official Airflow image plus what dms-deploy needs, at the versions our tests pin.
#
# requirements.txt is the full pinned set, apache-airflow included. Installing it whole
# would move packages the image's other providers (celery, postgres, redis...) were built
# against. So only the names in deploy/airflow/image-requirements.txt are installed,
# with requirements.txt as a constraints file: each package we add or upgrade is exactly the
# version our tests ran, and apache-airflow is held at the image's own version.
ARG AIRFLOW_VERSION=3.3.2

FROM apache/airflow:${AIRFLOW_VERSION} AS airflow
ARG AIRFLOW_VERSION
COPY requirements.txt deploy/airflow/image-requirements.txt /tmp/dms-deploy/
RUN pip install --no-cache-dir \
      "apache-airflow==${AIRFLOW_VERSION}" \
      -r /tmp/dms-deploy/image-requirements.txt \
      -c /tmp/dms-deploy/requirements.txt

# The optional sandbox service (docker compose --profile sandbox): moto on top.
FROM airflow AS sandbox
ARG AIRFLOW_VERSION
COPY deploy/airflow/sandbox-requirements.txt /tmp/dms-deploy/
RUN pip install --no-cache-dir \
      "apache-airflow==${AIRFLOW_VERSION}" \
      -r /tmp/dms-deploy/sandbox-requirements.txt \
      -c /tmp/dms-deploy/requirements.txt
