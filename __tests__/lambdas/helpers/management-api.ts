import * as http from "http";
import type { AddressInfo } from "net";
import { LocalTable, startLocalTable, useFakeAwsCredentials } from "./local-dynamodb";

export interface RecordedPost {
  readonly connectionId: string;
  readonly body: string;
  readonly status: number;
  readonly at: number;
}

/**
 * Stands in for the API Gateway management API: records each POST /@connections/{id}, answers 410 for
 * `gone` ids and 500 while `failures` has a count left for the id, and holds every request `holdMs`
 * so that concurrent requests overlap and `maxInFlight` can observe them. With `releaseAt` set, the held
 * requests are answered `settleMs` after that many are in flight: the overlap a test needs does not
 * depend on how busy the machine is, and a client that would exceed its limit has time to show it.
 */
export class ManagementApiStub {
  readonly posts: RecordedPost[] = [];
  readonly gone = new Set<string>();
  readonly failures = new Map<string, number>();
  holdMs = 5;
  releaseAt = 0;
  settleMs = 10;
  inFlight = 0;
  maxInFlight = 0;
  private server?: http.Server;
  private held: Array<() => void> = [];
  private releaseTimer?: NodeJS.Timeout;

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => this.server!.once("error", reject).listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/test`;
  }

  async stop(): Promise<void> {
    clearTimeout(this.releaseTimer);
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  reset(): void {
    this.posts.length = 0;
    this.gone.clear();
    this.failures.clear();
    this.holdMs = 5;
    this.releaseAt = 0;
    this.settleMs = 10;
    this.inFlight = 0;
    clearTimeout(this.releaseTimer);
    this.releaseTimer = undefined;
    this.maxInFlight = 0;
  }

  /** Bodies that were accepted (200) for one connection, in arrival order. */
  delivered(connectionId: string): string[] {
    return this.posts.filter((p) => p.connectionId === connectionId && p.status === 200).map((p) => p.body);
  }

  attempts(connectionId: string): number {
    return this.posts.filter((p) => p.connectionId === connectionId).length;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const match = /\/@connections\/([^/?]+)$/.exec(req.url ?? "");
    if (req.method !== "POST" || !match) {
      res.writeHead(404).end();
      return;
    }
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      await this.hold();
      const connectionId = decodeURIComponent(match[1]);
      const status = this.statusFor(connectionId);
      this.posts.push({ connectionId, body: Buffer.concat(chunks).toString("utf8"), status, at: Date.now() });
      if (status === 200) res.writeHead(200, { "content-type": "application/json" }).end();
      else {
        const type = status === 410 ? "GoneException" : "InternalServerErrorException";
        res.writeHead(status, { "content-type": "application/json", "x-amzn-errortype": type }).end(JSON.stringify({ message: type }));
      }
    } finally {
      this.inFlight--;
    }
  }

  private hold(): Promise<void> {
    return new Promise<void>((resolve) => {
      const release = (): void => {
        clearTimeout(timer);
        this.held = this.held.filter((r) => r !== release);
        resolve();
      };
      const timer = setTimeout(release, this.holdMs);
      this.held.push(release);
      if (this.releaseAt > 0 && this.inFlight >= this.releaseAt && !this.releaseTimer) {
        this.releaseTimer = setTimeout(() => {
          this.releaseTimer = undefined;
          for (const r of this.held.splice(0)) r();
        }, this.settleMs);
      }
    });
  }

  private statusFor(connectionId: string): number {
    if (this.gone.has(connectionId)) return 410;
    const left = this.failures.get(connectionId) ?? 0;
    if (left > 0) {
      this.failures.set(connectionId, left - 1);
      return 500;
    }
    return 200;
  }
}

/**
 * What both handlers read at cold start: fake credentials, a local table made from the synthesized
 * foundations JSON, and `api` as the management endpoint.
 */
export async function startHandlerEnvironment(api: ManagementApiStub): Promise<LocalTable> {
  useFakeAwsCredentials();
  const table = await startLocalTable();
  process.env.DYNAMODB_ENDPOINT = table.endpoint;
  process.env.MANAGEMENT_API_ENDPOINT = await api.start();
  process.env.TABLE_NAME = table.tableName;
  process.env.TTL_ATTRIBUTE = table.ttlAttribute;
  return table;
}
