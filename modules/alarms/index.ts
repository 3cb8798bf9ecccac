import { Construct } from "constructs";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { CloudwatchMetricAlarm, CloudwatchMetricAlarmConfig } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";

export interface AlarmsProps {
  /** `<app>-<env>`: the topic is `<name>-alarms`, every alarm `<name>-<what>`. */
  readonly name: string;
  /** Customer managed key for the topic; its key policy must admit CloudWatch (StreamLinesKey does). */
  readonly kmsKeyArn: string;
  /** Subscribed by email; AWS sends a confirmation link before the first alarm arrives. */
  readonly email?: string;
}

type AlarmShape = Omit<CloudwatchMetricAlarmConfig, "alarmName" | "alarmActions" | "okActions">;

/**
 * An encrypted SNS topic and the alarms that notify it. Every alarm also notifies when it clears,
 * and treats missing data as fine: at night the services are stopped on purpose.
 */
export class Alarms extends Construct {
  readonly topicArn: string;
  /** Alarm names, in creation order. */
  readonly names: string[] = [];

  constructor(
    scope: Construct,
    id: string,
    private readonly props: AlarmsProps,
  ) {
    super(scope, id);
    const topic = new SnsTopic(this, "topic", { name: `${props.name}-alarms`, kmsMasterKeyId: props.kmsKeyArn });
    this.topicArn = topic.arn;
    if (props.email) {
      new SnsTopicSubscription(this, "email", { topicArn: topic.arn, protocol: "email", endpoint: props.email });
    }
  }

  private alarm(id: string, what: string, shape: AlarmShape): void {
    const name = `${this.props.name}-${what}`;
    new CloudwatchMetricAlarm(this, id, {
      alarmName: name,
      alarmActions: [this.topicArn],
      okActions: [this.topicArn],
      treatMissingData: "notBreaching",
      ...shape,
    });
    this.names.push(name);
  }

  /**
   * The consumer of a stream falls behind: the oldest record it reads is older than `thresholdMs`.
   * `consumer.what` says where to look, e.g. "the ripples service's logs and CPU".
   */
  streamIteratorAge(
    stream: { readonly key: string; readonly name: string },
    consumer: {
      readonly name: string;
      readonly what: string;
      /** Its registered consumer, when it reads through enhanced fan-out. */ readonly fanOutConsumer?: string;
    },
    thresholdMs: number,
  ): void {
    // Fan-out consumers never call GetRecords, so they report their lag per consumer instead.
    const metric: { metricName: string; dimensions: Record<string, string> } = consumer.fanOutConsumer
      ? {
          metricName: "SubscribeToShardEvent.MillisBehindLatest",
          dimensions: { StreamName: stream.name, ConsumerName: consumer.fanOutConsumer },
        }
      : { metricName: "GetRecords.IteratorAgeMilliseconds", dimensions: { StreamName: stream.name } };
    this.alarm(`${stream.key}-iterator-age`, `${stream.key}-iterator-age`, {
      alarmDescription: `The ${stream.key} stream's consumer (${consumer.name}) is more than ${thresholdMs / 1000} s behind for 5 minutes. Check ${consumer.what}.`,
      namespace: "AWS/Kinesis",
      ...metric,
      statistic: "Maximum",
      period: 60,
      evaluationPeriods: 5,
      datapointsToAlarm: 5,
      comparisonOperator: "GreaterThanThreshold",
      threshold: thresholdMs,
    });
  }

  /**
   * Fewer tasks run than ECS wants, for `minutes` in a row (crash loops, failed image pulls, no
   * capacity). Container Insights publishes both counts; the alarm watches their difference, so a
   * schedule that sets the desired count to 0 raises nothing.
   */
  tasksBelowDesired(service: { readonly key: string; readonly name: string; readonly clusterName: string }, minutes: number): void {
    const metric = (metricName: string) => ({
      namespace: "ECS/ContainerInsights",
      metricName,
      dimensions: { ClusterName: service.clusterName, ServiceName: service.name },
      period: 60,
      stat: "Average",
    });
    this.alarm(`${service.key}-tasks-below-desired`, `${service.key}-tasks-below-desired`, {
      alarmDescription: `${service.name} has run fewer tasks than desired for ${minutes} minutes. Check the service's events and stopped tasks.`,
      metricQuery: [
        { id: "running", metric: metric("RunningTaskCount"), returnData: false },
        { id: "desired", metric: metric("DesiredTaskCount"), returnData: false },
        { id: "missing", expression: "desired - running", label: "tasks below desired", returnData: true },
      ],
      evaluationPeriods: minutes,
      datapointsToAlarm: minutes,
      comparisonOperator: "GreaterThanThreshold",
      threshold: 0,
    });
  }

  /** A target group's targets answer with 5xx more than `threshold` times in 5 minutes. */
  targetErrors(
    target: { readonly key: string; readonly loadBalancerArnSuffix: string; readonly targetGroupArnSuffix: string },
    threshold: number,
  ): void {
    this.alarm(`${target.key}-target-5xx`, `${target.key}-target-5xx`, {
      alarmDescription: `The ${target.key} tasks answered ${threshold} or more 5xx responses in 5 minutes. Check the service's logs.`,
      namespace: "AWS/ApplicationELB",
      metricName: "HTTPCode_Target_5XX_Count",
      dimensions: { LoadBalancer: target.loadBalancerArnSuffix, TargetGroup: target.targetGroupArnSuffix },
      statistic: "Sum",
      period: 300,
      evaluationPeriods: 1,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      threshold,
    });
  }

  /** At least `threshold` targets fail their health check for 3 minutes. */
  unhealthyHosts(
    target: { readonly key: string; readonly loadBalancerArnSuffix: string; readonly targetGroupArnSuffix: string },
    threshold: number,
  ): void {
    this.alarm(`${target.key}-unhealthy-hosts`, `${target.key}-unhealthy-hosts`, {
      alarmDescription: `${threshold} or more ${target.key} targets failed the load balancer's health check for 3 minutes.`,
      namespace: "AWS/ApplicationELB",
      metricName: "UnHealthyHostCount",
      dimensions: { LoadBalancer: target.loadBalancerArnSuffix, TargetGroup: target.targetGroupArnSuffix },
      statistic: "Maximum",
      period: 60,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      threshold,
    });
  }

  /** A Lambda function fails (throws, times out, runs out of memory) at least once in 5 minutes. */
  functionErrors(fn: { readonly key: string; readonly name: string }): void {
    this.functionMetricAtLeastOnce(
      fn,
      "Errors",
      "errors",
      `${fn.name} failed at least once in 5 minutes (an exception, a timeout or out of memory). See help/realtime.md.`,
    );
  }

  /** Lambda refused to run a function at least once in 5 minutes (account or reserved concurrency exhausted). */
  functionThrottles(fn: { readonly key: string; readonly name: string }): void {
    this.functionMetricAtLeastOnce(
      fn,
      "Throttles",
      "throttles",
      `${fn.name} was throttled at least once in 5 minutes: the account's Lambda concurrency is used up. See help/realtime.md.`,
    );
  }

  private functionMetricAtLeastOnce(
    fn: { readonly key: string; readonly name: string },
    metricName: string,
    what: string,
    alarmDescription: string,
  ): void {
    this.alarm(`${fn.key}-${what}`, `${fn.key}-${what}`, {
      alarmDescription,
      namespace: "AWS/Lambda",
      metricName,
      dimensions: { FunctionName: fn.name },
      statistic: "Sum",
      period: 300,
      evaluationPeriods: 1,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      threshold: 1,
    });
  }

  /** A dead-letter queue holds any message at all: something was given up on. */
  queueNotEmpty(queue: { readonly key: string; readonly name: string }): void {
    this.alarm(`${queue.key}-not-empty`, `${queue.key}-not-empty`, {
      alarmDescription: `${queue.name} holds messages: batches were given up on after their retries. See help/realtime.md for inspecting and redriving them.`,
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: queue.name },
      statistic: "Maximum",
      period: 300,
      evaluationPeriods: 1,
      comparisonOperator: "GreaterThanThreshold",
      threshold: 0,
    });
  }
}
