/** Alarms alone: the encrypted topic, and each alarm's metric, threshold and actions. */
import { TerraformStack } from "cdktf";
import { Alarms } from "../../modules/alarms";
import { StackJson } from "../helpers/synth";
import { KEY_ARN, byId, moduleStack, only, refTo, synth } from "./harness";

function build(use: (alarms: Alarms) => void = () => undefined, email?: string): { json: StackJson; alarms: Alarms } {
  const stack: TerraformStack = moduleStack();
  const alarms = new Alarms(stack, "alarms", { name: "app-dev", kmsKeyArn: KEY_ARN, email });
  use(alarms);
  return { json: synth(stack), alarms };
}

const alarm = (json: StackJson, name: string) =>
  Object.values(byId(json, "aws_cloudwatch_metric_alarm")).find((a) => a.alarm_name === name)!;

test("a KMS-encrypted topic; an email subscription only when an address is given", () => {
  const { json } = build();
  expect(only(json, "aws_sns_topic")).toEqual({ name: "app-dev-alarms", kms_master_key_id: KEY_ARN });
  expect(byId(json, "aws_sns_topic_subscription")).toEqual({});
  const withEmail = build(undefined, "ops@example.com").json;
  expect(only(withEmail, "aws_sns_topic_subscription")).toEqual({
    topic_arn: refTo(withEmail, "aws_sns_topic", "arn"),
    protocol: "email",
    endpoint: "ops@example.com",
  });
});

test("every alarm notifies on alarm and on recovery, and missing data (services stopped at night) is fine", () => {
  const { json, alarms } = build((a) => {
    a.functionErrors({ key: "pusher", name: "app-dev-results-pusher" });
    a.queueNotEmpty({ key: "dlq", name: "app-dev-results-dlq" });
  });
  expect(alarms.names).toEqual(["app-dev-pusher-errors", "app-dev-dlq-not-empty"]);
  const topic = refTo(json, "aws_sns_topic", "arn");
  for (const a of Object.values(byId(json, "aws_cloudwatch_metric_alarm"))) {
    expect(a).toMatchObject({ alarm_actions: [topic], ok_actions: [topic], treat_missing_data: "notBreaching" });
  }
});

test("stream iterator age: polling consumers by GetRecords age, fan-out consumers by their own lag", () => {
  const { json } = build((a) => {
    a.streamIteratorAge({ key: "ticks", name: "app-dev-ticks" }, { name: "ripples", what: "the ripples service's logs" }, 60_000);
    a.streamIteratorAge(
      { key: "results", name: "app-dev-results" },
      { name: "pusher", what: "the pusher", fanOutConsumer: "app-dev-pusher" },
      30_000,
    );
  });
  expect(alarm(json, "app-dev-ticks-iterator-age")).toMatchObject({
    namespace: "AWS/Kinesis",
    metric_name: "GetRecords.IteratorAgeMilliseconds",
    dimensions: { StreamName: "app-dev-ticks" },
    statistic: "Maximum",
    period: 60,
    evaluation_periods: 5,
    datapoints_to_alarm: 5,
    comparison_operator: "GreaterThanThreshold",
    threshold: 60_000,
    alarm_description: "The ticks stream's consumer (ripples) is more than 60 s behind for 5 minutes. Check the ripples service's logs.",
  });
  expect(alarm(json, "app-dev-results-iterator-age")).toMatchObject({
    metric_name: "SubscribeToShardEvent.MillisBehindLatest",
    dimensions: { StreamName: "app-dev-results", ConsumerName: "app-dev-pusher" },
    threshold: 30_000,
  });
});

test("tasks below desired: the difference of the two Container Insights counts, so a schedule to 0 raises nothing", () => {
  const { json } = build((a) => a.tasksBelowDesired({ key: "ingest", name: "app-dev-ingest", clusterName: "app-dev" }, 10));
  const metric = (name: string) => ({
    namespace: "ECS/ContainerInsights",
    metric_name: name,
    dimensions: { ClusterName: "app-dev", ServiceName: "app-dev-ingest" },
    period: 60,
    stat: "Average",
  });
  expect(alarm(json, "app-dev-ingest-tasks-below-desired")).toMatchObject({
    metric_query: [
      { id: "running", metric: metric("RunningTaskCount"), return_data: false },
      { id: "desired", metric: metric("DesiredTaskCount"), return_data: false },
      { id: "missing", expression: "desired - running", label: "tasks below desired", return_data: true },
    ],
    evaluation_periods: 10,
    datapoints_to_alarm: 10,
    comparison_operator: "GreaterThanThreshold",
    threshold: 0,
  });
});

test("load balancer targets: 5xx count in 5 minutes, unhealthy hosts for 3", () => {
  const target = { key: "backend", loadBalancerArnSuffix: "app/app-dev-alb/1", targetGroupArnSuffix: "targetgroup/back-/2" };
  const { json } = build((a) => {
    a.targetErrors(target, 10);
    a.unhealthyHosts(target, 1);
  });
  const dimensions = { LoadBalancer: "app/app-dev-alb/1", TargetGroup: "targetgroup/back-/2" };
  expect(alarm(json, "app-dev-backend-target-5xx")).toMatchObject({
    namespace: "AWS/ApplicationELB",
    metric_name: "HTTPCode_Target_5XX_Count",
    dimensions,
    statistic: "Sum",
    period: 300,
    evaluation_periods: 1,
    comparison_operator: "GreaterThanOrEqualToThreshold",
    threshold: 10,
  });
  expect(alarm(json, "app-dev-backend-unhealthy-hosts")).toMatchObject({
    namespace: "AWS/ApplicationELB",
    metric_name: "UnHealthyHostCount",
    dimensions,
    statistic: "Maximum",
    period: 60,
    evaluation_periods: 3,
    datapoints_to_alarm: 3,
    threshold: 1,
  });
});

test("Lambda errors and throttles: at least once in 5 minutes; a dead-letter queue: any message", () => {
  const { json } = build((a) => {
    a.functionErrors({ key: "pusher", name: "app-dev-results-pusher" });
    a.functionThrottles({ key: "pusher", name: "app-dev-results-pusher" });
    a.queueNotEmpty({ key: "dlq", name: "app-dev-results-dlq" });
  });
  const lambda = {
    namespace: "AWS/Lambda",
    dimensions: { FunctionName: "app-dev-results-pusher" },
    statistic: "Sum",
    period: 300,
    evaluation_periods: 1,
    comparison_operator: "GreaterThanOrEqualToThreshold",
    threshold: 1,
  };
  expect(alarm(json, "app-dev-pusher-errors")).toMatchObject({ ...lambda, metric_name: "Errors" });
  expect(alarm(json, "app-dev-pusher-throttles")).toMatchObject({ ...lambda, metric_name: "Throttles" });
  expect(alarm(json, "app-dev-dlq-not-empty")).toMatchObject({
    namespace: "AWS/SQS",
    metric_name: "ApproximateNumberOfMessagesVisible",
    dimensions: { QueueName: "app-dev-results-dlq" },
    statistic: "Maximum",
    comparison_operator: "GreaterThanThreshold",
    threshold: 0,
  });
});
