// Memory of a whole process tree, read from /proc (Linux only), so no /usr/bin/time is needed
// and npm, npx, tsc, jest workers and terraform under one command are all counted.
import * as fs from "fs";

export interface ProcessMemory {
  readonly pid: number;
  /** Resident set now (VmRSS). */
  readonly rssBytes: number;
  /** The kernel's own peak resident set of this process (VmHWM), which sampling cannot miss. */
  readonly hwmBytes: number;
}

export interface TreeSample {
  readonly processes: readonly ProcessMemory[];
  /** Sum of VmRSS over the tree; pages shared between processes count once per process. */
  readonly rssBytes: number;
}

/** Parent pid of a live process; undefined once it has exited, zombies included. */
function parentOf(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name may hold spaces and parentheses; the fields after its closing one are fixed.
    const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return state === "Z" || state === "X" ? undefined : Number(ppid);
  } catch {
    return undefined; // gone between readdir and read
  }
}

/** `root` and every live descendant, parents before children. */
export function treePids(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    const ppid = parentOf(pid);
    if (ppid === undefined) continue;
    const list = children.get(ppid);
    if (list) list.push(pid);
    else children.set(ppid, [pid]);
  }
  if (parentOf(root) === undefined) return [];
  const out = [root];
  for (let i = 0; i < out.length; i++) out.push(...(children.get(out[i]) ?? []));
  return out;
}

function memoryOf(pid: number): ProcessMemory | undefined {
  let status: string;
  try {
    status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return undefined;
  }
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0) * 1024;
  // Zombies and kernel threads have no Vm* lines and count as 0.
  return { pid, rssBytes: kib("VmRSS"), hwmBytes: kib("VmHWM") };
}

/** One reading of the tree under `root`. */
export function sampleTree(root: number): TreeSample {
  const processes = treePids(root)
    .map(memoryOf)
    .filter((p): p is ProcessMemory => p !== undefined);
  return { processes, rssBytes: processes.reduce((sum, p) => sum + p.rssBytes, 0) };
}

export interface TreePeak {
  /** Highest sum of VmRSS over the tree seen in any one sample. */
  readonly peakRssBytes: number;
  /** Highest VmHWM of any single process seen: what /usr/bin/time would call max RSS. */
  readonly peakProcessBytes: number;
  readonly samples: number;
  readonly maxProcesses: number;
}

/** Samples the tree under `root` every `intervalMs` until `stop()`. */
export class TreeSampler {
  private peakRss = 0;
  private peakProcess = 0;
  private samples = 0;
  private maxProcesses = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly root: number,
    intervalMs = 50,
  ) {
    this.tick();
    this.timer = setInterval(() => this.tick(), intervalMs);
  }

  private tick(): void {
    const sample = sampleTree(this.root);
    if (sample.processes.length === 0) return;
    this.samples++;
    this.peakRss = Math.max(this.peakRss, sample.rssBytes);
    this.maxProcesses = Math.max(this.maxProcesses, sample.processes.length);
    for (const p of sample.processes) this.peakProcess = Math.max(this.peakProcess, p.hwmBytes);
  }

  stop(): TreePeak {
    clearInterval(this.timer);
    this.tick();
    return { peakRssBytes: this.peakRss, peakProcessBytes: this.peakProcess, samples: this.samples, maxProcesses: this.maxProcesses };
  }
}

/** Sends `signal` to `root` and each descendant, by pid (never by name). */
export function killTree(root: number, signal: NodeJS.Signals = "SIGTERM"): void {
  for (const pid of treePids(root).reverse()) {
    try {
      process.kill(pid, signal);
    } catch {
      // already exited
    }
  }
}
