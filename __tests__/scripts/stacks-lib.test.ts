import * as path from "path";
import { phaseOrder, stackWorkingDir } from "../../scripts/lib/stacks";

describe("phaseOrder", () => {
  test("puts every stack after the stacks it depends on, ties in manifest order", () => {
    const manifest = {
      stacks: {
        edge: { dependencies: ["core"] },
        influx: { dependencies: ["core", "foundations"] },
        core: { dependencies: ["foundations"] },
        foundations: {},
      },
    };
    expect(phaseOrder(manifest)).toEqual(["foundations", "core", "edge", "influx"]);
  });

  test("refuses a cycle and a dependency on an unknown stack", () => {
    expect(() => phaseOrder({ stacks: { a: { dependencies: ["b"] }, b: { dependencies: ["a"] } } })).toThrow(
      "stack dependency cycle through a",
    );
    expect(() => phaseOrder({ stacks: { a: { dependencies: ["ghost"] } } })).toThrow("stack a depends on unknown stack ghost");
  });
});

test("stackWorkingDir follows the manifest, else stacks/<name>", () => {
  const manifest = { stacks: { core: { workingDirectory: "stacks/core" }, edge: {} } };
  expect(stackWorkingDir("/out", manifest, "core")).toBe(path.join("/out", "stacks", "core"));
  expect(stackWorkingDir("/out", manifest, "edge")).toBe(path.join("/out", "stacks", "edge"));
});
