import { APP_COMMIT, cite, variablesSuppliedBy } from "../../config/app-contract";
import { PROFILE_SERVICES, StreamLinesConfig } from "../../config/schema";

/** A setting only the operator can give, missing from the config. */
export interface MissingOperatorSetting {
  /** The dotted config key, e.g. `services.ingest.environment.TOP_TICKERS_API`. */
  readonly key: string;
  /** What is unset and why the service needs it. */
  readonly problem: string;
  /** How to set it. */
  readonly fix: string;
  /** One line: the problem and the fix. */
  readonly message: string;
}

/**
 * The app contract's `operator` variables of the profile's services that config leaves unset.
 * Synth only warns about them; doctor and deploy refuse before phase 2 while any is missing.
 */
export function missingOperatorSettings(config: StreamLinesConfig): MissingOperatorSetting[] {
  const missing: MissingOperatorSetting[] = [];
  for (const service of PROFILE_SERVICES[config.profile]) {
    const environment = config.services[service].environment ?? {};
    for (const variable of variablesSuppliedBy(service, "operator")) {
      if (environment[variable.name]) continue;
      const key = `services.${service}.environment.${variable.name}`;
      const problem = `${key} is unset: ${service} at ${APP_COMMIT} exits at start without it (${cite(variable.source)})`;
      const fix = `set it in the config file, e.g. "services": {"${service}": {"environment": {"${variable.name}": "<${variable.meaning.split(";")[0]}>"}}} (help/app-contract.md)`;
      missing.push({ key, problem, fix, message: `${problem}; ${fix}` });
    }
  }
  return missing;
}
