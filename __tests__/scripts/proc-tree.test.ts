import { ChildProcess, spawn } from "child_process";
import { once } from "events";
import { TreeSampler, killTree, sampleTree, treePids } from "../../scripts/lib/proc-tree";

const MB = 1024 * 1024;

// A parent that starts a child holding ~100 MB, so the sampler has to walk down the tree to find it.
const CHILD = "const b = Buffer.alloc(100 * 1024 * 1024, 1); console.log('ready ' + b.length); setInterval(() => {}, 1000);";
const PARENT = `require('child_process').spawn(process.execPath, ['-e', ${JSON.stringify(CHILD)}], { stdio: 'inherit' }); setInterval(() => {}, 1000);`;

describe("proc-tree", () => {
  let parent: ChildProcess;

  beforeAll(async () => {
    parent = spawn(process.execPath, ["-e", PARENT], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    await new Promise<void>((resolve, reject) => {
      parent.stdout!.on("data", (chunk) => {
        out += chunk;
        if (out.includes("ready")) resolve();
      });
      parent.on("exit", (code) => reject(new Error(`test process exited early with ${code}`)));
    });
  });

  afterAll(async () => {
    if (parent.exitCode === null && parent.signalCode === null) {
      const exited = once(parent, "exit");
      killTree(parent.pid!);
      await exited;
    }
  });

  test("finds the grandchild and its RSS", () => {
    const pids = treePids(parent.pid!);
    expect(pids).toHaveLength(2);
    expect(pids[0]).toBe(parent.pid);
    const sample = sampleTree(parent.pid!);
    const child = sample.processes.find((p) => p.pid === pids[1])!;
    expect(child.rssBytes).toBeGreaterThan(50 * MB);
    expect(child.hwmBytes).toBeGreaterThanOrEqual(child.rssBytes);
    expect(sample.rssBytes).toBeGreaterThan(child.rssBytes);
  });

  test("the sampler keeps the peak of the tree", async () => {
    const sampler = new TreeSampler(parent.pid!, 20);
    await new Promise((resolve) => setTimeout(resolve, 120));
    const peak = sampler.stop();
    expect(peak.samples).toBeGreaterThanOrEqual(2);
    expect(peak.maxProcesses).toBe(2);
    expect(peak.peakRssBytes).toBeGreaterThan(50 * MB);
    expect(peak.peakProcessBytes).toBeGreaterThan(50 * MB);
  });

  test("a pid that does not exist is an empty tree", () => {
    expect(treePids(2 ** 22 + 1)).toEqual([]);
    expect(sampleTree(2 ** 22 + 1).rssBytes).toBe(0);
  });

  test("killTree ends the parent and the child", async () => {
    const pids = treePids(parent.pid!);
    const exited = once(parent, "exit");
    killTree(parent.pid!);
    await exited;
    // The child may take a moment after its parent; poll briefly rather than assume.
    for (let i = 0; i < 100 && treePids(pids[1]).length > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(treePids(pids[1])).toEqual([]);
  });
});
