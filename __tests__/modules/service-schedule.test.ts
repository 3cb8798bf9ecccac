/** ServiceSchedule alone: Scheduler calls UpdateService with a role that may update the listed services only; autoscaled services get scheduled capacity instead. */
import { ServiceSchedule, ServiceScheduleProps, ScheduledService } from "../../modules/service-schedule";
import { byId, granted, moduleStack, only, refTo, serviceTrust, synth, trustOf } from "./harness";

const CLUSTER = "arn:aws:ecs:eu-central-1:111122223333:cluster/app-dev";
const INGEST: ScheduledService = {
  key: "ingest",
  arn: "arn:aws:ecs:eu-central-1:111122223333:service/app-dev/app-dev-ingest",
  name: "app-dev-ingest",
  desiredCount: 1,
};
const RIPPLES: ScheduledService = {
  key: "ripples",
  arn: "arn:aws:ecs:eu-central-1:111122223333:service/app-dev/app-dev-ripples",
  name: "app-dev-ripples",
  desiredCount: 2,
};
const BACKEND: ScheduledService = {
  key: "backend",
  arn: "arn:aws:ecs:eu-central-1:111122223333:service/app-dev/app-dev-backend",
  name: "app-dev-backend",
  desiredCount: 1,
  scalableTarget: {
    serviceNamespace: "ecs",
    resourceId: "service/app-dev/app-dev-backend",
    scalableDimension: "ecs:service:DesiredCount",
    min: 1,
    max: 3,
  },
};
const PROPS: ServiceScheduleProps = {
  name: "app-dev-market-hours",
  cluster: { arn: CLUSTER },
  services: [INGEST, RIPPLES],
  timeZone: "America/New_York",
  stop: "cron(30 16 ? * MON-FRI *)",
  start: "cron(0 9 ? * MON-FRI *)",
};

function build(props: Partial<ServiceScheduleProps> = {}) {
  const stack = moduleStack();
  new ServiceSchedule(stack, "schedule", { ...PROPS, ...props });
  return synth(stack);
}

test("the role: assumed by Scheduler of this account only; UpdateService on the listed services, nothing else", () => {
  const json = build();
  expect(granted(json, "app-dev-market-hours")).toEqual([
    { actions: ["ecs:UpdateService"], effect: "Allow", resources: [INGEST.arn, RIPPLES.arn] },
  ]);
  expect(trustOf(json, "app-dev-market-hours")).toEqual(serviceTrust(json, "scheduler.amazonaws.com"));
});

test("two schedules per service in the group: to 0 after the close, to its count before the open, in the market's time zone", () => {
  const json = build();
  const schedules = Object.values(byId(json, "aws_scheduler_schedule"));
  expect(
    schedules.map((s) => [s.name, s.schedule_expression, JSON.parse(String((s.target as Record<string, unknown>).input))]).sort(),
  ).toEqual(
    [
      ["ingest-stop", PROPS.stop, { Cluster: CLUSTER, Service: "app-dev-ingest", DesiredCount: 0 }],
      ["ingest-start", PROPS.start, { Cluster: CLUSTER, Service: "app-dev-ingest", DesiredCount: 1 }],
      ["ripples-stop", PROPS.stop, { Cluster: CLUSTER, Service: "app-dev-ripples", DesiredCount: 0 }],
      ["ripples-start", PROPS.start, { Cluster: CLUSTER, Service: "app-dev-ripples", DesiredCount: 2 }],
    ].sort(),
  );
  const start = schedules.find((s) => s.name === "ripples-start")!;
  expect(start).toMatchObject({
    group_name: refTo(json, "aws_scheduler_schedule_group", "name"),
    description: "Before the open: app-dev-ripples to 2 task(s)",
    schedule_expression_timezone: "America/New_York",
    flexible_time_window: { mode: "OFF" },
    state: "ENABLED",
    target: {
      arn: `arn:${refTo(json, "aws_partition", "partition", "data")}:scheduler:::aws-sdk:ecs:updateService`,
      role_arn: refTo(json, "aws_iam_role", "arn"),
      retry_policy: { maximum_event_age_in_seconds: 3600, maximum_retry_attempts: 10 },
    },
  });
  expect(only(json, "aws_scheduler_schedule_group")).toEqual({ name: "app-dev-market-hours" });
});

test("an autoscaled service: its target's range set by scheduled actions, and no UpdateService for it", () => {
  const json = build({ services: [INGEST, BACKEND] });
  expect(granted(json, "app-dev-market-hours")).toEqual([{ actions: ["ecs:UpdateService"], effect: "Allow", resources: [INGEST.arn] }]);
  expect(
    Object.values(byId(json, "aws_scheduler_schedule"))
      .map((s) => s.name)
      .sort(),
  ).toEqual(["ingest-start", "ingest-stop"]);
  const actions = Object.values(byId(json, "aws_appautoscaling_scheduled_action"));
  expect(actions.map((a) => [a.name, a.schedule, a.scalable_target_action]).sort()).toEqual(
    [
      ["app-dev-market-hours-backend-stop", PROPS.stop, { min_capacity: "0", max_capacity: "0" }],
      ["app-dev-market-hours-backend-start", PROPS.start, { min_capacity: "1", max_capacity: "3" }],
    ].sort(),
  );
  for (const a of actions)
    expect(a).toMatchObject({
      service_namespace: "ecs",
      resource_id: "service/app-dev/app-dev-backend",
      scalable_dimension: "ecs:service:DesiredCount",
      timezone: "America/New_York",
    });
});

test("only autoscaled services: no grant at all", () => {
  const json = build({ services: [BACKEND] });
  expect(granted(json, "app-dev-market-hours")).toEqual([]);
  expect(byId(json, "aws_scheduler_schedule")).toEqual({});
});
