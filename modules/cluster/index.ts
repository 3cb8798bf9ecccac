import { Construct } from "constructs";
import { ITerraformDependable } from "cdktf";
import { EcsCluster } from "@cdktf/provider-aws/lib/ecs-cluster";
import { EcsClusterCapacityProviders } from "@cdktf/provider-aws/lib/ecs-cluster-capacity-providers";
import { ServiceDiscoveryPrivateDnsNamespace } from "@cdktf/provider-aws/lib/service-discovery-private-dns-namespace";
import { EcsClusterRef } from "../fargate-service";
import { StreamLinesLogGroup } from "../log-group";

export interface AppClusterProps {
  /** `<app>-<env>`: the cluster's name. */
  readonly name: string;
  readonly vpcId: string;
  /** Where ECS Exec sessions (commands and their output) are logged, encrypted with the key. */
  readonly execSessionLog: { readonly name: string; readonly retentionDays: number; readonly kmsKeyArn: string };
  /** The Cloud Map private DNS namespace, `<app>-<env>.internal`. */
  readonly namespace: { readonly name: string; readonly description: string };
}

/** The ECS cluster the services run in, and the namespace they find each other in. */
export interface AppCluster {
  readonly cluster: EcsClusterRef;
  /** Services in the cluster's own stack depend on it: a strategy may name only providers already on the cluster. */
  readonly capacityProviders: ITerraformDependable;
  readonly namespaceName: string;
  readonly namespaceId: string;
}

/**
 * The cluster (Container Insights, exec sessions logged), FARGATE and FARGATE_SPOT with an on-demand
 * default, and the namespace. Created directly on `scope` with the ids `exec-sessions`, `cluster`,
 * `capacity-providers` and `namespace`: a construct of its own would change their Terraform addresses.
 */
export function appCluster(scope: Construct, props: AppClusterProps): AppCluster {
  // ECS Exec sessions are logged for every exec-enabled task in the cluster: the services'
  // executeCommand, and the InfluxDB EFS and Grafana tasks, which always have it.
  const execSessions = new StreamLinesLogGroup(scope, "exec-sessions", props.execSessionLog);
  const cluster = new EcsCluster(scope, "cluster", {
    name: props.name,
    setting: [{ name: "containerInsights", value: "enabled" }],
    configuration: {
      executeCommandConfiguration: {
        logging: "OVERRIDE",
        // The agent refuses to log to a group without a KMS key when encryption is asked for.
        logConfiguration: { cloudWatchLogGroupName: execSessions.name, cloudWatchEncryptionEnabled: true },
      },
    },
  });
  const capacityProviders = new EcsClusterCapacityProviders(scope, "capacity-providers", {
    clusterName: cluster.name,
    capacityProviders: ["FARGATE", "FARGATE_SPOT"],
    // Services opt in to FARGATE_SPOT explicitly; the default must not be interruptible.
    defaultCapacityProviderStrategy: [{ capacityProvider: "FARGATE", weight: 1, base: 0 }],
  });
  const namespace = new ServiceDiscoveryPrivateDnsNamespace(scope, "namespace", {
    name: props.namespace.name,
    description: props.namespace.description,
    vpc: props.vpcId,
  });
  return {
    cluster: { name: cluster.name, arn: cluster.arn, execSessionLog: execSessions },
    capacityProviders,
    namespaceName: namespace.name,
    namespaceId: namespace.id,
  };
}
