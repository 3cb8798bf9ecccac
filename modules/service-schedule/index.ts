import { Construct } from "constructs";
import { SchedulerSchedule } from "@cdktf/provider-aws/lib/scheduler-schedule";
import { SchedulerScheduleGroup } from "@cdktf/provider-aws/lib/scheduler-schedule-group";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { StreamLinesRole } from "../iam-role";

/** A service the schedule scales: its ARN for IAM, its name for UpdateService, its open-hours count. */
export interface ScheduledService {
  /** Short key for schedule names, e.g. `ingest`. */
  readonly key: string;
  readonly arn: string;
  readonly name: string;
  readonly desiredCount: number;
}

export interface ServiceScheduleProps {
  /** `<app>-<env>-market-hours`: the schedule group and the scheduler role. */
  readonly name: string;
  readonly cluster: { readonly arn: string };
  readonly services: readonly ScheduledService[];
  /** IANA time zone of both expressions; Scheduler follows its daylight saving changes. */
  readonly timeZone: string;
  /** `cron(...)` after the close: every service goes to 0 tasks. */
  readonly stop: string;
  /** `cron(...)` before the open: every service goes back to its desiredCount. */
  readonly start: string;
}

/**
 * Market hours with EventBridge Scheduler calling ECS UpdateService directly (a universal target,
 * no Lambda). The services must ignore desired_count drift, or the next apply would undo the schedule.
 */
export class ServiceSchedule extends Construct {
  readonly groupName: string;
  readonly role: StreamLinesRole;

  constructor(scope: Construct, id: string, props: ServiceScheduleProps) {
    super(scope, id);
    const account = new DataAwsCallerIdentity(this, "account");
    const partition = new DataAwsPartition(this, "partition");

    const group = new SchedulerScheduleGroup(this, "group", { name: props.name });
    this.groupName = group.name;

    this.role = new StreamLinesRole(this, "role", {
      name: props.name,
      description: `${props.name}: EventBridge Scheduler sets the services' desired count`,
      assumedBy: ["scheduler.amazonaws.com"],
      // Confused-deputy guard: only schedules of this account may assume the role.
      trustConditions: { StringEquals: { "aws:SourceAccount": [account.accountId] } },
    });
    // UpdateService with only a desired count needs no iam:PassRole; nothing else is allowed.
    this.role.addToPolicy({
      actions: ["ecs:UpdateService"],
      resources: props.services.map((s) => s.arn),
    });

    const updateService = `arn:${partition.partition}:scheduler:::aws-sdk:ecs:updateService`;
    for (const service of props.services) {
      for (const [phase, expression, count] of [
        ["stop", props.stop, 0],
        ["start", props.start, service.desiredCount],
      ] as const) {
        new SchedulerSchedule(this, `${service.key}-${phase}`, {
          name: `${service.key}-${phase}`,
          groupName: group.name,
          description: `${phase === "stop" ? "After the close" : "Before the open"}: ${service.name} to ${count} task(s)`,
          scheduleExpression: expression,
          scheduleExpressionTimezone: props.timeZone,
          flexibleTimeWindow: { mode: "OFF" },
          state: "ENABLED",
          target: {
            arn: updateService,
            roleArn: this.role.arn,
            input: JSON.stringify({ Cluster: props.cluster.arn, Service: service.name, DesiredCount: count }),
            // A missed start is worth retrying for an hour, not the default day: by then the market is open.
            retryPolicy: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 10 },
          },
        });
      }
    }
  }
}
