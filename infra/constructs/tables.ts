// The service's one DynamoDB table, built from the shape the local stack and the tests also read (shared/store/table.ts).
import { RemovalPolicy } from "aws-cdk-lib";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import type { Construct } from "constructs";
import { tableShape } from "../../shared/store/table";

const stringKey = (name: string): dynamodb.Attribute => ({ name, type: dynamodb.AttributeType.STRING });

export class ServiceTable extends dynamodb.Table {
  /** One ARN per index, so a grant never needs the `index/*` wildcard. */
  readonly indexArns: string[];

  constructor(scope: Construct, id: string) {
    super(scope, id, {
      partitionKey: stringKey(tableShape.partitionKey),
      sortKey: stringKey(tableShape.sortKey),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      // The table is the system of record: neither a stack update nor a stack deletion may drop it.
      deletionProtection: true,
      timeToLiveAttribute: tableShape.timeToLive,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const index of tableShape.indexes) {
      this.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: stringKey(index.partitionKey),
        sortKey: stringKey(index.sortKey),
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
    this.indexArns = tableShape.indexes.map((index) => `${this.tableArn}/index/${index.name}`);
  }
}
