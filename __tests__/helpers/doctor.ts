import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { StreamLinesConfig } from "../../config/schema";
import { main } from "../../scripts/doctor";

/** Stand-in terraform and docker: behaviour set through env, so the machine's own tools don't matter. Terraform warns on stderr, as it does without ~/.terraformrc. */
export function fakeTools(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "doctor-bin-"));
  fs.writeFileSync(
    path.join(dir, "terraform"),
    `#!/bin/sh\necho "Warning: Unable to open CLI configuration file" >&2\necho "{\\"terraform_version\\":\\"\${FAKE_TF_VERSION:-1.11.4}\\"}"\n`,
    { mode: 0o755 },
  );
  fs.writeFileSync(
    path.join(dir, "docker"),
    `#!/bin/sh
case "$1" in
  --version) echo "Docker version 28.2.2, build e6534b4" ;;
  buildx) [ -n "$FAKE_NO_BUILDX" ] && { echo "docker: unknown command: docker buildx" >&2; exit 1; }; echo "github.com/docker/buildx v0.24.0" ;;
  info) [ -n "$FAKE_NO_DAEMON" ] && { echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock" >&2; exit 1; }; echo "28.2.2" ;;
esac
`,
    { mode: 0o755 },
  );
  return dir;
}

/** Runs doctor with only the stand-ins in `bin` and the system directories on PATH. */
export async function runDoctor(cfg: StreamLinesConfig, bin: string, extraEnv: Record<string, string> = {}) {
  const lines: string[] = [];
  const env = { PATH: `${bin}:/usr/bin:/bin`, ...extraEnv };
  const code = await main(cfg, env, (l) => lines.push(l));
  return { code, out: lines.join("\n") };
}
