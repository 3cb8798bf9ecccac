/**
 * Which records this function instance already delivered to which connections, so that a retried batch
 * (Lambda re-sends every record from the lowest reported failure on) skips them. It lives in memory:
 * a retry in another instance, or after a timeout or crash restarted this one, starts empty.
 */
export class DeliveryLedger {
  private readonly byRecord = new Map<string, Set<string>>();
  private pairs = 0;

  /** `maxPairs` bounds memory; past it the oldest records are forgotten first. */
  constructor(private readonly maxPairs: number) {}

  has(recordId: string, connectionId: string): boolean {
    return this.byRecord.get(recordId)?.has(connectionId) ?? false;
  }

  add(recordIds: readonly string[], connectionId: string): void {
    for (const id of recordIds) {
      let connections = this.byRecord.get(id);
      if (!connections) this.byRecord.set(id, (connections = new Set()));
      if (!connections.has(connectionId)) {
        connections.add(connectionId);
        this.pairs++;
      }
    }
    for (const [id, connections] of this.byRecord) {
      if (this.pairs <= this.maxPairs) break;
      this.pairs -= connections.size;
      this.byRecord.delete(id);
    }
  }

  /** Records Lambda will not send again (checkpointed) need no memory. */
  forget(recordIds: readonly string[]): void {
    for (const id of recordIds) {
      const connections = this.byRecord.get(id);
      if (!connections) continue;
      this.pairs -= connections.size;
      this.byRecord.delete(id);
    }
  }

  get size(): number {
    return this.pairs;
  }
}
