#!/usr/bin/env bash
# npm run lint:shell: shellcheck over every shell script in the repository (by .sh name or a sh/bash
# shebang), so a new script is covered without being listed. Needs shellcheck (Debian: shellcheck).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v shellcheck >/dev/null 2>&1; then
  echo "lint:shell: shellcheck is not installed; install it (Debian/Ubuntu: apt-get install -y shellcheck, macOS: brew install shellcheck) and run npm run lint:shell again" >&2
  exit 1
fi

scripts=()
while IFS= read -r -d '' file; do
  if [[ $file == *.sh ]] || head -n 1 "$file" | grep -Eq '^#!.*[/ ](ba)?sh( |$)'; then scripts+=("$file"); fi
done < <(find . \( -name node_modules -o -name .git -o -name dist -o -name cdktf.out -o -name .gen -o -name plans \) -prune -o -type f -print0 | sort -z)

if [[ ${#scripts[@]} -eq 0 ]]; then
  echo "lint:shell: no shell scripts found under $(pwd)" >&2
  exit 1
fi
shellcheck -x "${scripts[@]}"
echo "lint:shell: ${#scripts[@]} scripts pass shellcheck $(shellcheck --version | sed -n 's/^version: //p')"
