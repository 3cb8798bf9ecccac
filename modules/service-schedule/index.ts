import { Construct } from "constructs";
import { SchedulerSchedule } from "@cdktf/provider-aws/lib/scheduler-schedule";
import { SchedulerScheduleGroup } from "@cdktf/provider-aws/lib/scheduler-schedule-group";
import { AppautoscalingScheduledAction } from "@cdktf/provider-aws/lib/appautoscaling-scheduled-action";
import type { ScalableTarget } from "../fargate-service";
import { accountIdOf, partitionOf } from "../aws-context";
import { StreamLinesRole } from "../iam-role";

/** A service the schedule scales: its ARN for IAM, its name for UpdateService, its open-hours count. */
export interface ScheduledService {
  /** Short key for schedule names, e.g. `ingest`. */
  readonly key: string;
  readonly arn: string;
  readonly name: string;
  readonly desiredCount: number;
  /**
   * Set when Application Auto Scaling owns the count: the schedule then sets the target's min and max
   * (0 after the close, the configured range before the open), AWS's documented way; a desired count
   * set underneath the target would be undone by its next scale-out.
   */
  readonly scalableTarget?: ScalableTarget;
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
    const accountId = accountIdOf(this);
    const partition = partitionOf(this);

    const group = new SchedulerScheduleGroup(this, "group", { name: props.name });
    this.groupName = group.name;

    this.role = new StreamLinesRole(this, "role", {
      name: props.name,
      description: `${props.name}: EventBridge Scheduler sets the services' desired count`,
      assumedBy: ["scheduler.amazonaws.com"],
      // Confused-deputy guard: only schedules of this account may assume the role.
      trustConditions: { StringEquals: { "aws:SourceAccount": [accountId] } },
    });
    const updated = props.services.filter((s) => !s.scalableTarget);
    // UpdateService with only a desired count needs no iam:PassRole; nothing else is allowed.
    if (updated.length > 0) this.role.addToPolicy({ actions: ["ecs:UpdateService"], resources: updated.map((s) => s.arn) });

    for (const service of props.services) {
      const target = service.scalableTarget;
      if (!target) continue;
      for (const [phase, expression, min, max] of [
        ["stop", props.stop, 0, 0],
        ["start", props.start, target.min, target.max],
      ] as const) {
        new AppautoscalingScheduledAction(this, `${service.key}-${phase}-capacity`, {
          name: `${props.name}-${service.key}-${phase}`,
          serviceNamespace: target.serviceNamespace,
          resourceId: target.resourceId,
          scalableDimension: target.scalableDimension,
          schedule: expression,
          timezone: props.timeZone,
          scalableTargetAction: { minCapacity: String(min), maxCapacity: String(max) },
        });
      }
    }

    const updateService = `arn:${partition}:scheduler:::aws-sdk:ecs:updateService`;
    for (const service of updated) {
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
