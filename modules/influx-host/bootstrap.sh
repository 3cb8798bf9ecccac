#!/usr/bin/env bash
# InfluxDB host bootstrap. Runs from EC2 user data on the first boot, installs itself as a
# cloud-init per-boot script, and is safe to run again at any time (operators: see
# help/troubleshooting-influx.md). Every step logs `bootstrap: <step>: ...`; a failure ends with
# `bootstrap: FAILED at step <step>` and a non-zero exit.
#
# Inputs: environment variables. The Terraform template writes user data as `#!/usr/bin/env bash`,
# then one `export NAME='value'` line per input, then this file unchanged (not through
# templatefile, whose ${} would clash with bash), gzipped (base64gzip: the file is over EC2's 16 KB
# user data limit; cloud-init unpacks it). The header holds names and ids only: no token or
# password ever passes through user data.
#
#   required
#     VOLUME_ID            EBS volume id of the data volume (vol-0123...); host runtime only
#     AWS_REGION           region of the secrets, ECR and CloudWatch Logs
#     INFLUX_IMAGE         pinned image, <repo url>:<tag>
#     INFLUX_ORG           organization created by setup
#     INFLUX_BUCKETS       space-separated buckets, each `name` or `name:retention`; the first is
#                          the setup bucket. Names: letters, digits, '.', '_', '-'.
#     INFLUX_RETENTION     retention for buckets without their own: 0 (infinite) or a duration
#                          such as 30d, 72h, 1w, 1d12h (at least 1h)
#     ADMIN_SECRET_ID      Secrets Manager id (name or ARN) of the admin token secret
#     READ_SECRET_ID       ... of the read-only token secret
#     WRITE_SECRET_ID      ... of the write-only token secret
#   optional
#     INFLUX_RUNTIME       host (default): everything below on an EC2 host. container: inside the
#                          InfluxDB container of the EFS variant (ECS mounts the data, influxd is
#                          already starting): only the health, setup, bucket and token steps, with
#                          the influx CLI run directly
#     DEVICE_NAME          attachment device name, fallback when the NVMe id link is missing (/dev/sdf)
#     MOUNT_POINT          where the volume is mounted (/srv/influxdb); data lives in <MOUNT_POINT>/influxdb
#     ECR_REGISTRY         registry to log in to (default: the host part of INFLUX_IMAGE)
#     INFLUX_PORT          host port InfluxDB is published on (8086; the container listens on 8086)
#     INFLUX_ADMIN_USER    user created by setup, owner of the read/write tokens (admin)
#     LOG_GROUP            CloudWatch Logs group: InfluxDB logs (docker awslogs driver) and this
#                          script's output (stream bootstrap/<instance-id>/<time>) go there
#     PER_BOOT_HOOK        where this script installs itself to run on every boot
#                          (/var/lib/cloud/scripts/per-boot/influx-bootstrap.sh; empty: do not)
#     DEVICE_TIMEOUT_SECONDS (300), HEALTH_TIMEOUT_SECONDS (180), DOCKER_TIMEOUT_SECONDS (60),
#     POLL_INTERVAL_SECONDS (2)
#     INFLUX_UID           the image's user (1000, influxdb): owner of the data directory on the volume
#     ROOT_PREFIX          prefix for every host path (/etc/fstab, /dev, /run, ...); tests only
#
# The container runs from the systemd unit influxdb.service (RequiresMountsFor the mount point, so
# it never starts before the volume is mounted; systemd restarts it). Before anything reads or
# writes the database or a token secret, the data-path step checks with findmnt, inside the
# container's mount namespace, that /var/lib/influxdb2 is on the data volume's device.
#
# Talking to InfluxDB, so that a token is never an argument of any command:
#   - management (orgs, buckets, tokens) with the influx CLI inside the container:
#       INFLUX_TOKEN=<token> docker exec -e INFLUX_TOKEN influxdb influx <args>
#   - HTTP with curl on the host, port INFLUX_PORT: /health and /api/v2/setup (no token), and the token
#     checks, whose `Authorization: Token ...` header curl reads from stdin (-H @-).
# Setup goes through POST /api/v2/setup with the JSON body on stdin, because `influx setup --force`
# only takes the password as an argument.
#
# Empty volume marker: InfluxDB's own onboarding state (GET /api/v2/setup says "allowed": true).
# A file test such as "no influxd.bolt" cannot tell a half-finished first boot from a database:
# influxd writes influxd.bolt when it first starts, before setup.
#
# Token checks on a volume with data, by what each token can do (this also works with
# InfluxDB 2.9's hashed tokens, which no listing shows):
#   admin  lists the organization and its buckets;
#   read   runs a one-row Flux query on every configured bucket (HTTP 200);
#   write  posts an empty body to /api/v2/write for every configured bucket. InfluxDB checks the
#          write permission first, and zero points is no error: a permitted token gets 204 and
#          nothing is written (older 2.x releases answered 400 "writing requires points", also
#          accepted); 401/403/404 mean invalid.
# A token found invalid is replaced by a new one, published to its secret. An error that says
# nothing about the token (InfluxDB down, Secrets Manager unreadable) fails the step instead:
# a working token is never replaced on a guess.

# Inputs arrive from the environment header, so shellcheck cannot see them assigned.
# shellcheck disable=SC2153
set -Eeuo pipefail
set +x
umask 077

STEP=start
MAIN_PID=$BASHPID

log() { printf 'bootstrap: %s: %s\n' "$STEP" "$*"; }

fail() {
  printf 'bootstrap: %s: %s\n' "$STEP" "$*" >&2
  # Inside a command substitution the main shell's ERR trap reports the step.
  [[ $BASHPID == "$MAIN_PID" ]] && printf 'bootstrap: FAILED at step %s\n' "$STEP" >&2
  exit 1
}

# shellcheck disable=SC2317  # reached through the ERR trap
on_err() {
  local rc=$?
  # A failing command substitution reports once, from the main shell.
  [[ $BASHPID == "$MAIN_PID" ]] || exit "$rc"
  printf 'bootstrap: FAILED at step %s (exit code %s, line %s)\n' "$STEP" "$rc" "$1" >&2
  exit "$rc"
}

poll_sleep() { sleep "${POLL_INTERVAL_SECONDS:-2}"; }

random_secret() {
  local bytes=$1 value
  value=$(head -c "$bytes" /dev/urandom | base64 -w0 | tr -d '/+=')
  [[ ${#value} -ge $bytes ]] || fail "could not read enough random bytes from /dev/urandom"
  printf '%s' "$value"
}

# Seconds of an influx duration (0, 30d, 1d12h, ...); non-zero exit when it is not one.
duration_seconds() {
  local rest=$1 total=0 n
  [[ $rest == 0 ]] && { echo 0; return 0; }
  [[ $rest =~ ^([0-9]+[smhdw])+$ ]] || return 1
  while [[ $rest =~ ^([0-9]+)([smhdw])(.*)$ ]]; do
    n=$((10#${BASH_REMATCH[1]}))
    case ${BASH_REMATCH[2]} in
      s) total=$((total + n)) ;;
      m) total=$((total + n * 60)) ;;
      h) total=$((total + n * 3600)) ;;
      d) total=$((total + n * 86400)) ;;
      w) total=$((total + n * 604800)) ;;
    esac
    rest=${BASH_REMATCH[3]}
  done
  echo "$total"
}

# ---- step: config --------------------------------------------------------------------------

BUCKET_NAMES=()
BUCKET_RETENTIONS=()

read_config() {
  STEP=config
  local name missing=() required
  INFLUX_RUNTIME=${INFLUX_RUNTIME:-host}
  case $INFLUX_RUNTIME in
    host) required=(VOLUME_ID AWS_REGION INFLUX_IMAGE) ;;
    container) required=(AWS_REGION) ;;
    *) fail "INFLUX_RUNTIME '$INFLUX_RUNTIME' is neither host nor container" ;;
  esac
  for name in "${required[@]}" INFLUX_ORG INFLUX_BUCKETS INFLUX_RETENTION \
    ADMIN_SECRET_ID READ_SECRET_ID WRITE_SECRET_ID; do
    [[ -n ${!name:-} ]] || missing+=("$name")
  done
  ((${#missing[@]} == 0)) || fail "missing required variables: ${missing[*]}"

  if [[ $INFLUX_RUNTIME == host ]]; then
    [[ $VOLUME_ID =~ ^vol-[0-9a-f]+$ ]] || fail "VOLUME_ID '$VOLUME_ID' is not an EBS volume id (vol-...)"
    [[ $INFLUX_IMAGE == */*:* ]] || fail "INFLUX_IMAGE '$INFLUX_IMAGE' is not <repo url>:<tag>"
  fi
  [[ $INFLUX_ORG =~ ^[A-Za-z0-9._-]+$ ]] || fail "INFLUX_ORG '$INFLUX_ORG' may only hold letters, digits, '.', '_', '-'"

  DEVICE_NAME=${DEVICE_NAME:-/dev/sdf}
  MOUNT_POINT=${MOUNT_POINT:-/srv/influxdb}
  [[ $MOUNT_POINT =~ ^/[A-Za-z0-9._/-]+$ && $MOUNT_POINT != */ ]] || fail "MOUNT_POINT '$MOUNT_POINT' is not an absolute path"
  ECR_REGISTRY=${ECR_REGISTRY:-${INFLUX_IMAGE:-}}
  ECR_REGISTRY=${ECR_REGISTRY%%/*}
  INFLUX_ADMIN_USER=${INFLUX_ADMIN_USER:-admin}
  [[ $INFLUX_ADMIN_USER =~ ^[A-Za-z0-9._-]+$ ]] || fail "INFLUX_ADMIN_USER '$INFLUX_ADMIN_USER' may only hold letters, digits, '.', '_', '-'"
  ROOT_PREFIX=${ROOT_PREFIX:-}
  INFLUX_PORT=${INFLUX_PORT:-8086}
  if [[ ! $INFLUX_PORT =~ ^[1-9][0-9]{0,4}$ ]] || ((INFLUX_PORT > 65535)); then
    fail "INFLUX_PORT '$INFLUX_PORT' is not a TCP port"
  fi
  INFLUX_URL=http://127.0.0.1:$INFLUX_PORT
  INFLUX_UNIT=influxdb.service
  INFLUX_UID=${INFLUX_UID:-1000}
  [[ $INFLUX_UID =~ ^[0-9]+$ ]] || fail "INFLUX_UID '$INFLUX_UID' is not a numeric user id"
  CONTAINER_DATA_PATH=/var/lib/influxdb2
  PER_BOOT_HOOK=${PER_BOOT_HOOK-/var/lib/cloud/scripts/per-boot/influx-bootstrap.sh}

  duration_seconds "$INFLUX_RETENTION" >/dev/null || fail "INFLUX_RETENTION '$INFLUX_RETENTION' is not 0 or a duration such as 30d"
  local entry bucket retention seconds
  for entry in $INFLUX_BUCKETS; do
    bucket=${entry%%:*}
    retention=$INFLUX_RETENTION
    [[ $entry == *:* ]] && retention=${entry#*:}
    [[ $bucket =~ ^[A-Za-z0-9.-][A-Za-z0-9._-]*$ ]] || fail "bucket '$bucket' in INFLUX_BUCKETS: letters, digits, '.', '_', '-', not starting with '_'"
    seconds=$(duration_seconds "$retention") || fail "bucket '$bucket': retention '$retention' is not 0 or a duration such as 30d"
    ((seconds == 0 || seconds >= 3600)) || fail "bucket '$bucket': retention '$retention' is below InfluxDB's minimum of 1h"
    BUCKET_NAMES+=("$bucket")
    BUCKET_RETENTIONS+=("$retention")
  done
  ((${#BUCKET_NAMES[@]} > 0)) || fail "INFLUX_BUCKETS names no bucket"

  export AWS_REGION AWS_DEFAULT_REGION=$AWS_REGION AWS_PAGER=""
  INSTANCE_ID=$(cat "$ROOT_PREFIX/var/lib/cloud/data/instance-id" 2>/dev/null || printf '%s' "$HOSTNAME")
  if [[ $INFLUX_RUNTIME == host ]]; then
    log "volume $VOLUME_ID at $MOUNT_POINT, image $INFLUX_IMAGE, org $INFLUX_ORG, buckets ${BUCKET_NAMES[*]}"
  else
    log "in the InfluxDB container, port $INFLUX_PORT, org $INFLUX_ORG, buckets ${BUCKET_NAMES[*]}"
  fi
}

install_hook() {
  STEP=install-hook
  [[ -n $PER_BOOT_HOOK ]] || return 0
  local hook=$ROOT_PREFIX$PER_BOOT_HOOK
  if [[ ! -f $0 || ! -r $0 ]]; then
    log "not installed: this script was not run from a file"
    return 0
  fi
  if [[ -f $hook && "$(<"$0")" == "$(<"$hook")" ]]; then
    return 0
  fi
  install -D -m 0700 "$0" "$hook"
  log "installed as $PER_BOOT_HOOK: runs on every boot"
}

# ---- step: device, filesystem, mount ------------------------------------------------------

DEVICE=""

find_device() {
  STEP=device
  local by_id=$ROOT_PREFIX/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${VOLUME_ID/-/}
  local candidates=("$by_id" "$ROOT_PREFIX$DEVICE_NAME")
  # Xen instance types name /dev/sdX as /dev/xvdX.
  [[ $DEVICE_NAME == /dev/sd* ]] && candidates+=("$ROOT_PREFIX/dev/xvd${DEVICE_NAME#/dev/sd}")
  local timeout=${DEVICE_TIMEOUT_SECONDS:-300} start=$SECONDS candidate
  log "waiting up to ${timeout}s for volume $VOLUME_ID"
  while :; do
    for candidate in "${candidates[@]}"; do
      if [[ -e $candidate ]]; then
        DEVICE=$(readlink -f "$candidate")
        log "found $DEVICE (via ${candidate#"$ROOT_PREFIX"})"
        return 0
      fi
    done
    ((SECONDS - start < timeout)) || fail "volume $VOLUME_ID did not appear within ${timeout}s (looked for ${candidates[*]#"$ROOT_PREFIX"}); is it attached?"
    poll_sleep
  done
}

FS_UUID=""
FS_TYPE=""

probe_filesystem() {
  local out rc=0 line
  out=$(blkid -p -o export "$DEVICE") || rc=$?
  FS_UUID=""
  FS_TYPE=""
  if ((rc == 2)); then
    return 2
  fi
  ((rc == 0)) || fail "blkid could not probe $DEVICE (exit code $rc); refusing to touch it"
  while IFS= read -r line; do
    case $line in
      UUID=*) FS_UUID=${line#UUID=} ;;
      TYPE=*) FS_TYPE=${line#TYPE=} ;;
      PTTYPE=*) [[ -n $FS_TYPE ]] || FS_TYPE=partitioned ;;
    esac
  done < <(printf '%s\n' "$out")
  return 0
}

ensure_filesystem() {
  STEP=filesystem
  if probe_filesystem; then
    [[ $FS_TYPE != partitioned ]] || fail "$DEVICE holds a partition table and no filesystem; refusing to format it"
    [[ -n $FS_UUID ]] || fail "$DEVICE holds a $FS_TYPE filesystem without a UUID; refusing to use it"
    log "$DEVICE already holds $FS_TYPE $FS_UUID: not formatting"
    return 0
  fi
  log "$DEVICE holds no filesystem: creating xfs"
  mkfs.xfs -q -L influx-data "$DEVICE"
  probe_filesystem || fail "no filesystem found on $DEVICE right after mkfs.xfs"
  log "created $FS_TYPE $FS_UUID"
}

ensure_mounted() {
  STEP=mount
  local fstab=$ROOT_PREFIX/etc/fstab mount_path=$ROOT_PREFIX$MOUNT_POINT
  local entry="UUID=$FS_UUID $MOUNT_POINT $FS_TYPE defaults,nofail,noatime 0 2"
  mkdir -p "$(dirname "$fstab")"
  touch "$fstab"
  if awk -v dev="UUID=$FS_UUID" -v mp="$MOUNT_POINT" '$1 == dev && $2 == mp { found = 1 } END { exit !found }' "$fstab"; then
    log "fstab entry for UUID=$FS_UUID present"
  else
    local tmp
    tmp=$(mktemp "$fstab.XXXXXX")
    # An entry for the mount point with another device is left from an earlier volume.
    awk -v mp="$MOUNT_POINT" '/^[ \t]*#/ || $2 != mp' "$fstab" >"$tmp"
    printf '%s\n' "$entry" >>"$tmp"
    chmod 0644 "$tmp"
    mv "$tmp" "$fstab"
    log "fstab entry added: $entry"
  fi
  if mountpoint -q "$mount_path"; then
    log "$MOUNT_POINT already mounted"
  else
    mkdir -p "$mount_path"
    mount UUID="$FS_UUID" "$mount_path"
    log "mounted UUID=$FS_UUID at $MOUNT_POINT"
  fi
  # Never let InfluxDB start on the root disk.
  mountpoint -q "$mount_path" || fail "$MOUNT_POINT is not a mount point after mounting; not starting InfluxDB"
  DATA_DIR=$mount_path/influxdb
  mkdir -p "$DATA_DIR"
  # The image runs as influxdb (INFLUX_UID), not root: it cannot take over files it does not own.
  find "$DATA_DIR" \! -user "$INFLUX_UID" -exec chown "$INFLUX_UID:$INFLUX_UID" {} +
}

# ---- step: docker, image, container, health ------------------------------------------------

ensure_docker() {
  STEP=docker
  if command -v docker >/dev/null 2>&1; then
    log "docker present"
  else
    log "installing docker"
    dnf install -y -q docker
  fi
  systemctl enable --now docker
  local timeout=${DOCKER_TIMEOUT_SECONDS:-60} start=$SECONDS
  until docker info >/dev/null 2>&1; do
    ((SECONDS - start < timeout)) || fail "docker daemon did not answer within ${timeout}s (journalctl -u docker)"
    poll_sleep
  done
  log "docker daemon running"
}

ensure_image() {
  STEP=image
  if docker image inspect "$INFLUX_IMAGE" >/dev/null 2>&1; then
    log "$INFLUX_IMAGE present locally"
    return 0
  fi
  STEP=ecr-login
  aws ecr get-login-password | docker login --username AWS --password-stdin "$ECR_REGISTRY" >/dev/null
  log "logged in to $ECR_REGISTRY"
  STEP=pull
  docker pull --quiet "$INFLUX_IMAGE" >/dev/null
  log "pulled $INFLUX_IMAGE"
}

# The unit, not `docker run --restart=always`: Docker starts before a `nofail` mount after an unclean
# reboot, and a restarted container would then set up a new database on the root disk.
# RequiresMountsFor keeps InfluxDB down until the volume is mounted; systemd restarts it.
container_unit() {
  local docker args
  docker=$(command -v docker)
  args=(run --name influxdb -p "$INFLUX_PORT:8086"
    -e INFLUXD_REPORTING_DISABLED=true
    -v "$DATA_DIR:$CONTAINER_DATA_PATH")
  if [[ -n ${LOG_GROUP:-} ]]; then
    args+=(--log-driver=awslogs --log-opt "awslogs-region=$AWS_REGION"
      --log-opt "awslogs-group=$LOG_GROUP" --log-opt "awslogs-stream=influxdb/$INSTANCE_ID")
  fi
  cat <<UNIT
# Written by influx-bootstrap.sh on every boot; edits are overwritten.
[Unit]
Description=InfluxDB in Docker, data on the volume at $MOUNT_POINT
Requires=docker.service
After=docker.service
RequiresMountsFor=$ROOT_PREFIX$MOUNT_POINT

[Service]
ExecStartPre=-$docker rm -f influxdb
ExecStart=$docker ${args[*]} $INFLUX_IMAGE
ExecStop=$docker stop --time 60 influxdb
TimeoutStopSec=90
Restart=always
RestartSec=5

[Install]
WantedBy=multi-user.target
UNIT
}

ensure_container() {
  STEP=container
  local unit=$ROOT_PREFIX/etc/systemd/system/$INFLUX_UNIT wanted changed=false tmp
  wanted=$(container_unit)
  if [[ ! -f $unit || "$(<"$unit")" != "$wanted" ]]; then
    mkdir -p "$(dirname "$unit")"
    tmp=$(mktemp "$unit.XXXXXX")
    printf '%s\n' "$wanted" >"$tmp"
    chmod 0644 "$tmp"
    mv "$tmp" "$unit"
    systemctl daemon-reload
    changed=true
    log "wrote $INFLUX_UNIT: $INFLUX_IMAGE, data in $MOUNT_POINT/influxdb"
  fi
  systemctl enable --quiet "$INFLUX_UNIT"
  if [[ $changed == true ]] || ! systemctl is-active --quiet "$INFLUX_UNIT"; then
    systemctl restart "$INFLUX_UNIT"
    log "started $INFLUX_UNIT (systemctl status $INFLUX_UNIT)"
  else
    log "$INFLUX_UNIT already runs $INFLUX_IMAGE"
  fi
}

# Where InfluxDB really writes: the container's own view of its data path, which keeps the
# directory it got at start even when the volume was mounted over it later.
verify_data_path() {
  STEP=data-path
  local pid source
  pid=$(docker inspect --format '{{.State.Pid}}' influxdb) || fail "no container influxdb to check"
  [[ $pid =~ ^[1-9][0-9]*$ ]] || fail "container influxdb is not running (pid '$pid')"
  if ! source=$(findmnt --task "$pid" --noheadings --nofsroot --output SOURCE --mountpoint "$CONTAINER_DATA_PATH"); then
    systemctl stop "$INFLUX_UNIT" || true
    fail "$CONTAINER_DATA_PATH is no mount in container influxdb: its data would be in the container. Stopped $INFLUX_UNIT; the token secrets are untouched (help/troubleshooting-influx.md, 'Data in the wrong place')"
  fi
  if [[ $(readlink -f "$source") != "$DEVICE" ]]; then
    systemctl stop "$INFLUX_UNIT" || true
    fail "container influxdb keeps $CONTAINER_DATA_PATH on $source, not on the data volume $VOLUME_ID ($DEVICE). Stopped $INFLUX_UNIT; the token secrets are untouched (help/troubleshooting-influx.md, 'Data in the wrong place')"
  fi
  log "container influxdb keeps $CONTAINER_DATA_PATH on $source, the data volume $VOLUME_ID"
}

wait_healthy() {
  STEP=health
  local timeout=${HEALTH_TIMEOUT_SECONDS:-180} start=$SECONDS
  until curl -fsS --max-time 5 -o /dev/null "$INFLUX_URL/health" 2>/dev/null; do
    ((SECONDS - start < timeout)) || fail "InfluxDB did not answer $INFLUX_URL/health within ${timeout}s (docker logs influxdb)"
    poll_sleep
  done
  log "InfluxDB answers /health"
}

# ---- InfluxDB access -----------------------------------------------------------------------

# influx_as <token> <influx args...>: the token reaches influx through the environment only.
# In the container runtime the task's environment holds INFLUX_ORG (this script's input), which
# influx-cli takes as --org when the flag is absent, and it refuses an org ID and an org name
# together ("ambiguous org", cmd/influx/global.go:338-356 at v2.7.5). So influx runs without the
# org variables; `docker exec` passes only INFLUX_TOKEN anyway.
influx_as() {
  local token=$1
  shift
  if [[ $INFLUX_RUNTIME == container ]]; then
    INFLUX_TOKEN=$token INFLUX_HOST=$INFLUX_URL env -u INFLUX_ORG -u INFLUX_ORG_ID influx "$@"
  else
    INFLUX_TOKEN=$token docker exec -e INFLUX_TOKEN influxdb influx "$@"
  fi
}

# Value of the first `"<key>": "<value>"` line of influx --json output on stdin.
json_field() {
  awk -v key="$1" '$0 ~ "^[ \t]*\"" key "\":" { sub(/^[^:]*:[ \t]*"/, ""); sub(/",?[ \t]*$/, ""); print; exit }'
}

# http_as <token> <curl args...>: prints the HTTP status; the token travels as a header on stdin.
http_as() {
  local token=$1
  shift
  printf 'Authorization: Token %s\n' "$token" | curl -sS --max-time 15 -H @- -w '%{http_code}' "$@"
}

# ---- Secrets Manager -------------------------------------------------------------------------

# Prints the secret's value, or nothing when the secret has no value yet. Any other error fails:
# a token must not be replaced because Secrets Manager could not be read.
read_secret() {
  local id=$1 err value
  err=$(mktemp)
  if value=$(aws secretsmanager get-secret-value --secret-id "$id" --query SecretString --output text 2>"$err"); then
    rm -f "$err"
    [[ $value == None ]] && value=""
    printf '%s' "$value"
    return 0
  fi
  if grep -q ResourceNotFoundException "$err"; then
    rm -f "$err"
    return 0
  fi
  cat "$err" >&2
  rm -f "$err"
  return 1
}

# publish_secret <secret id> <value>: the value goes in on stdin.
publish_secret() {
  local id=$1 version
  version=$(printf '%s' "$2" | aws secretsmanager put-secret-value --secret-id "$id" \
    --secret-string file:///dev/stdin --query VersionId --output text)
  log "published to $id (version $version)"
}

# ---- steps: detect, setup, buckets, tokens -------------------------------------------------

ADMIN_TOKEN=""
ORG_ID=""
BUCKET_IDS=()
NEW_DATABASE=false

detect_database() {
  STEP=detect
  local answer
  answer=$(curl -fsS --max-time 10 "$INFLUX_URL/api/v2/setup")
  if [[ $answer =~ \"allowed\"[[:space:]]*:[[:space:]]*true ]]; then
    NEW_DATABASE=true
    log "InfluxDB is not set up yet: new database"
  elif [[ $answer =~ \"allowed\"[[:space:]]*:[[:space:]]*false ]]; then
    log "InfluxDB is set up: existing database"
  else
    fail "unexpected answer from $INFLUX_URL/api/v2/setup: $answer"
  fi
}

setup_database() {
  STEP=setup
  local password retention_seconds
  ADMIN_TOKEN=$(random_secret 48)
  password=$(random_secret 32)
  # Published before setup: a boot that dies after setup must not lose the only operator token.
  publish_secret "$ADMIN_SECRET_ID" "$ADMIN_TOKEN"
  retention_seconds=$(duration_seconds "${BUCKET_RETENTIONS[0]}")
  printf '{"username":"%s","password":"%s","token":"%s","org":"%s","bucket":"%s","retentionPeriodSeconds":%s}' \
    "$INFLUX_ADMIN_USER" "$password" "$ADMIN_TOKEN" "$INFLUX_ORG" "${BUCKET_NAMES[0]}" "$retention_seconds" |
    curl -fsS --max-time 30 -X POST -H 'Content-Type: application/json' --data-binary @- \
      -o /dev/null "$INFLUX_URL/api/v2/setup"
  password=""
  log "set up org $INFLUX_ORG, user $INFLUX_ADMIN_USER, bucket ${BUCKET_NAMES[0]} (retention ${BUCKET_RETENTIONS[0]}); the password is not kept (help/influx-tokens.md)"
}

verify_admin() {
  STEP=verify-admin
  if [[ $NEW_DATABASE == false ]]; then
    ADMIN_TOKEN=$(read_secret "$ADMIN_SECRET_ID")
    if [[ -z $ADMIN_TOKEN ]]; then
      fail "the volume holds a set-up InfluxDB but $ADMIN_SECRET_ID has no admin token. InfluxDB cannot issue one without it: follow help/influx-tokens.md, section 'The admin token is lost', then run the bootstrap again."
    fi
  fi
  local orgs
  if ! orgs=$(influx_as "$ADMIN_TOKEN" org list --name "$INFLUX_ORG" --hide-headers); then
    fail "InfluxDB rejects the admin token in $ADMIN_SECRET_ID, or has no org $INFLUX_ORG (error above). If the secret was overwritten, restore its previous version: help/influx-tokens.md, section 'The admin token is lost'."
  fi
  ORG_ID=$(printf '%s\n' "$orgs" | awk 'NR == 1 { print $1 }')
  [[ -n $ORG_ID ]] || fail "organization $INFLUX_ORG not found in InfluxDB"
  log "admin token valid; org $INFLUX_ORG is $ORG_ID"
}

ensure_buckets() {
  STEP=buckets
  local existing i name id
  existing=$(influx_as "$ADMIN_TOKEN" bucket list --org-id "$ORG_ID" --hide-headers)
  BUCKET_IDS=()
  for i in "${!BUCKET_NAMES[@]}"; do
    name=${BUCKET_NAMES[$i]}
    id=$(printf '%s\n' "$existing" | awk -v name="$name" '$2 == name { print $1; exit }')
    if [[ -n $id ]]; then
      log "bucket $name exists ($id)"
    else
      id=$(influx_as "$ADMIN_TOKEN" bucket create --org-id "$ORG_ID" --name "$name" \
        --retention "${BUCKET_RETENTIONS[$i]}" --hide-headers | awk 'NR == 1 { print $1 }')
      [[ -n $id ]] || fail "bucket create for $name printed no id"
      log "bucket $name created ($id, retention ${BUCKET_RETENTIONS[$i]})"
    fi
    BUCKET_IDS+=("$id")
  done
}

# check_token <read|write> <secret id> <token>: 0 valid, 1 invalid (reason logged),
# 2 the check itself failed (error printed).
check_token() {
  local action=$1 secret_id=$2 token=$3 body code i detail
  if [[ -z $token ]]; then
    log "$secret_id holds no token"
    return 1
  fi
  body=$(mktemp)
  for i in "${!BUCKET_NAMES[@]}"; do
    if [[ $action == read ]]; then
      code=$(http_as "$token" -o "$body" -X POST -H 'Content-Type: application/vnd.flux' -H 'Accept: application/csv' \
        --data-binary "from(bucket: \"${BUCKET_NAMES[$i]}\") |> range(start: -1m) |> limit(n: 1)" \
        "$INFLUX_URL/api/v2/query?orgID=$ORG_ID") || { rm -f "$body"; return 2; }
    else
      code=$(http_as "$token" -o "$body" -X POST --data-binary '' \
        "$INFLUX_URL/api/v2/write?orgID=$ORG_ID&bucket=${BUCKET_IDS[$i]}&precision=s") || { rm -f "$body"; return 2; }
    fi
    detail=$(head -c 300 "$body")
    case $action:$code in
      read:200 | write:204 | write:400)
        if [[ $code == 400 && $detail != *"writing requires points"* ]]; then
          printf 'bootstrap: %s: empty write to bucket %s answered 400: %s\n' "$STEP" "${BUCKET_NAMES[$i]}" "$detail" >&2
          rm -f "$body"
          return 2
        fi
        ;;
      *:401 | *:403 | *:404)
        log "the token in $secret_id cannot $action bucket ${BUCKET_NAMES[$i]}: HTTP $code $detail"
        rm -f "$body"
        return 1
        ;;
      *)
        printf 'bootstrap: %s: %s check on bucket %s answered HTTP %s: %s\n' "$STEP" "$action" "${BUCKET_NAMES[$i]}" "$code" "$detail" >&2
        rm -f "$body"
        return 2
        ;;
    esac
  done
  rm -f "$body"
  log "token in $secret_id valid: $action permission on ${BUCKET_NAMES[*]}"
  return 0
}

# ensure_token <read|write> <secret id>
ensure_token() {
  local action=$1 secret_id=$2 token="" created id
  STEP=$action-token
  if [[ $NEW_DATABASE == true ]]; then
    log "new database: creating the $action token"
  else
    token=$(read_secret "$secret_id")
    local verdict=0
    check_token "$action" "$secret_id" "$token" || verdict=$?
    case $verdict in
      0) return 0 ;;
      2) fail "could not check the $action token (error above); it is left as it is" ;;
    esac
  fi
  local args=(auth create --org-id "$ORG_ID" --user "$INFLUX_ADMIN_USER" --json
    --description "$action token for ${BUCKET_NAMES[*]}, made by the host bootstrap")
  for id in "${BUCKET_IDS[@]}"; do
    args+=("--$action-bucket" "$id")
  done
  created=$(influx_as "$ADMIN_TOKEN" "${args[@]}")
  token=$(printf '%s\n' "$created" | json_field token)
  id=$(printf '%s\n' "$created" | json_field id)
  [[ -n $token && -n $id ]] || fail "influx auth create returned no token"
  created=""
  log "created $action token (authorization $id, $action on ${BUCKET_NAMES[*]})"
  publish_secret "$secret_id" "$token"
}

# ---- log shipping --------------------------------------------------------------------------

ship_log() {
  local file=$1 stream events now
  [[ -n ${LOG_GROUP:-} ]] || return 0
  now=$(date +%s%3N)
  stream="bootstrap/$INSTANCE_ID/$(date -u +%Y%m%dT%H%M%SZ)"
  events=$(mktemp)
  awk -v ts="$now" '
    BEGIN { printf "[" }
    NF == 0 { next }
    {
      gsub(/\\/, "\\\\"); gsub(/"/, "\\\""); gsub(/\t/, "\\t"); gsub(/[[:cntrl:]]/, " ")
      printf "%s{\"timestamp\":%s,\"message\":\"%s\"}", (n++ ? "," : ""), ts, $0
    }
    END { print "]" }' "$file" >"$events"
  if aws logs create-log-stream --log-group-name "$LOG_GROUP" --log-stream-name "$stream" >/dev/null &&
    aws logs put-log-events --log-group-name "$LOG_GROUP" --log-stream-name "$stream" \
      --log-events "file://$events" >/dev/null; then
    printf 'bootstrap: logs: shipped to %s %s\n' "$LOG_GROUP" "$stream"
  else
    printf 'bootstrap: logs: could not ship to %s (see the error above); the log stays in /var/log/cloud-init-output.log\n' "$LOG_GROUP" >&2
  fi
  rm -f "$events"
}

# ---- main ----------------------------------------------------------------------------------

main() {
  set -Eeuo pipefail
  MAIN_PID=$BASHPID
  trap 'on_err "$LINENO"' ERR
  if [[ $INFLUX_RUNTIME == host ]]; then
    install_hook
    find_device
    ensure_filesystem
    ensure_mounted
    ensure_docker
    ensure_image
    ensure_container
  fi
  wait_healthy
  if [[ $INFLUX_RUNTIME == host ]]; then
    verify_data_path
  fi
  detect_database
  if [[ $NEW_DATABASE == true ]]; then
    setup_database
  fi
  verify_admin
  ensure_buckets
  ensure_token read "$READ_SECRET_ID"
  ensure_token write "$WRITE_SECRET_ID"
  ADMIN_TOKEN=""
  STEP='done'
  log "InfluxDB ready${DATA_DIR:+ at $MOUNT_POINT}; tokens in $ADMIN_SECRET_ID, $READ_SECRET_ID, $WRITE_SECRET_ID"
}

trap 'on_err "$LINENO"' ERR
read_config
# In the container the bootstrap runs as influxdb, which may not write /run.
if [[ $INFLUX_RUNTIME == container ]]; then lock=${TMPDIR:-/tmp}/influx-bootstrap.lock; else lock=${ROOT_PREFIX}/run/influx-bootstrap.lock; fi
mkdir -p "$(dirname "$lock")"
exec 9>"$lock"
flock -w 900 9 || fail "another bootstrap run still holds $lock after 15 minutes"

run_log=$(mktemp)
trap - ERR
set +e
main 2>&1 | tee "$run_log"
rc=${PIPESTATUS[0]}
set -e
ship_log "$run_log" || true
rm -f "$run_log"
exit "$rc"
