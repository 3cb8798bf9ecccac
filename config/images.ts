import * as fs from "fs";
import * as path from "path";
import { resolveProjectPath } from "./rules";
import {
  Architecture,
  ECR_REPOSITORIES,
  EcrRepositoryName,
  IMAGE_PLATFORMS,
  ImageSetting,
  PROFILE_SERVICES,
  ServiceName,
  StreamLinesConfig,
} from "./types";
import { ConfigProblem } from "./validate";

/** Where config keeps an image's setting, what the image runs on, and when the profile needs it. */
export interface ImageSettingLocation {
  /** The dotted config key of the setting, for messages. */
  readonly key: string;
  readonly setting: (config: StreamLinesConfig) => ImageSetting | undefined;
  readonly architecture: (config: StreamLinesConfig) => Architecture;
  /** Why the config must name this image (e.g. "a service of profile full"), or undefined when nothing runs it. */
  readonly requiredFor: (config: StreamLinesConfig) => string | undefined;
}

const serviceImage = (name: ServiceName): ImageSettingLocation => ({
  key: `services.${name}.image`,
  setting: (c) => c.services[name].image,
  architecture: (c) => c.services[name].architecture,
  requiredFor: (c) => (PROFILE_SERVICES[c.profile].includes(name) ? `a service of profile ${c.profile}` : undefined),
});

/** Every image setting in config, one line per repository; the others' images are not run by the stacks. */
export const IMAGE_SETTINGS: Readonly<Partial<Record<EcrRepositoryName, ImageSettingLocation>>> = {
  ingest: serviceImage("ingest"),
  ripples: serviceImage("ripples"),
  backend: serviceImage("backend"),
  dashboard: serviceImage("dashboard"),
  // The EBS host is Graviton (the AMI is arm64) and the EFS variant's task runs ARM64 too.
  influxdb: {
    key: "influx.image",
    setting: (c) => c.influx.image,
    architecture: () => "ARM64",
    requiredFor: () => "InfluxDB (the influx stack, every profile)",
  },
  grafana: {
    key: "grafana.image",
    setting: (c) => c.grafana.image,
    architecture: () => "ARM64",
    requiredFor: (c) => (c.profile === "backend-only" ? "Grafana in profile backend-only" : undefined),
  },
};

/** An image the foundations hook builds: absolute paths, the platform resolved. */
export interface ImageBuild {
  readonly repository: EcrRepositoryName;
  readonly contextDir: string;
  /** Absolute; undefined means `Dockerfile` in the context. */
  readonly dockerfile?: string;
  readonly platform: string;
}

const platformOf = (config: StreamLinesConfig, location: ImageSettingLocation): string =>
  location.setting(config)?.platform ?? IMAGE_PLATFORMS[location.architecture(config)];

/** The build of `repository`'s image when config gives it a build context, else undefined (a pinned tag). */
export function imageBuildOf(config: StreamLinesConfig, repository: EcrRepositoryName): ImageBuild | undefined {
  const location = IMAGE_SETTINGS[repository];
  const setting = location?.setting(config);
  if (!location || setting?.buildContext === undefined) return undefined;
  const contextDir = resolveProjectPath(setting.buildContext);
  return {
    repository,
    contextDir,
    ...(setting.dockerfile !== undefined && { dockerfile: path.resolve(contextDir, setting.dockerfile) }),
    platform: platformOf(config, location),
  };
}

/** Every image with a build context, in repository order. */
export function imageBuilds(config: StreamLinesConfig): ImageBuild[] {
  return ECR_REPOSITORIES.flatMap((r) => imageBuildOf(config, r) ?? []);
}

/** Each image setting names exactly one source, and a build matches what the image runs on. */
export function imageChecks(config: StreamLinesConfig): ConfigProblem | undefined {
  for (const [repository, location] of Object.entries(IMAGE_SETTINGS) as Array<[EcrRepositoryName, ImageSettingLocation]>) {
    const s = location.setting(config) ?? {};
    const key = location.key;
    if (s.tag !== undefined && s.buildContext !== undefined) {
      return {
        key: `${key}.buildContext`,
        value: s.buildContext,
        allowed: `expected either ${key}.tag or ${key}.buildContext, not both: a build context's content hash is the tag`,
      };
    }
    const required = location.requiredFor(config);
    if (s.tag === undefined && s.buildContext === undefined && required) {
      return {
        key: `${key}.tag`,
        value: undefined,
        allowed: `this key or ${key}.buildContext is required for ${required}; expected the pinned docker tag of an image in the ${repository} ECR repository, or a build context directory`,
      };
    }
    if (s.buildContext === undefined) {
      const stray = (["dockerfile", "platform"] as const).find((k) => s[k] !== undefined);
      if (stray)
        return {
          key: `${key}.${stray}`,
          value: s[stray],
          allowed: `expected no ${stray} without ${key}.buildContext: a pinned tag is built elsewhere`,
        };
      continue;
    }
    const build = imageBuildOf(config, repository)!;
    const dockerfile = build.dockerfile ?? path.join(build.contextDir, "Dockerfile");
    if (!fs.existsSync(dockerfile) || !fs.statSync(dockerfile).isFile()) {
      const at = s.dockerfile !== undefined ? "dockerfile" : "buildContext";
      return {
        key: `${key}.${at}`,
        value: s[at],
        allowed: `expected a Dockerfile at ${dockerfile}${at === "buildContext" ? ` (or set ${key}.dockerfile)` : ""}`,
      };
    }
    const runsOn = IMAGE_PLATFORMS[location.architecture(config)];
    if (build.platform !== runsOn) {
      return {
        key: `${key}.platform`,
        value: build.platform,
        allowed: `expected ${runsOn}, the platform of architecture ${location.architecture(config)} the image runs on (or leave it out)`,
      };
    }
  }
  return undefined;
}
