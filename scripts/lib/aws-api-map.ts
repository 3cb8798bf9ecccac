/**
 * Which AWS API input each Terraform resource type becomes, for the constraints check over the synthesized
 * JSON (__tests__/stacks/aws-constraints.test.ts) and the table generated from botocore's models
 * (scripts/generate-aws-constraints.ts). Attributes map to API members by name (snake_case, camelCase and
 * PascalCase compare equal; a block may be the singular of a list member); `members` covers the rest.
 */
export interface ApiMapping {
  /** botocore's service directory (`data/<service>/<version>/service-2.json.gz`). */
  readonly service: string;
  /** The operation whose input the resource's arguments become. */
  readonly operation?: string;
  /** A shape to start from instead of the operation's input, where the arguments are one nested structure. */
  readonly shape?: string;
  /**
   * Attribute path (dots, no indices) -> API member path from the parent's shape (dots step into structures).
   * An empty string leaves the attribute unmapped on purpose: the provider sends it through another call.
   * "." flattens a block into its parent: its attributes are the parent's members.
   */
  readonly members?: Readonly<Record<string, string>>;
  /** Attributes holding a JSON document whose keys are the API member's own (container definitions, policies). */
  readonly json?: ReadonlyArray<string>;
}

/** Resource types with no API input of their own to check, each with the reason. */
export const NOT_MAPPED: Readonly<Record<string, string>> = {
  aws_api_gateway_account: "UpdateAccount takes JSON patch operations, not the arguments",
  aws_acm_certificate_validation: "a waiter: it calls no API with its arguments",
  aws_default_security_group: "adopts the VPC's default group: it creates nothing",
  null_resource: "not an AWS resource",
};

export const API_MAP: Readonly<Record<string, ApiMapping>> = {
  aws_acm_certificate: { service: "acm", operation: "RequestCertificate" },
  aws_apigatewayv2_api: { service: "apigatewayv2", operation: "CreateApi" },
  aws_apigatewayv2_api_mapping: { service: "apigatewayv2", operation: "CreateApiMapping" },
  aws_apigatewayv2_domain_name: {
    service: "apigatewayv2",
    operation: "CreateDomainName",
    members: { domain_name_configuration: "DomainNameConfigurations" },
  },
  aws_apigatewayv2_integration: { service: "apigatewayv2", operation: "CreateIntegration" },
  aws_apigatewayv2_route: { service: "apigatewayv2", operation: "CreateRoute" },
  aws_apigatewayv2_stage: { service: "apigatewayv2", operation: "CreateStage", members: { name: "StageName" } },
  aws_appautoscaling_policy: { service: "application-autoscaling", operation: "PutScalingPolicy", members: { name: "PolicyName" } },
  aws_appautoscaling_scheduled_action: {
    service: "application-autoscaling",
    operation: "PutScheduledAction",
    members: { name: "ScheduledActionName" },
  },
  aws_appautoscaling_target: { service: "application-autoscaling", operation: "RegisterScalableTarget" },
  aws_cloudfront_distribution: {
    service: "cloudfront",
    shape: "DistributionConfig",
    members: {
      origin: "Origins",
      "origin.origin_id": "Id",
      "default_cache_behavior.cached_methods": "AllowedMethods.CachedMethods",
      "ordered_cache_behavior.cached_methods": "AllowedMethods.CachedMethods",
      ordered_cache_behavior: "CacheBehaviors",
      custom_error_response: "CustomErrorResponses",
      web_acl_id: "WebACLId",
      logging_config: "Logging",
    },
  },
  aws_cloudfront_function: {
    service: "cloudfront",
    operation: "CreateFunction",
    members: { runtime: "FunctionConfig.Runtime", comment: "FunctionConfig.Comment", code: "FunctionCode" },
  },
  aws_cloudfront_origin_access_control: { service: "cloudfront", shape: "OriginAccessControlConfig" },
  aws_cloudfront_response_headers_policy: { service: "cloudfront", shape: "ResponseHeadersPolicyConfig" },
  aws_cloudwatch_log_group: { service: "logs", operation: "CreateLogGroup", members: { name: "logGroupName", retention_in_days: "" } },
  aws_cloudwatch_metric_alarm: {
    service: "cloudwatch",
    operation: "PutMetricAlarm",
    members: {
      ok_actions: "OKActions",
      metric_query: "Metrics",
      "metric_query.metric": "MetricStat",
      "metric_query.metric.metric_name": "Metric.MetricName",
      "metric_query.metric.namespace": "Metric.Namespace",
      "metric_query.metric.dimensions": "Metric.Dimensions",
    },
  },
  aws_dlm_lifecycle_policy: { service: "dlm", operation: "CreateLifecyclePolicy" },
  aws_dynamodb_table: {
    service: "dynamodb",
    operation: "CreateTable",
    members: {
      name: "TableName",
      attribute: "AttributeDefinitions",
      "attribute.name": "AttributeName",
      "attribute.type": "AttributeType",
      "global_secondary_index.name": "IndexName",
      hash_key: "",
      range_key: "",
      "global_secondary_index.hash_key": "",
      "global_secondary_index.range_key": "",
      "global_secondary_index.projection_type": "Projection.ProjectionType",
      "global_secondary_index.non_key_attributes": "Projection.NonKeyAttributes",
      point_in_time_recovery: "",
      ttl: "",
    },
  },
  aws_ebs_volume: { service: "ec2", operation: "CreateVolume", members: { type: "VolumeType" } },
  aws_ecr_lifecycle_policy: {
    service: "ecr",
    operation: "PutLifecyclePolicy",
    members: { repository: "repositoryName", policy: "lifecyclePolicyText" },
  },
  aws_ecr_repository: { service: "ecr", operation: "CreateRepository", members: { name: "repositoryName", force_delete: "" } },
  aws_ecs_cluster: { service: "ecs", operation: "CreateCluster", members: { name: "clusterName", setting: "settings" } },
  aws_ecs_cluster_capacity_providers: {
    service: "ecs",
    operation: "PutClusterCapacityProviders",
    members: { cluster_name: "cluster", default_capacity_provider_strategy: "defaultCapacityProviderStrategy" },
  },
  aws_ecs_service: {
    service: "ecs",
    operation: "CreateService",
    members: {
      name: "serviceName",
      capacity_provider_strategy: "capacityProviderStrategy",
      service_registries: "serviceRegistries",
      load_balancer: "loadBalancers",
      network_configuration: "networkConfiguration.awsvpcConfiguration",
      wait_for_steady_state: "",
      force_new_deployment: "",
      deployment_circuit_breaker: "deploymentConfiguration.deploymentCircuitBreaker",
      deployment_maximum_percent: "deploymentConfiguration.maximumPercent",
      deployment_minimum_healthy_percent: "deploymentConfiguration.minimumHealthyPercent",
    },
  },
  aws_ecs_task_definition: {
    service: "ecs",
    operation: "RegisterTaskDefinition",
    json: ["container_definitions"],
    members: { cpu: "cpu", memory: "memory", skip_destroy: "" },
  },
  aws_efs_access_point: { service: "efs", operation: "CreateAccessPoint" },
  aws_efs_backup_policy: { service: "efs", operation: "PutBackupPolicy" },
  aws_efs_file_system_policy: { service: "efs", operation: "PutFileSystemPolicy" },
  aws_efs_file_system: { service: "efs", operation: "CreateFileSystem", members: { lifecycle_policy: "" } },
  aws_efs_mount_target: { service: "efs", operation: "CreateMountTarget" },
  aws_eip: { service: "ec2", operation: "AllocateAddress" },
  aws_flow_log: {
    service: "ec2",
    operation: "CreateFlowLogs",
    members: { vpc_id: "ResourceIds", iam_role_arn: "DeliverLogsPermissionArn" },
  },
  aws_iam_instance_profile: { service: "iam", operation: "CreateInstanceProfile", members: { name: "InstanceProfileName", role: "" } },
  aws_iam_role: {
    service: "iam",
    operation: "CreateRole",
    members: { name: "RoleName", assume_role_policy: "AssumeRolePolicyDocument", force_detach_policies: "" },
  },
  aws_iam_role_policy: {
    service: "iam",
    operation: "PutRolePolicy",
    members: { name: "PolicyName", role: "RoleName", policy: "PolicyDocument" },
  },
  aws_iam_role_policy_attachment: { service: "iam", operation: "AttachRolePolicy", members: { role: "RoleName" } },
  aws_instance: {
    service: "ec2",
    operation: "RunInstances",
    members: {
      ami: "ImageId",
      root_block_device: "",
      metadata_options: "MetadataOptions",
      vpc_security_group_ids: "SecurityGroupIds",
      user_data_replace_on_change: "",
    },
  },
  aws_internet_gateway: { service: "ec2", operation: "CreateInternetGateway" },
  aws_key_pair: { service: "ec2", operation: "ImportKeyPair", members: { public_key: "PublicKeyMaterial" } },
  aws_kinesis_stream: {
    service: "kinesis",
    operation: "CreateStream",
    members: { name: "StreamName", retention_period: "", encryption_type: "", kms_key_id: "", shard_level_metrics: "" },
  },
  aws_kms_alias: { service: "kms", operation: "CreateAlias", members: { name: "AliasName" } },
  aws_kms_key: { service: "kms", operation: "CreateKey", members: { deletion_window_in_days: "", enable_key_rotation: "" } },
  aws_lambda_event_source_mapping: { service: "lambda", operation: "CreateEventSourceMapping" },
  aws_lambda_function: { service: "lambda", operation: "CreateFunction", members: { filename: "", source_code_hash: "", role: "Role" } },
  aws_lambda_permission: { service: "lambda", operation: "AddPermission" },
  aws_lb: {
    service: "elbv2",
    operation: "CreateLoadBalancer",
    members: {
      load_balancer_type: "Type",
      internal: "Scheme",
      access_logs: "",
      drop_invalid_header_fields: "",
      enable_deletion_protection: "",
      idle_timeout: "",
    },
  },
  aws_lb_listener: {
    service: "elbv2",
    operation: "CreateListener",
    members: {
      default_action: "DefaultActions",
      "default_action.redirect": "RedirectConfig",
      "default_action.fixed_response": "FixedResponseConfig",
    },
  },
  aws_lb_listener_rule: {
    service: "elbv2",
    operation: "CreateRule",
    members: {
      action: "Actions",
      condition: "Conditions",
      "condition.path_pattern": "PathPatternConfig",
      "condition.host_header": "HostHeaderConfig",
    },
  },
  aws_lb_target_group: {
    service: "elbv2",
    operation: "CreateTargetGroup",
    members: {
      health_check: ".",
      "health_check.path": "HealthCheckPath",
      "health_check.interval": "HealthCheckIntervalSeconds",
      "health_check.timeout": "HealthCheckTimeoutSeconds",
      "health_check.healthy_threshold": "HealthyThresholdCount",
      "health_check.unhealthy_threshold": "UnhealthyThresholdCount",
      "health_check.matcher": "Matcher.HttpCode",
      "health_check.protocol": "HealthCheckProtocol",
      "health_check.port": "HealthCheckPort",
      "health_check.enabled": "HealthCheckEnabled",
      deregistration_delay: "",
    },
  },
  aws_nat_gateway: { service: "ec2", operation: "CreateNatGateway" },
  aws_route: { service: "ec2", operation: "CreateRoute" },
  aws_route53_record: {
    service: "route53",
    shape: "ResourceRecordSet",
    members: { records: "ResourceRecords", alias: "AliasTarget", zone_id: "" },
  },
  aws_route_table: { service: "ec2", operation: "CreateRouteTable" },
  aws_route_table_association: { service: "ec2", operation: "AssociateRouteTable" },
  aws_s3_bucket: { service: "s3", operation: "CreateBucket", members: { force_destroy: "" } },
  aws_s3_bucket_lifecycle_configuration: {
    service: "s3",
    operation: "PutBucketLifecycleConfiguration",
    members: { rule: "LifecycleConfiguration.Rules", "rule.id": "ID" },
  },
  aws_s3_bucket_ownership_controls: {
    service: "s3",
    operation: "PutBucketOwnershipControls",
    members: { rule: "OwnershipControls.Rules" },
  },
  aws_s3_bucket_policy: { service: "s3", operation: "PutBucketPolicy" },
  aws_s3_bucket_public_access_block: {
    service: "s3",
    operation: "PutPublicAccessBlock",
    members: {
      block_public_acls: "PublicAccessBlockConfiguration.BlockPublicAcls",
      block_public_policy: "PublicAccessBlockConfiguration.BlockPublicPolicy",
      ignore_public_acls: "PublicAccessBlockConfiguration.IgnorePublicAcls",
      restrict_public_buckets: "PublicAccessBlockConfiguration.RestrictPublicBuckets",
    },
  },
  aws_s3_bucket_server_side_encryption_configuration: {
    service: "s3",
    operation: "PutBucketEncryption",
    members: {
      rule: "ServerSideEncryptionConfiguration.Rules",
      "rule.apply_server_side_encryption_by_default.kms_master_key_id": "KMSMasterKeyID",
    },
  },
  aws_s3_bucket_versioning: { service: "s3", operation: "PutBucketVersioning" },
  aws_s3_object: { service: "s3", operation: "PutObject", members: { source: "", source_hash: "", content: "Body" } },
  aws_scheduler_schedule: { service: "scheduler", operation: "CreateSchedule" },
  aws_scheduler_schedule_group: { service: "scheduler", operation: "CreateScheduleGroup" },
  aws_security_group: { service: "ec2", operation: "CreateSecurityGroup", members: { name: "GroupName", revoke_rules_on_delete: "" } },
  aws_service_discovery_instance: { service: "servicediscovery", operation: "RegisterInstance" },
  aws_service_discovery_private_dns_namespace: {
    service: "servicediscovery",
    operation: "CreatePrivateDnsNamespace",
    members: { vpc: "Vpc" },
  },
  aws_service_discovery_service: {
    service: "servicediscovery",
    operation: "CreateService",
    members: { namespace_id: "NamespaceId", force_destroy: "" },
  },
  aws_secretsmanager_secret: { service: "secretsmanager", operation: "CreateSecret", members: { recovery_window_in_days: "" } },
  aws_secretsmanager_secret_version: {
    service: "secretsmanager",
    operation: "PutSecretValue",
    members: { secret_string_wo: "SecretString", secret_string_wo_version: "" },
  },
  aws_sns_topic: { service: "sns", operation: "CreateTopic" },
  aws_sns_topic_subscription: { service: "sns", operation: "Subscribe" },
  aws_sqs_queue: { service: "sqs", operation: "CreateQueue", members: { name: "QueueName" } },
  aws_subnet: { service: "ec2", operation: "CreateSubnet", members: { map_public_ip_on_launch: "" } },
  aws_volume_attachment: { service: "ec2", operation: "AttachVolume", members: { device_name: "Device" } },
  aws_vpc: {
    service: "ec2",
    operation: "CreateVpc",
    members: { cidr_block: "CidrBlock", enable_dns_hostnames: "", enable_dns_support: "" },
  },
  aws_vpc_endpoint: { service: "ec2", operation: "CreateVpcEndpoint", members: { private_dns_enabled: "PrivateDnsEnabled" } },
  aws_vpc_security_group_egress_rule: {
    service: "ec2",
    operation: "AuthorizeSecurityGroupEgress",
    members: { cidr_ipv4: "CidrIp", description: "IpPermissions.IpRanges.Description" },
  },
  aws_vpc_security_group_ingress_rule: {
    service: "ec2",
    operation: "AuthorizeSecurityGroupIngress",
    members: { cidr_ipv4: "CidrIp", description: "IpPermissions.IpRanges.Description" },
  },
  aws_wafv2_web_acl: { service: "wafv2", operation: "CreateWebACL" },
  aws_wafv2_web_acl_logging_configuration: { service: "wafv2", shape: "LoggingConfiguration" },
};

/**
 * Rules AWS documents for a member whose model carries none (the API refuses the value all the same).
 * Keyed by `service:Shape.Member`; each names where the rule is written.
 */
export const DOCUMENTED: Readonly<Record<string, { min?: number; max?: number; pattern?: string; source: string }>> = {
  "elbv2:CreateTargetGroupInput.Name": {
    min: 1,
    max: 32,
    pattern: "[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?",
    source: "the member's own documentation in the elbv2 model",
  },
  "elbv2:CreateLoadBalancerInput.Name": {
    min: 1,
    max: 32,
    pattern: "(?!internal-)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?",
    source: "the member's own documentation in the elbv2 model",
  },
  "s3:CreateBucketRequest.Bucket": {
    min: 3,
    max: 63,
    pattern: "[a-z0-9][a-z0-9.-]*[a-z0-9]",
    source: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html",
  },
  "ecs:CreateClusterRequest.clusterName": {
    min: 1,
    max: 255,
    pattern: "[A-Za-z0-9_-]+",
    source: "the member's own documentation in the ecs model",
  },
  "ecs:CreateServiceRequest.serviceName": {
    min: 1,
    max: 255,
    pattern: "[A-Za-z0-9_-]+",
    source: "the member's own documentation in the ecs model",
  },
  "ecs:RegisterTaskDefinitionRequest.family": {
    min: 1,
    max: 255,
    pattern: "[A-Za-z0-9_-]+",
    source: "the member's own documentation in the ecs model",
  },
  "ecs:ContainerDefinition.name": {
    min: 1,
    max: 255,
    pattern: "[A-Za-z0-9_-]+",
    source: "the member's own documentation in the ecs model",
  },
  "ec2:CreateSecurityGroupRequest.GroupName": {
    min: 1,
    max: 255,
    pattern: "(?!sg-)[A-Za-z0-9 ._\\-:/()#,@\\[\\]+=&;{}!$*]+",
    source: "the member's own documentation in the ec2 model",
  },
  "ec2:CreateSecurityGroupRequest.Description": {
    min: 0,
    max: 255,
    pattern: "[A-Za-z0-9 ._\\-:/()#,@\\[\\]+=&;{}!$*]*",
    source: "the member's own documentation in the ec2 model",
  },
  "ec2:IpRange.Description": {
    min: 0,
    max: 255,
    pattern: "[A-Za-z0-9 ._\\-:/()#,@\\[\\]+=&;{}!$*]*",
    source: "the member's own documentation in the ec2 model",
  },
  "sqs:CreateQueueRequest.QueueName": {
    min: 1,
    max: 80,
    pattern: "[A-Za-z0-9_-]+(\\.fifo)?",
    source: "the member's own documentation in the sqs model",
  },
  "cloudwatch:MetricDataQuery.Id": {
    min: 1,
    max: 255,
    pattern: "[a-z][A-Za-z0-9_]*",
    source: "the member's own documentation in the cloudwatch model",
  },
  "sns:CreateTopicInput.Name": {
    min: 1,
    max: 256,
    pattern: "[A-Za-z0-9_-]+(\\.fifo)?",
    source: "the member's own documentation in the sns model",
  },
};
