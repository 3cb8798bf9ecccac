#!/usr/bin/env bash
# Entry point of the InfluxDB image (Dockerfile next to this file).
# INFLUX_RUNTIME unset or host: the official entrypoint, unchanged (the EC2 host runs the bootstrap
# itself, outside the container). INFLUX_RUNTIME=container (the EFS variant's ECS task): start
# influxd through the official entrypoint, run the token bootstrap against it, then stay with
# influxd. A failed bootstrap stops the task, so ECS replaces it and the service events show it;
# the bootstrap: lines are in the task's log group.
set -uo pipefail

OFFICIAL_ENTRYPOINT=${OFFICIAL_ENTRYPOINT:-/entrypoint.sh}
BOOTSTRAP=${BOOTSTRAP:-/usr/local/bin/influx-bootstrap.sh}

if [[ ${INFLUX_RUNTIME:-host} != container ]]; then
  exec "$OFFICIAL_ENTRYPOINT" "$@"
fi

"$OFFICIAL_ENTRYPOINT" "$@" &
influxd_pid=$!
# ECS stops a task with SIGTERM: pass it on, so influxd closes its files cleanly.
trap 'kill -TERM "$influxd_pid" 2>/dev/null' TERM INT

if ! "$BOOTSTRAP"; then
  echo "entrypoint: the token bootstrap failed (bootstrap: lines above); stopping InfluxDB" >&2
  kill -TERM "$influxd_pid" 2>/dev/null
  wait "$influxd_pid"
  exit 1
fi

wait "$influxd_pid"
rc=$?
# A trapped signal ends `wait` early; wait again for influxd's own exit status.
while kill -0 "$influxd_pid" 2>/dev/null; do
  wait "$influxd_pid"
  rc=$?
done
exit "$rc"
