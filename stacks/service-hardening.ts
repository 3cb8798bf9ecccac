import { Annotations } from "cdktf";
import { IConstruct } from "constructs";
import { APP_CONTRACT, cite } from "../config/app-contract";
import { ServiceName, StreamLinesConfig, readonlyRootFilesystemOf } from "../config/schema";
import { ContainerHealthCheck } from "../modules/fargate-service";

/**
 * A service's container health check and read-only root file system, from config and the app
 * contract: the check runs only programs the contract shows in the image, and the writable paths
 * are where the contract shows the app writing.
 */
export function containerHardening(
  scope: IConstruct,
  config: StreamLinesConfig,
  name: ServiceName,
): { healthCheck?: ContainerHealthCheck; readonlyRootFilesystem?: { writablePaths: readonly string[] } } {
  const contract = APP_CONTRACT[name];
  const setting = config.services[name].healthCheck;
  const check = "healthCheck" in contract ? contract.healthCheck : undefined;
  let healthCheck: ContainerHealthCheck | undefined;
  if (check && setting) {
    if (setting.enabled) {
      healthCheck = {
        command: check.command,
        intervalSeconds: setting.intervalSeconds,
        timeoutSeconds: setting.timeoutSeconds,
        retries: setting.retries,
        startPeriodSeconds: setting.startPeriodSeconds,
      };
    } else {
      Annotations.of(scope).addWarning(
        `core: services.${name}.healthCheck.enabled is false: a hung ${name} runs on unnoticed until someone looks; the default check proves ${check.proves} (${cite(contract.image.source)}; help/app-contract.md)`,
      );
    }
  }
  const readonly = readonlyRootFilesystemOf(config, name);
  return { healthCheck, ...(readonly && { readonlyRootFilesystem: { writablePaths: contract.rootFilesystem.writablePaths } }) };
}
