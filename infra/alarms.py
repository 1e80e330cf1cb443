"""The alarms a person should hear about: the API answering 5xx, functions failing or throttled,
messages in a dead-letter queue, the stats falling behind their streams, deliveries parked.
With `-c alarm_email=…` they go to an SNS topic that mails that address."""
from __future__ import annotations

from typing import Any, Optional, Protocol, Sequence

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions

from infra.functions import TAP_FUNCTION, chalice_logical_id
from infra.settings import StageSettings

FIVE_MINUTES = cdk.Duration.minutes(5)
STATS_LAG_MS = 5 * 60 * 1000  # stats more than five minutes behind their stream


class AlarmedStack(Protocol):
    """What the alarms read off the stack (`infra/stack.AffilinkStack`, a construct: the alarms'
    scope), which calls `add_alarms` with itself: named here, so that this module does not import
    the stack's."""

    key: Any  # kms.Key
    account: str
    api_name: str
    metrics_namespace: str
    function_names: Sequence[str]
    entry_points: Sequence[Any]  # chalicelib.background.EntryPoint
    spool_dead_letters: Any  # sqs.Queue
    stream_failures: Any  # sqs.Queue

    def function_ref(self, function_name: str) -> str: ...


def add_alarms(stack: AlarmedStack, settings: StageSettings) -> Optional[sns.Topic]:
    from chalicelib.background import StreamSource

    topic = None
    if settings.alarm_email:
        # CloudWatch must be able to use the key that encrypts the topic.
        stack.key.add_to_resource_policy(iam.PolicyStatement(
            actions=["kms:Decrypt", "kms:GenerateDataKey"],
            principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
            resources=["*"],  # in a key policy, "*" is this key
        ))
        topic = sns.Topic(stack, "Alarms", display_name=f"Affilink {settings.stage} alarms", master_key=stack.key,
                          enforce_ssl=True)
        topic.add_subscription(subscriptions.EmailSubscription(settings.alarm_email))
        # enforce_ssl writes the topic's policy, which then must let CloudWatch's alarms publish.
        topic.add_to_resource_policy(iam.PolicyStatement(
            sid="AlarmsPublish", actions=["sns:Publish"], resources=[topic.topic_arn],
            principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
            conditions={"StringEquals": {"aws:SourceAccount": stack.account}},
        ))

    def alarm(construct_id: str, metric: cloudwatch.Metric, threshold: float, description: str) -> None:
        created = metric.create_alarm(
            stack, construct_id,
            alarm_description=description,
            threshold=threshold,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        if topic is not None:
            created.add_alarm_action(actions.SnsAction(topic))

    api = {"ApiName": stack.api_name, "Stage": "api"}
    alarm("Api5xxRate", cloudwatch.Metric(namespace="AWS/ApiGateway", metric_name="5XXError", dimensions_map=api,
                                          statistic="Average", period=FIVE_MINUTES),
          0.01, "More than 1% of API requests answered 5xx over five minutes")
    for name in [*stack.function_names, TAP_FUNCTION]:
        function = {"FunctionName": stack.function_ref(name)}
        for metric_name in ("Errors", "Throttles"):
            alarm(f"{chalice_logical_id(name)}{metric_name}",
                  cloudwatch.Metric(namespace="AWS/Lambda", metric_name=metric_name, dimensions_map=function,
                                    statistic="Sum", period=FIVE_MINUTES),
                  0, f"{name}: {metric_name.lower()} in the last five minutes")
    for entry in stack.entry_points:
        if isinstance(entry.source, StreamSource):
            alarm(f"{chalice_logical_id(entry.name)}IteratorAge",
                  cloudwatch.Metric(namespace="AWS/Lambda", metric_name="IteratorAge",
                                    dimensions_map={"FunctionName": stack.function_ref(entry.name)},
                                    statistic="Maximum", period=FIVE_MINUTES),
                  STATS_LAG_MS, f"{entry.name}: stats more than five minutes behind the stream")
    for construct_id, queue in (("ClickSpoolDeadLettersDepth", stack.spool_dead_letters),
                                ("StreamFailuresDepth", stack.stream_failures)):
        waiting = queue.metric_approximate_number_of_messages_visible(period=FIVE_MINUTES, statistic="Maximum")
        queue_name = construct_id.removesuffix("Depth")
        alarm(construct_id, waiting, 0, f"Messages waiting in {queue_name}: records no function could handle")
    alarm("ParkedDeliveries",
          cloudwatch.Metric(namespace=stack.metrics_namespace, metric_name="ParkedDeliveries",
                            dimensions_map={"service": "affilink"}, statistic="Sum", period=FIVE_MINUTES),
          0, "A shop delivery was parked (GET /admin/parked-deliveries)")
    return topic
