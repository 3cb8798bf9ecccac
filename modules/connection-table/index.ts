import { Construct } from "constructs";
import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { Grantable } from "../iam-role";
import { keyFromArn } from "../kms-key";
import { CONNECTIONS_BY_SYMBOL_INDEX, SUBSCRIBED_SYMBOL_ATTRIBUTE } from "../../lambdas/shared/table-layout";

export { CONNECTIONS_BY_SYMBOL_INDEX };

export interface ConnectionTableProps {
  readonly name: string;
  readonly ttlAttribute: string;
  readonly kmsKeyArn: string;
  /** Deletion protection; off only when data retention is off. */
  readonly deletionProtection: boolean;
}

/**
 * WebSocket subscriptions: one item per (connectionId, symbol), so a connection holds many symbols.
 * The GSI answers "who is subscribed to this symbol". It is sparse (only subscription items carry its
 * hash key, the `$connect` sentinels do not) and projects keys only: the pusher reads connectionId alone.
 * A change to the index's keys or projection rebuilds the index in place; the table stays (help/realtime.md).
 */
export class ConnectionTable extends Construct {
  readonly arn: string;
  readonly name: string;
  readonly indexName = CONNECTIONS_BY_SYMBOL_INDEX;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: ConnectionTableProps,
  ) {
    super(scope, id);
    const table = new DynamodbTable(this, "table", {
      name: props.name,
      billingMode: "PAY_PER_REQUEST",
      hashKey: "connectionId",
      rangeKey: "symbol",
      attribute: [
        { name: "connectionId", type: "S" },
        { name: "symbol", type: "S" },
        { name: SUBSCRIBED_SYMBOL_ATTRIBUTE, type: "S" },
      ],
      globalSecondaryIndex: [
        { name: CONNECTIONS_BY_SYMBOL_INDEX, hashKey: SUBSCRIBED_SYMBOL_ATTRIBUTE, rangeKey: "connectionId", projectionType: "KEYS_ONLY" },
      ],
      ttl: { attributeName: props.ttlAttribute, enabled: true },
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: { enabled: true, kmsKeyArn: props.kmsKeyArn },
      deletionProtectionEnabled: props.deletionProtection,
    });
    this.arn = table.arn;
    this.name = table.name;
  }

  get indexArn(): string {
    return `${this.arn}/index/${this.indexName}`;
  }

  /** Subscribe and unsubscribe: write, delete and find a connection's items. */
  grantReadWrite(grantee: Grantable): void {
    grantee.addToPolicy({
      actions: ["dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:Query", "dynamodb:BatchWriteItem"],
      resources: [this.arn],
    });
    this.grantKey(grantee);
  }

  /** "Who is subscribed to this symbol": Query on the GSI only. */
  grantQueryIndex(grantee: Grantable): void {
    grantee.addToPolicy({ actions: ["dynamodb:Query"], resources: [this.indexArn] });
    this.grantKey(grantee);
  }

  /** Remove a gone connection: find its items by Query on the table, then delete them. */
  grantDeleteConnections(grantee: Grantable): void {
    grantee.addToPolicy({ actions: ["dynamodb:Query", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"], resources: [this.arn] });
    this.grantKey(grantee);
  }

  /** DynamoDB decrypts the table key of a CMK-encrypted table with the caller's permissions. */
  private grantKey(grantee: Grantable): void {
    keyFromArn(this.props.kmsKeyArn).grantDecrypt(grantee);
  }
}
