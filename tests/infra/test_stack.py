"""What the synthesized stack creates: read from the templates `cdk synth` writes."""
from __future__ import annotations

import json
import re
from typing import Any

import pytest

from chalicelib.background import QueueSource, ScheduleSource, StreamSource
from chalicelib.storage.schema import ALL_TABLES
from infra import access
from infra.stack import ACCESS_LOG_FORMAT, API_HANDLER, TAP_HANDLER, chalice_logical_id

CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # CloudFront's managed policy
DATA_ACTIONS = {"dynamodb:" + name for name in (
    "GetItem", "BatchGetItem", "Query", "Scan", "PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem",
    "ConditionCheckItem", "GetRecords", "GetShardIterator", "DescribeStream",
)}


def of_type(template: dict, kind: str) -> dict[str, dict]:
    return {name: resource for name, resource in template["Resources"].items() if resource["Type"] == kind}


def table_named(template: dict, name: str) -> tuple[str, dict]:
    [(logical_id, table)] = [(key, value) for key, value in of_type(template, "AWS::DynamoDB::Table").items()
                             if value["Properties"]["TableName"] == name]
    return logical_id, table["Properties"]


def chalice_app():
    import app

    return app


def entry_points():
    return chalice_app().background.entry_points


def role_of(template: dict, function_id: str) -> str:
    function = template["Resources"][function_id]["Properties"]
    return function["Role"]["Fn::GetAtt"][0]


def statements_of(template: dict, role_id: str) -> list[dict]:
    statements = []
    for policy in of_type(template, "AWS::IAM::Policy").values():
        if {"Ref": role_id} in policy["Properties"]["Roles"]:
            statements += policy["Properties"]["PolicyDocument"]["Statement"]
    return statements


def tap_function_id(template: dict) -> str:
    [tap_id] = of_type(template, "AWS::Lambda::Function")  # the one function not made by Chalice
    return tap_id


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


# --- tables -------------------------------------------------------------------------------


@pytest.mark.parametrize("stage, prefix", [("dev", "affilink-dev-"), ("prod", "affilink-prod-")])
def test_every_model_is_a_table_with_its_keys_indexes_stream_and_ttl(templates, stage, prefix, aws):
    import boto3

    template = templates[stage]
    assert len(of_type(template, "AWS::DynamoDB::Table")) == len(ALL_TABLES)
    dynamodb = boto3.client("dynamodb")
    for model in ALL_TABLES:
        _, table = table_named(template, prefix + model.Meta.concept)
        # The table PynamoDB created from the model (tests' moto account) is the reference
        created = dynamodb.describe_table(TableName=model.Meta.table_name)["Table"]
        assert table["KeySchema"] == created["KeySchema"], model.Meta.concept
        assert sorted(table["AttributeDefinitions"], key=str) == sorted(created["AttributeDefinitions"], key=str)
        expected_indexes = {
            index["IndexName"]: (sorted(index["KeySchema"], key=str), index["Projection"])
            for index in created.get("GlobalSecondaryIndexes", [])
        }
        indexes = {
            index["IndexName"]: (sorted(index["KeySchema"], key=str), index["Projection"])
            for index in table.get("GlobalSecondaryIndexes", [])
        }
        assert indexes == expected_indexes, model.Meta.concept
        stream = created.get("StreamSpecification", {}).get("StreamViewType")
        assert table.get("StreamSpecification", {}).get("StreamViewType") == stream, model.Meta.concept
        ttl = [attribute.attr_name for attribute in model.get_attributes().values()
               if type(attribute).__name__ == "TTLAttribute"]
        if ttl:
            assert table["TimeToLiveSpecification"] == {"AttributeName": ttl[0], "Enabled": True}
        else:
            assert "TimeToLiveSpecification" not in table
        assert table["BillingMode"] == "PAY_PER_REQUEST"
        assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}


def test_raw_clicks_expire_by_ttl_and_stream_to_the_aggregator(dev):
    _, clicks = table_named(dev, "affilink-dev-clicks")
    assert clicks["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert clicks["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}


def test_tables_holding_secrets_use_the_customer_managed_key_and_prod_protects_every_table(dev, prod):
    [key_id] = of_type(dev, "AWS::KMS::Key")
    assert dev["Resources"][key_id]["Properties"]["EnableKeyRotation"] is True
    for model in ALL_TABLES:
        logical_id, table = table_named(dev, "affilink-dev-" + model.Meta.concept)
        if model.Meta.holds_secrets:
            assert table["SSESpecification"] == {
                "SSEEnabled": True, "SSEType": "KMS", "KMSMasterKeyId": {"Fn::GetAtt": [key_id, "Arn"]},
            }
        else:
            assert "SSESpecification" not in table
        assert table["DeletionProtectionEnabled"] is False
        assert dev["Resources"][logical_id]["DeletionPolicy"] == "Delete"
        prod_id, prod_table = table_named(prod, "affilink-prod-" + model.Meta.concept)
        assert prod_table["DeletionProtectionEnabled"] is True
        assert prod["Resources"][prod_id]["DeletionPolicy"] == "Retain"
    assert {model.Meta.concept for model in ALL_TABLES if model.Meta.holds_secrets} == {"brands", "integration_secrets"}


# --- background wiring ----------------------------------------------------------------------


def test_streams_feed_the_aggregators_with_partial_failures_and_an_on_failure_destination(dev):
    mappings = of_type(dev, "AWS::Lambda::EventSourceMapping").values()
    streams = [entry for entry in entry_points() if isinstance(entry.source, StreamSource)]
    assert {entry.name for entry in streams} == {"aggregate_click_stats", "aggregate_conversion_stats"}
    for entry in streams:
        source = entry.source
        table_id, _ = table_named(dev, "affilink-dev-" + source.table.Meta.concept)
        [mapping] = [m["Properties"] for m in mappings
                     if m["Properties"]["FunctionName"] == {"Ref": chalice_logical_id(entry.name)}]
        assert mapping["EventSourceArn"] == {"Fn::GetAtt": [table_id, "StreamArn"]}
        assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert mapping["BisectBatchOnFunctionError"] is True
        assert mapping["MaximumRetryAttempts"] == source.maximum_retry_attempts
        assert mapping["TumblingWindowInSeconds"] == source.tumbling_window_seconds  # names the shard
        assert mapping["BatchSize"] == source.batch_size
        destination = mapping["DestinationConfig"]["OnFailure"]["Destination"]["Fn::GetAtt"]
        assert dev["Resources"][destination[0]]["Type"] == "AWS::SQS::Queue"
        function = dev["Resources"][chalice_logical_id(entry.name)]["Properties"]
        module, handler = function["Handler"].split(".")
        assert module == "app" and getattr(chalice_app(), handler) is entry.handler


def test_the_click_spool_drains_with_partial_failures_into_a_dead_letter_queue(dev):
    [entry] = [entry for entry in entry_points() if isinstance(entry.source, QueueSource)]
    [mapping] = [m["Properties"] for m in of_type(dev, "AWS::Lambda::EventSourceMapping").values()
                 if m["Properties"]["FunctionName"] == {"Ref": chalice_logical_id(entry.name)}]
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["BatchSize"] == entry.source.batch_size
    queue = dev["Resources"][mapping["EventSourceArn"]["Fn::GetAtt"][0]]["Properties"]
    assert queue["RedrivePolicy"]["maxReceiveCount"] == entry.source.max_receive_count
    dead_letters = dev["Resources"][queue["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]]
    assert dead_letters["Type"] == "AWS::SQS::Queue"
    # The API and the tap function find the spool by its URL
    spool_id = mapping["EventSourceArn"]["Fn::GetAtt"][0]
    for function_id in ("APIHandler", tap_function_id(dev)):
        variables = dev["Resources"][function_id]["Properties"]["Environment"]["Variables"]
        assert variables[entry.source.queue.url_variable] == {"Ref": spool_id}


def test_the_monthly_close_runs_at_two_on_the_first_and_catches_up_hourly_that_day(dev):
    [entry] = [entry for entry in entry_points() if isinstance(entry.source, ScheduleSource)]
    function = dev["Resources"][chalice_logical_id(entry.name)]["Properties"]
    schedules = [event["Properties"]["Schedule"] for event in function["Events"].values()]
    assert schedules == ["cron(0 2 1 * ? *)"]
    [catch_up] = [rule["Properties"] for rule in of_type(dev, "AWS::Events::Rule").values()]
    assert catch_up["ScheduleExpression"] == "cron(0 3-23 1 * ? *)"
    assert catch_up["Targets"][0]["Arn"] == {"Fn::GetAtt": [chalice_logical_id(entry.name), "Arn"]}
    assert function["Timeout"] == 900


# --- least privilege ----------------------------------------------------------------------------


def test_each_function_has_its_own_role_with_only_named_resources_and_no_wildcard_action(dev):
    functions = {**of_type(dev, "AWS::Serverless::Function"), **of_type(dev, "AWS::Lambda::Function")}
    roles = {name: role_of(dev, name) for name in functions}
    assert len(set(roles.values())) == len(functions) == len(access.ACCESS)
    for name, role_id in roles.items():
        role = dev["Resources"][role_id]["Properties"]
        assert "ManagedPolicyArns" not in role and "Policies" not in role, name
        statements = statements_of(dev, role_id)
        assert statements, name
        for statement in statements:
            assert statement["Effect"] == "Allow"
            for action in as_list(statement["Action"]):
                assert "*" not in action, (name, action)
            resources = as_list(statement["Resource"])
            if as_list(statement["Action"]) != ["dynamodb:ListStreams"]:  # lists names, reads nothing
                assert "*" not in resources, (name, statement)
            if set(as_list(statement["Action"])) & DATA_ACTIONS:
                assert "*" not in json.dumps(resources), (name, statement)  # a named table, index or stream
            assert "dynamodb:Scan" not in as_list(statement["Action"])


def test_the_roles_grant_exactly_what_infra_access_declares(dev):
    tables = {table["Properties"]["TableName"].removeprefix("affilink-dev-"): logical_id
              for logical_id, table in of_type(dev, "AWS::DynamoDB::Table").items()}
    functions = {**of_type(dev, "AWS::Serverless::Function"), **of_type(dev, "AWS::Lambda::Function")}
    names = {chalice_logical_id(name): name for name in access.ACCESS}
    names[tap_function_id(dev)] = "tap"
    for function_id in functions:
        name = names[function_id]
        granted: dict[str, set] = {}
        for statement in statements_of(dev, role_of(dev, function_id)):
            for resource in as_list(statement["Resource"]):
                if isinstance(resource, dict) and "Fn::GetAtt" in resource and resource["Fn::GetAtt"][1] == "Arn":
                    concept = next((c for c, lid in tables.items() if lid == resource["Fn::GetAtt"][0]), None)
                    if concept:
                        granted.setdefault(concept, set()).update(as_list(statement["Action"]))
        declared = {concept: set(actions) for concept, actions in access.ACCESS[name].tables.items()}
        assert granted == declared, name


# --- the API --------------------------------------------------------------------------------------


def test_the_api_is_edge_optimized_throttled_and_logs_no_address(dev, prod):
    for template in (dev, prod):
        api = template["Resources"]["RestAPI"]["Properties"]
        assert api["EndpointConfiguration"] == "EDGE"
        [settings] = api["MethodSettings"]
        assert settings["ThrottlingRateLimit"] > 0 and settings["ThrottlingBurstLimit"] > 0
        log_format = api["AccessLogSetting"]["Format"]
        assert log_format == ACCESS_LOG_FORMAT
        assert "sourceIp" not in log_format and "$context.identity" not in log_format
        assert "X-Forwarded-For" not in log_format
        # One JSON object per line once API Gateway fills it in (it quotes messageString itself)
        filled = re.sub(r"\$context\.[A-Za-z.]+", lambda m: '"msg"' if m.group(0).endswith("messageString")
                        else "v", log_format)
        assert json.loads(filled)["errorMessage"] == "msg"
        assert api["Name"] in ("affilink-dev", "affilink-prod")
        group = template["Resources"][api["AccessLogSetting"]["DestinationArn"]["Fn::GetAtt"][0]]
        assert group["Type"] == "AWS::Logs::LogGroup"


# --- the tap on its own path ---------------------------------------------------------------------------


def test_the_api_function_s_handler_sends_taps_past_chalice_and_everything_else_to_it(dev):
    import app

    handler = dev["Resources"]["APIHandler"]["Properties"]["Handler"]
    assert handler == API_HANDLER == "app.handler"
    assert getattr(app, handler.split(".")[1]) is app.handler


def test_the_tap_function_sits_behind_cloudfront_and_only_cloudfront_may_call_it(dev):
    [(tap_id, tap)] = of_type(dev, "AWS::Lambda::Function").items()
    assert tap["Properties"]["Handler"] == TAP_HANDLER
    # The same package as the API's functions
    assert tap["Properties"]["Code"]["S3Key"] == dev["Resources"]["APIHandler"]["Properties"]["CodeUri"]["Key"]
    [url] = of_type(dev, "AWS::Lambda::Url").values()
    assert url["Properties"]["AuthType"] == "AWS_IAM"  # no anonymous call: SigV4 from CloudFront only
    [(distribution_id, distribution)] = of_type(dev, "AWS::CloudFront::Distribution").items()
    permissions = [p["Properties"] for p in of_type(dev, "AWS::Lambda::Permission").values()
                   if "TapFunction" in json.dumps(p["Properties"]["FunctionName"])]
    assert permissions and all(p["Principal"] == "cloudfront.amazonaws.com" for p in permissions)
    assert all(distribution_id in json.dumps(p["SourceArn"]) for p in permissions)
    config = distribution["Properties"]["DistributionConfig"]
    [origin] = config["Origins"]
    assert "OriginAccessControlId" in origin
    [control] = of_type(dev, "AWS::CloudFront::OriginAccessControl").values()
    assert control["Properties"]["OriginAccessControlConfig"]["OriginAccessControlOriginType"] == "lambda"
    assert control["Properties"]["OriginAccessControlConfig"]["SigningBehavior"] == "always"
    behavior = config["DefaultCacheBehavior"]
    assert behavior["CachePolicyId"] == CACHING_DISABLED  # a cached redirect is a lost click
    assert behavior["AllowedMethods"] == ["GET", "HEAD"]
    [policy] = of_type(dev, "AWS::CloudFront::OriginRequestPolicy").values()
    headers = policy["Properties"]["OriginRequestPolicyConfig"]["HeadersConfig"]
    assert headers["HeaderBehavior"] == "whitelist"
    assert {"CloudFront-Viewer-Country", "CloudFront-Viewer-Address"} <= set(headers["Headers"])
    assert "Host" not in headers["Headers"]  # a function URL with OAC must get its own host


def test_the_short_domain_is_the_base_of_short_links_when_given(dev, prod):
    [distribution] = of_type(prod, "AWS::CloudFront::Distribution").values()
    config = distribution["Properties"]["DistributionConfig"]
    assert config["Aliases"] == ["go.glow.example"]
    assert config["ViewerCertificate"]["MinimumProtocolVersion"] == "TLSv1.2_2021"
    variables = prod["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]
    assert variables["PUBLIC_BASE_URL"] == "https://go.glow.example"
    [dev_distribution_id] = of_type(dev, "AWS::CloudFront::Distribution")
    dev_base = dev["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]["PUBLIC_BASE_URL"]
    assert dev_distribution_id in json.dumps(dev_base)


# --- secrets, alarms ---------------------------------------------------------------------------------------


def test_secrets_are_generated_in_secrets_manager_and_never_in_the_template(dev):
    from tests.conftest import TEST_ADMIN_KEY

    secrets = of_type(dev, "AWS::SecretsManager::Secret")
    assert len(secrets) == 2
    for secret in secrets.values():
        assert "GenerateSecretString" in secret["Properties"]
        assert "SecretString" not in secret["Properties"]
    text = json.dumps(dev)
    assert TEST_ADMIN_KEY not in text and "AFFILINK_ADMIN_KEY\"" not in text and "AFFILINK_SECRET\"" not in text
    variables = dev["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]
    assert variables["AFFILINK_ADMIN_KEY_SECRET_ID"]["Ref"] in secrets
    assert variables["AFFILINK_SECRET_SECRET_ID"]["Ref"] in secrets
    tap_variables = dev["Resources"][tap_function_id(dev)]["Properties"]["Environment"]["Variables"]
    assert "AFFILINK_ADMIN_KEY_SECRET_ID" not in tap_variables  # the tap never needs the admin key


def test_alarms_cover_errors_throttles_dead_letters_stream_lag_and_parked_deliveries(dev, prod):
    def metrics(template):
        return {(a["Properties"]["Namespace"], a["Properties"]["MetricName"])
                for a in of_type(template, "AWS::CloudWatch::Alarm").values()}

    expected = {("AWS/ApiGateway", "5XXError"), ("AWS/Lambda", "Errors"), ("AWS/Lambda", "Throttles"),
                ("AWS/Lambda", "IteratorAge"), ("AWS/SQS", "ApproximateNumberOfMessagesVisible")}
    assert metrics(dev) == expected | {("Affilink/dev", "ParkedDeliveries")}
    assert metrics(prod) == expected | {("Affilink/prod", "ParkedDeliveries")}
    function_count = len(access.ACCESS)
    errors = [a for a in of_type(dev, "AWS::CloudWatch::Alarm").values() if a["Properties"]["MetricName"] == "Errors"]
    assert len(errors) == function_count
    # Alarms of one stage watch that stage only
    names = {a["Properties"]["Dimensions"][0]["Value"] for a in of_type(prod, "AWS::CloudWatch::Alarm").values()
             if a["Properties"]["MetricName"] == "5XXError"}
    assert names == {"affilink-prod"}
    [parked] = [a["Properties"] for a in of_type(prod, "AWS::CloudWatch::Alarm").values()
                if a["Properties"]["MetricName"] == "ParkedDeliveries"]
    assert parked["Namespace"] == "Affilink/prod"
    assert prod["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"][
        "POWERTOOLS_METRICS_NAMESPACE"] == "Affilink/prod"
    # Without an e-mail, no topic; with one, every alarm mails it, and CloudWatch may publish to it
    assert not of_type(dev, "AWS::SNS::Topic")
    [(topic_id, _)] = of_type(prod, "AWS::SNS::Topic").items()
    [policy] = of_type(prod, "AWS::SNS::TopicPolicy").values()
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert any(s["Effect"] == "Allow" and s["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
               and s["Action"] == "sns:Publish" for s in statements)
    [subscription] = of_type(prod, "AWS::SNS::Subscription").values()
    assert subscription["Properties"]["Endpoint"] == "ops@glow.example"
    for alarm in of_type(prod, "AWS::CloudWatch::Alarm").values():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": topic_id}]


def test_cdk_assertions_agree(synthesized):
    """The same properties through aws_cdk.assertions, as a CDK user would check them."""
    from aws_cdk.assertions import Match, Template

    from tests.infra.conftest import template_path

    template = Template.from_json(json.loads(template_path(synthesized["dev"]).read_text()))
    template.resource_count_is("AWS::DynamoDB::Table", len(ALL_TABLES))
    template.all_resources_properties("AWS::DynamoDB::Table", {
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        "BillingMode": "PAY_PER_REQUEST",
    })
    template.has_resource_properties("AWS::Lambda::EventSourceMapping", {
        "FunctionResponseTypes": ["ReportBatchItemFailures"],
        "DestinationConfig": {"OnFailure": {"Destination": Match.any_value()}},
        "BisectBatchOnFunctionError": True,
    })
    template.has_resource_properties("AWS::Lambda::Url", {"AuthType": "AWS_IAM"})
    template.has_resource_properties("AWS::Serverless::Function", {
        "Events": Match.object_like({"CloseMonthEvent": {"Type": "Schedule",
                                                         "Properties": {"Schedule": "cron(0 2 1 * ? *)"}}}),
    })


def test_only_functions_that_write_encrypted_tables_may_encrypt_with_the_key(dev):
    def key_actions(function_id: str) -> set:
        return {action for s in statements_of(dev, role_of(dev, function_id)) if s.get("Sid") == "UseSecretsKey"
                for action in as_list(s["Action"])}

    assert key_actions(tap_function_id(dev)) == {"kms:Decrypt", "kms:DescribeKey"}  # reads brands only
    assert key_actions("APIHandler") == {"kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"}
    assert key_actions("CloseMonth") == set()


def test_the_region_s_api_gateway_logging_role_outlives_the_stack(dev):
    [account] = of_type(dev, "AWS::ApiGateway::Account").values()
    role_id = account["Properties"]["CloudWatchRoleArn"]["Fn::GetAtt"][0]
    assert dev["Resources"][role_id]["DeletionPolicy"] == "Retain"
    assert account["DeletionPolicy"] == "Retain"
