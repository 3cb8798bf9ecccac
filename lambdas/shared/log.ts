export type LogLevel = "info" | "warn" | "error";

/** One JSON object per line, so CloudWatch Logs Insights can filter on fields. */
export function log(level: LogLevel, message: string, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ level, message, ...fields });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

/** Name, message and HTTP status of an error; never the request or response bodies the SDK attaches. */
export function errorFields(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { error: String(err) };
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return { errorName: err.name, errorMessage: err.message, ...(status === undefined ? {} : { httpStatus: status }) };
}
