import { Construct } from "constructs";
import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { Grantable } from "../iam-role";

export const CONNECTIONS_BY_SYMBOL_INDEX = "StreamLinesWebsocketGetConnectionsBySymbolIndex";

export interface ConnectionTableProps {
  readonly name: string;
  readonly ttlAttribute: string;
  readonly kmsKeyArn: string;
  /** Deletion protection; off only when data retention is off. */
  readonly deletionProtection: boolean;
}

/**
 * WebSocket subscriptions: one item per (connectionId, symbol), so a connection holds many symbols.
 * The GSI answers "who is subscribed to this symbol".
 */
export class ConnectionTable extends Construct {
  readonly arn: string;
  readonly name: string;
  readonly indexName = CONNECTIONS_BY_SYMBOL_INDEX;

  constructor(scope: Construct, id: string, props: ConnectionTableProps) {
    super(scope, id);
    const table = new DynamodbTable(this, "table", {
      name: props.name,
      billingMode: "PAY_PER_REQUEST",
      hashKey: "connectionId",
      rangeKey: "symbol",
      attribute: [
        { name: "connectionId", type: "S" },
        { name: "symbol", type: "S" },
      ],
      globalSecondaryIndex: [{ name: CONNECTIONS_BY_SYMBOL_INDEX, hashKey: "symbol", rangeKey: "connectionId", projectionType: "ALL" }],
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

  grantReadWrite(grantee: Grantable): void {
    grantee.addToPolicy({ actions: ["dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:Query", "dynamodb:BatchWriteItem"], resources: [this.arn] });
  }

  grantQueryIndex(grantee: Grantable): void {
    grantee.addToPolicy({ actions: ["dynamodb:Query"], resources: [this.indexArn] });
  }

  grantDelete(grantee: Grantable): void {
    grantee.addToPolicy({ actions: ["dynamodb:DeleteItem", "dynamodb:BatchWriteItem"], resources: [this.arn] });
  }
}
