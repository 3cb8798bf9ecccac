#!/usr/bin/env bash
# Builds one image and pushes it to ECR; run by the image-build hook (a null_resource local-exec).
#
# Environment (all required unless marked optional):
#   REPOSITORY_URL  ECR repository URL, <registry>/<repository>, e.g. 123456789012.dkr.ecr.eu-central-1.amazonaws.com/streamlines-dev-ingest
#   IMAGE_TAG       tag to push, the build context's content hash (ctx-<16 hex>, see context-hash.ts)
#   PLATFORM        target platform, e.g. linux/amd64 or linux/arm64
#   CONTEXT_DIR     build context directory
#   DOCKERFILE      optional, default Dockerfile; a relative path is relative to CONTEXT_DIR
#   AWS_REGION      region of the registry
#
# Exit codes: 0 pushed or already present, 2 bad environment, 3 docker or aws missing,
# 4 daemon down, 5 login failed, 6 ECR lookup failed, 7 build failed, 8 push failed.
# The registry password only ever travels through a pipe, never through argv or the environment.
set -euo pipefail
# The output scanner at the end of a pipeline must run in this shell to report what it saw.
shopt -s lastpipe

say() { printf 'image-build%s: %s\n' "${label:+ $label}" "$*"; }
fail() {
  local code=$1
  shift
  printf 'image-build%s: ERROR: %s\n' "${label:+ $label}" "$*" >&2
  exit "$code"
}

missing=()
for var in REPOSITORY_URL IMAGE_TAG PLATFORM CONTEXT_DIR AWS_REGION; do
  [[ -n "${!var:-}" ]] || missing+=("$var")
done
((${#missing[@]} == 0)) || fail 2 "missing environment: ${missing[*]} (see the contract at the top of $0)"

[[ "$REPOSITORY_URL" == */* ]] || fail 2 "REPOSITORY_URL '$REPOSITORY_URL' is not <registry>/<repository>"
registry=${REPOSITORY_URL%%/*}
repository=${REPOSITORY_URL#*/}
image="$REPOSITORY_URL:$IMAGE_TAG"
label="[$repository:$IMAGE_TAG]"

[[ "$IMAGE_TAG" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || fail 2 "IMAGE_TAG '$IMAGE_TAG' is not a valid docker tag"
[[ "$PLATFORM" =~ ^[a-z0-9]+/[a-z0-9_]+(/[a-z0-9]+)?$ ]] || fail 2 "PLATFORM '$PLATFORM' is not os/arch[/variant], e.g. linux/amd64"
[[ -d "$CONTEXT_DIR" ]] || fail 2 "CONTEXT_DIR '$CONTEXT_DIR' is not a directory"
dockerfile=${DOCKERFILE:-Dockerfile}
[[ "$dockerfile" == /* ]] || dockerfile="$CONTEXT_DIR/$dockerfile"
[[ -f "$dockerfile" ]] || fail 2 "Dockerfile '$dockerfile' does not exist"

command -v docker >/dev/null 2>&1 || fail 3 "docker not found on PATH; install Docker (with buildx) and rerun"
command -v aws >/dev/null 2>&1 || fail 3 "aws (AWS CLI) not found on PATH; install it and rerun"
say "1/5 tools: docker and aws found"

if ! docker info >/dev/null 2>&1; then
  fail 4 "the docker daemon is not reachable ('docker info' failed); start Docker and rerun"
fi
say "2/5 daemon: up"

# Both sides of the pipe must succeed; pipefail reports an aws failure too.
if ! aws ecr get-login-password --region "$AWS_REGION" | docker login --username AWS --password-stdin "$registry" >/dev/null; then
  fail 5 "login to $registry failed (aws ecr get-login-password | docker login); check AWS credentials and region $AWS_REGION"
fi
say "3/5 login: $registry"

lookup_status=0
lookup=$(aws ecr describe-images --region "$AWS_REGION" --repository-name "$repository" --image-ids "imageTag=$IMAGE_TAG" --output json 2>&1) || lookup_status=$?
if ((lookup_status == 0)); then
  say "4/5 lookup: $image already in ECR, build skipped"
  exit 0
fi
[[ "$lookup" == *ImageNotFoundException* ]] || fail 6 "cannot check ECR for $image: ${lookup//$'\n'/ }"
say "4/5 lookup: $image not in ECR yet, building for $PLATFORM"

# Buildx reports build and push failures with one exit code; its output tells them apart.
push_error=0
scan() {
  local line
  while IFS= read -r line; do
    printf '%s\n' "$line"
    case $line in
      *"failed to push"* | *"push access denied"* | *"failed commit on ref"* | *"unexpected status from PUT"* | *"unexpected status from POST"*) push_error=1 ;;
    esac
  done
}

if docker buildx version >/dev/null 2>&1; then
  build_status=0
  # Without provenance the tag is a plain image manifest, not an index with an attestation entry.
  docker buildx build --platform "$PLATFORM" --file "$dockerfile" --tag "$image" --provenance=false --push "$CONTEXT_DIR" 2>&1 | scan || build_status=$?
  if ((build_status != 0)); then
    ((push_error)) && fail 8 "push of $image failed (docker buildx build --push exited $build_status); check ECR permissions and the repository"
    fail 7 "build of $image for $PLATFORM failed (docker buildx build exited $build_status); see the build output above"
  fi
  say "5/5 build and push: $image pushed (buildx)"
else
  say "docker buildx not available: plain docker build, then docker push"
  docker build --platform "$PLATFORM" --file "$dockerfile" --tag "$image" "$CONTEXT_DIR" ||
    fail 7 "build of $image for $PLATFORM failed (docker build exited $?); see the build output above"
  docker push "$image" ||
    fail 8 "push of $image failed (docker push exited $?); check ECR permissions and the repository"
  say "5/5 build and push: $image pushed (docker build + push)"
fi
