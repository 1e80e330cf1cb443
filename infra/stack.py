"""Affilink in one AWS account: the Chalice app (API Gateway + its Lambda functions), the tables,
the click spool, the background wiring, the tap on its own path behind CloudFront, a role per
function, secrets, logs and alarms.

Everything that the code already declares is read from it: the tables from the storage models
(`chalicelib/storage/schema.py`), the background entry points from the registry in `app.py`
(`app.background`), what each function may touch from `infra/access.py`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import aws_cdk as cdk
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from chalice.cdk import Chalice
from constructs import Construct

from infra import access, alarms
from infra.bytecode import add_bytecode
from infra.functions import API_FUNCTION, TAP_FUNCTION, chalice_logical_id
from infra.settings import StageSettings
from infra.tables import logical_id, table_properties

ROOT = Path(__file__).resolve().parent.parent
TAP_HANDLER = "chalicelib.web.tap_function.handler"
# The API function's handler: app.py's `handler` answers taps without Chalice, the rest with it.
API_HANDLER = "app.handler"
SPOOL_VISIBILITY_SECONDS = 180  # six times the drain's timeout, as AWS advises for SQS sources
# An API Gateway access log line: who asked what and how it went, never the viewer's address.
ACCESS_LOG_FORMAT = (
    '{"requestId":"$context.requestId","requestTime":"$context.requestTimeEpoch",'
    '"httpMethod":"$context.httpMethod","resourcePath":"$context.resourcePath",'
    '"status":"$context.status","responseLength":"$context.responseLength",'
    '"latencyMs":"$context.responseLatency","integrationLatencyMs":"$context.integrationLatency",'
    '"errorMessage":$context.error.messageString}'  # API Gateway quotes this one itself
)


def checkov_skip(resource: cdk.CfnResource, **reasons: str) -> None:
    """Skip checkov checks on one resource, each with the reason written beside it."""
    metadata = resource.cfn_options.metadata or {}
    skips = metadata.setdefault("checkov", {}).setdefault("skip", [])
    skips.extend({"id": check, "comment": reason} for check, reason in reasons.items())
    resource.cfn_options.metadata = metadata



class ChaliceWithBytecode(Chalice):
    """Chalice's construct, its deployment package given compiled bytecode (`infra/bytecode.py`)
    before the construct makes it an asset: a cold start then compiles nothing.

    `_package_app` and `_sam_package_dir` are the construct's own (chalice 1.34); a test of the
    synthesized package fails if they change."""

    def _package_app(self) -> None:
        super()._package_app()
        add_bytecode(Path(self._sam_package_dir) / "deployment.zip")


class AffilinkStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, *, settings: StageSettings, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, description=f"Affilink ({settings.stage})", **kwargs)
        import app as chalice_app  # the registry of background entry points; imports nothing heavy

        self.settings = settings
        self.metrics_namespace = f"Affilink/{settings.stage}"  # two stages in one account stay apart
        self.api_name = f"affilink-{settings.stage}"
        self.entry_points = chalice_app.background.entry_points
        retain = cdk.RemovalPolicy.RETAIN if settings.prod else cdk.RemovalPolicy.DESTROY

        self.key = kms.Key(
            self, "SecretsKey", enable_key_rotation=True, removal_policy=retain,
            description="Affilink: tables holding secrets, the secrets, the alarm topic",
        )
        self.tables = self._tables(retain)
        self.admin_key = self._secret("AdminKey", "admin-key", "the admin API key", retain)
        self.app_secret = self._secret("AppSecret", "app-secret", "cursor signatures and the visitor-hash salt",
                                       retain)
        self.spool_dead_letters = self._queue("ClickSpoolDeadLetters", retention_days=14)
        self.spool = self._queue(
            "ClickSpool", retention_days=14,
            dead_letter_queue=sqs.DeadLetterQueue(
                queue=self.spool_dead_letters, max_receive_count=self._spool_source().max_receive_count
            ),
        )
        self.stream_failures = self._queue("StreamFailures", retention_days=14)
        self.function_names = [API_FUNCTION, *(entry.name for entry in self.entry_points)]
        self.roles = {name: self._role(name) for name in [*self.function_names, TAP_FUNCTION]}
        self.log_groups = {name: self._log_group(name, retain) for name in self.roles}

        self.tap_function = self._tap_function()
        self.short_links = self._short_link_distribution()
        self.public_base_url = (
            f"https://{settings.short_domain}" if settings.short_domain
            else f"https://{self.short_links.distribution_domain_name}"
        )
        self.chalice = self._chalice_app()
        self._attach_tap_code()
        self._tune_functions()
        self._policies()
        self._background_wiring()
        self._api_gateway()
        self.alarm_topic = alarms.add_alarms(self, settings)
        self._outputs()

    # --- data ---------------------------------------------------------------------------

    def _tables(self, retain: cdk.RemovalPolicy) -> dict[str, cdk.CfnResource]:
        from chalicelib.storage.schema import ALL_TABLES

        tables = {}
        for model in ALL_TABLES:
            properties = table_properties(model, self.settings.table_prefix + model.Meta.concept)
            properties["PointInTimeRecoverySpecification"] = {"PointInTimeRecoveryEnabled": True}
            properties["DeletionProtectionEnabled"] = self.settings.prod
            if model.Meta.holds_secrets:
                properties["SSESpecification"] = {
                    "SSEEnabled": True, "SSEType": "KMS", "KMSMasterKeyId": self.key.key_arn,
                }
            table = cdk.CfnResource(self, logical_id(model), type="AWS::DynamoDB::Table", properties=properties)
            table.apply_removal_policy(retain)
            if not model.Meta.holds_secrets:
                checkov_skip(table, CKV_AWS_119=(
                    "no secret in this table: encrypted at rest with DynamoDB's own key; the customer-managed "
                    "key is kept for the tables that hold secrets (brands, integration_secrets)"
                ))
            tables[model.Meta.concept] = table
        return tables

    def _secret(self, construct_id: str, name: str, what: str, retain: cdk.RemovalPolicy) -> secretsmanager.Secret:
        secret = secretsmanager.Secret(
            self, construct_id,
            secret_name=f"affilink-{self.settings.stage}/{name}",
            description=f"Affilink ({self.settings.stage}): {what}. Generated at deploy, never in the template.",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                exclude_punctuation=True, include_space=False, password_length=48
            ),
            encryption_key=self.key,
            removal_policy=retain,
        )
        checkov_skip(secret.node.default_child, CKV2_AWS_57=(
            "rotated by hand (aws secretsmanager put-secret-value, README); the functions pick a new value up "
            "within five minutes, and an automatic rotation would lock API callers out of the admin key"
        ))
        return secret

    def _queue(self, construct_id: str, *, retention_days: int, dead_letter_queue: Optional[sqs.DeadLetterQueue] = None
               ) -> sqs.Queue:
        queue = sqs.Queue(
            self, construct_id,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=cdk.Duration.days(retention_days),
            visibility_timeout=cdk.Duration.seconds(SPOOL_VISIBILITY_SECONDS),
            dead_letter_queue=dead_letter_queue,
        )
        checkov_skip(queue.node.default_child, CKV_AWS_27=(
            "encrypted at rest with SQS-managed keys (SqsManagedSseEnabled), which this check does not recognise"
        ))
        return queue

    def _spool_source(self) -> Any:
        from chalicelib.background import QueueSource

        [source] = [entry.source for entry in self.entry_points if isinstance(entry.source, QueueSource)]
        return source

    # --- functions ------------------------------------------------------------------------

    def _role(self, function_name: str) -> iam.Role:
        return iam.Role(
            self, f"{chalice_logical_id(function_name)}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Affilink {function_name}: only what infra/access.py grants it",
        )

    def _log_retention(self) -> logs.RetentionDays:
        return logs.RetentionDays.ONE_YEAR if self.settings.prod else logs.RetentionDays.ONE_MONTH

    def _log_group(self, function_name: str, retain: cdk.RemovalPolicy) -> logs.LogGroup:
        group = logs.LogGroup(
            self, f"{chalice_logical_id(function_name)}Logs",
            log_group_name=f"/affilink/{self.settings.stage}/{function_name}",
            retention=self._log_retention(),
            removal_policy=retain,
        )
        checkov_skip(group.node.default_child, CKV_AWS_158=(
            "the logs carry no key, secret or IP address (chalicelib/base/observability.py); CloudWatch Logs "
            "encrypts them at rest with its own key"
        ))
        return group

    def _tap_environment(self) -> dict[str, str]:
        """What the tap needs: tables, the visitor-hash salt, the spool. No admin key."""
        from chalicelib.base.config import APP_SECRET_VARIABLE, CLICK_SPOOL_URL_VARIABLE

        return {
            "AFFILINK_TABLE_PREFIX": self.settings.table_prefix,
            APP_SECRET_VARIABLE: self.app_secret.secret_arn,
            CLICK_SPOOL_URL_VARIABLE: self.spool.queue_url,
            "POWERTOOLS_SERVICE_NAME": "affilink",
            "POWERTOOLS_METRICS_NAMESPACE": self.metrics_namespace,
        }

    def _environment(self) -> dict[str, str]:
        from chalicelib.base.config import ADMIN_KEY_SECRET_VARIABLE

        return {
            **self._tap_environment(),
            "PUBLIC_BASE_URL": self.public_base_url,
            ADMIN_KEY_SECRET_VARIABLE: self.admin_key.secret_arn,
        }

    def _chalice_app(self) -> Chalice:
        stage_config = {
            "api_gateway_stage": "api",
            "api_gateway_endpoint_type": "EDGE",  # so CloudFront-Viewer-Country reaches the API's redirect
            "lambda_memory_size": 512,
            "lambda_timeout": 30,
            "manage_iam_role": False,
            "iam_role_arn": self.roles[API_FUNCTION].role_arn,  # each function's own role is set below
            "environment_variables": self._environment(),
        }
        return ChaliceWithBytecode(self, "Api", source_dir=str(ROOT), stage_config=stage_config)

    def _sam_function(self, function_name: str) -> cdk.CfnResource:
        return self.chalice.get_resource(chalice_logical_id(function_name))

    def function_ref(self, function_name: str) -> str:
        """The function's name (CloudFormation `Ref`)."""
        if function_name == TAP_FUNCTION:
            return self.tap_function.function_name
        return self._sam_function(function_name).ref

    def function_arn(self, function_name: str) -> str:
        if function_name == TAP_FUNCTION:
            return self.tap_function.function_arn
        return self._sam_function(function_name).get_att("Arn").to_string()

    def _tune_functions(self) -> None:
        from chalicelib.background import ScheduleSource

        self._sam_function(API_FUNCTION).add_property_override("Handler", API_HANDLER)
        for name in self.function_names:
            function = self._sam_function(name)
            function.add_property_override("Role", self.roles[name].role_arn)
            function.add_property_override("LoggingConfig", {"LogGroup": self.log_groups[name].log_group_name})
            _skip_function_checks(function)
        for entry in self.entry_points:
            if isinstance(entry.source, ScheduleSource):
                # The close: a month of conversions in one run, within Lambda's limit.
                self._sam_function(entry.name).add_property_override("Timeout", 900)
                self._sam_function(entry.name).add_property_override("MemorySize", 1024)
        # POST /admin/close-month hands a long close to the close function, asynchronously.
        self.chalice.add_environment_variable("AFFILINK_CLOSE_MONTH_FUNCTION", self.function_ref("close_month"),
                                              chalice_logical_id(API_FUNCTION))

    # --- the tap on its own path ------------------------------------------------------------

    def _tap_function(self) -> lambda_.Function:
        """The tap function; its code (the Chalice package) is attached once that package exists."""
        environment = self._tap_environment()
        function = lambda_.Function(
            self, "TapFunction",
            description="Affilink: GET/HEAD /{code} on the short-link domain, behind CloudFront",
            runtime=lambda_.Runtime.PYTHON_3_11,
            architecture=lambda_.Architecture.X86_64,
            handler=TAP_HANDLER,
            code=lambda_.Code.from_inline("# replaced by the Chalice package"),
            memory_size=512,
            timeout=cdk.Duration.seconds(10),
            role=self.roles[TAP_FUNCTION],
            environment=environment,
            log_group=self.log_groups[TAP_FUNCTION],
        )
        _skip_function_checks(function.node.default_child)
        # CDK's Function puts its role in DependsOn as well as in Role: cfn-lint's W3005 says so.
        function.node.default_child.cfn_options.metadata = {
            **function.node.default_child.cfn_options.metadata,
            "cfn-lint": {"config": {"ignore_checks": ["W3005"]}},
        }
        return function

    def _attach_tap_code(self) -> None:
        # The same deployment package as the API (uploaded once); its handler imports only the tap.
        package = self.chalice.node.find_child("ChaliceAppCode")
        cfn_function = self.tap_function.node.default_child
        cfn_function.add_property_override("Code", {"S3Bucket": package.s3_bucket_name, "S3Key": package.s3_object_key})
        cfn_function.add_property_deletion_override("Code.ZipFile")

    def _short_link_distribution(self) -> cloudfront.Distribution:
        url = self.tap_function.add_function_url(auth_type=lambda_.FunctionUrlAuthType.AWS_IAM)
        viewer = cloudfront.OriginRequestPolicy(
            self, "TapViewer",
            comment="Affilink tap: the viewer's country and address (set by CloudFront), user agent, referrer, query",
            header_behavior=cloudfront.OriginRequestHeaderBehavior.allow_list(
                "CloudFront-Viewer-Country", "CloudFront-Viewer-Address", "User-Agent", "Referer"
            ),
            query_string_behavior=cloudfront.OriginRequestQueryStringBehavior.all(),
            cookie_behavior=cloudfront.OriginRequestCookieBehavior.none(),
        )
        custom_domain: dict[str, Any] = {}
        if self.settings.short_domain:
            custom_domain = {
                "domain_names": [self.settings.short_domain],
                "certificate": acm.Certificate.from_certificate_arn(self, "ShortDomainCertificate",
                                                                     self.settings.certificate_arn),
            }
        distribution = cloudfront.Distribution(
            self, "ShortLinks",
            comment=f"Affilink ({self.settings.stage}) short links",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.FunctionUrlOrigin.with_origin_access_control(url),
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                cached_methods=cloudfront.CachedMethods.CACHE_GET_HEAD,
                cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,  # every tap is a click
                origin_request_policy=viewer,
                response_headers_policy=cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                compress=False,
            ),
            minimum_protocol_version=cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            **custom_domain,
        )
        checkov_skip(
            distribution.node.default_child,
            CKV_AWS_68="no WAF by default: a WAF web ACL costs $5/month plus $0.60 per million requests; "
                       "add one with the stack when abuse appears",
            CKV_AWS_86="no CloudFront access logs: they would hold every viewer's IP address",
            CKV_AWS_310="one origin: the tap function, in one region",
            CKV_AWS_174="TLS 1.2 is the minimum with a custom domain; the default *.cloudfront.net "
                        "certificate is CloudFront's own and does not take a minimum",
        )
        return distribution

    # --- permissions -------------------------------------------------------------------------

    def _policies(self) -> None:
        for name, role in self.roles.items():
            grant = access.ACCESS[name]
            statements = [
                iam.PolicyStatement(
                    sid="OwnLogs", actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                    resources=[self.log_groups[name].log_group_arn],
                )
            ]
            statements += self._table_statements(grant)
            if grant.sends_to_spool:
                statements.append(iam.PolicyStatement(
                    sid="SpoolClicks", actions=["sqs:SendMessage"], resources=[self.spool.queue_arn]))
            if grant.drains_spool:
                statements.append(iam.PolicyStatement(
                    sid="DrainSpool",
                    actions=["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
                             "sqs:ChangeMessageVisibility"],
                    resources=[self.spool.queue_arn]))
            if grant.sends_stream_failures:
                statements.append(iam.PolicyStatement(
                    sid="StreamFailures", actions=["sqs:SendMessage"], resources=[self.stream_failures.queue_arn]))
            secrets = {"admin_key": self.admin_key, "app_secret": self.app_secret}
            if grant.secrets:
                statements.append(iam.PolicyStatement(
                    sid="ReadSecrets", actions=["secretsmanager:GetSecretValue"],
                    resources=[secrets[secret].secret_arn for secret in grant.secrets]))
            secret_tables = [table for table in grant.tables if self._holds_secrets(table)]
            if grant.secrets or secret_tables:
                # Reading a secret or an item of an encrypted table decrypts; writing one encrypts too.
                writes = any(set(grant.tables[table]) - set(access.READ) for table in secret_tables)
                key_actions = ["kms:Decrypt", "kms:DescribeKey"]
                if writes:
                    key_actions += ["kms:Encrypt", "kms:GenerateDataKey"]
                statements.append(iam.PolicyStatement(sid="UseSecretsKey", actions=key_actions,
                                                      resources=[self.key.key_arn]))
            for target in grant.invokes:
                statements.append(iam.PolicyStatement(
                    sid="Invoke" + chalice_logical_id(target), actions=["lambda:InvokeFunction"],
                    resources=[self.function_arn(target)]))
            policy = iam.Policy(self, f"{chalice_logical_id(name)}Policy", statements=statements, roles=[role])
            if name == TAP_FUNCTION:
                self.tap_function.node.add_dependency(policy)
            else:
                self._sam_function(name).add_resource_dependency(policy.node.default_child)

    def _holds_secrets(self, concept: str) -> bool:
        from chalicelib.storage.schema import ALL_TABLES

        return any(model.Meta.concept == concept and model.Meta.holds_secrets for model in ALL_TABLES)

    def _table_statements(self, grant: access.FunctionAccess) -> list[iam.PolicyStatement]:
        from chalicelib.storage.schema import ALL_TABLES

        indexes = {model.Meta.concept: [index.Meta.index_name for index in model._indexes.values()]
                   for model in ALL_TABLES}
        statements = []
        for concept, actions in sorted(grant.tables.items()):
            arn = self.tables[concept].get_att("Arn").to_string()
            resources = [arn, *(f"{arn}/index/{name}" for name in indexes[concept])]
            statements.append(iam.PolicyStatement(
                sid="Table" + "".join(part.capitalize() for part in concept.split("_")),
                actions=sorted(set(actions)), resources=resources))
        for concept in grant.reads_streams:
            table = self.tables[concept]
            statements.append(iam.PolicyStatement(
                sid="Stream" + concept.capitalize(),
                actions=["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
                resources=[table.get_att("StreamArn").to_string()]))
        if grant.reads_streams:
            # ListStreams lists stream names and reads no item; it takes no resource but "*".
            statements.append(iam.PolicyStatement(sid="ListStreams", actions=["dynamodb:ListStreams"],
                                                  resources=["*"]))
        return statements

    # --- background ----------------------------------------------------------------------------

    def _background_wiring(self) -> None:
        from chalicelib.background import QueueSource, ScheduleSource, StreamSource

        for entry in self.entry_points:
            source = entry.source
            function_id = chalice_logical_id(entry.name)
            policy = self.node.find_child(f"{function_id}Policy").node.default_child
            if isinstance(source, StreamSource):
                mapping = cdk.CfnResource(self, f"{function_id}Stream", type="AWS::Lambda::EventSourceMapping",
                                          properties={
                    "FunctionName": self.function_ref(entry.name),
                    "EventSourceArn": self.tables[source.table.Meta.concept].get_att("StreamArn").to_string(),
                    "StartingPosition": source.starting_position,
                    "BatchSize": source.batch_size,
                    "BisectBatchOnFunctionError": source.bisect_batch_on_error,
                    "MaximumRetryAttempts": source.maximum_retry_attempts,
                    "ParallelizationFactor": source.parallelization_factor,
                    "TumblingWindowInSeconds": source.tumbling_window_seconds,
                    "FunctionResponseTypes": ["ReportBatchItemFailures"],
                    "DestinationConfig": {"OnFailure": {"Destination": self.stream_failures.queue_arn}},
                })
                mapping.add_resource_dependency(policy)
            elif isinstance(source, QueueSource):
                mapping = cdk.CfnResource(self, f"{function_id}Queue", type="AWS::Lambda::EventSourceMapping",
                                          properties={
                    "FunctionName": self.function_ref(entry.name),
                    "EventSourceArn": self.spool.queue_arn,
                    "BatchSize": source.batch_size,
                    "MaximumBatchingWindowInSeconds": source.max_batching_window_seconds,
                    "FunctionResponseTypes": ["ReportBatchItemFailures"],
                })
                mapping.add_resource_dependency(policy)
            elif isinstance(source, ScheduleSource) and source.catch_up:
                # The first expression is Chalice's own rule (`@app.schedule`); the catch-up rule is ours.
                rule = cdk.CfnResource(self, f"{function_id}CatchUp", type="AWS::Events::Rule", properties={
                    "Description": f"Affilink {entry.name}: finish what the run at {source.expression} left",
                    "ScheduleExpression": source.catch_up,
                    "State": "ENABLED",
                    "Targets": [{"Arn": self.function_arn(entry.name), "Id": function_id}],
                })
                cdk.CfnResource(self, f"{function_id}CatchUpPermission", type="AWS::Lambda::Permission", properties={
                    "FunctionName": self.function_ref(entry.name),
                    "Action": "lambda:InvokeFunction",
                    "Principal": "events.amazonaws.com",
                    "SourceArn": rule.get_att("Arn").to_string(),
                })

    # --- API Gateway -----------------------------------------------------------------------------

    def _api_gateway(self) -> None:
        from aws_cdk import aws_apigateway as apigateway

        access_logs = logs.LogGroup(
            self, "ApiAccessLogs", log_group_name=f"/affilink/{self.settings.stage}/api-access",
            retention=self._log_retention(),
            removal_policy=cdk.RemovalPolicy.RETAIN if self.settings.prod else cdk.RemovalPolicy.DESTROY,
        )
        checkov_skip(access_logs.node.default_child, CKV_AWS_158=(
            "access log lines carry no IP address or header (ACCESS_LOG_FORMAT); encrypted by CloudWatch Logs"
        ))
        rest_api = self.chalice.get_resource("RestAPI")
        rest_api.add_property_override("Name", self.api_name)
        rest_api.add_property_override("AccessLogSetting", {
            "DestinationArn": access_logs.log_group_arn, "Format": ACCESS_LOG_FORMAT,
        })
        rest_api.add_property_override("MethodSettings", [{
            "ResourcePath": "/*", "HttpMethod": "*",
            "ThrottlingRateLimit": self.settings.api_rate_limit,
            "ThrottlingBurstLimit": self.settings.api_burst_limit,
            "MetricsEnabled": True,
        }])
        checkov_skip(
            rest_api,
            CKV_AWS_120="no API Gateway cache: answers depend on the caller's key, and taps must all be counted",
            CKV_AWS_73="no X-Ray: its SDK would cost every cold start (field notes); logs and metrics instead",
        )
        if self.settings.manage_api_gateway_account:
            # Access logs need the region's API Gateway account to name a logging role.
            logging_role = iam.Role(
                self, "ApiGatewayLoggingRole", assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
                managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name(
                    "service-role/AmazonAPIGatewayPushToCloudWatchLogs")],
            )
            # One setting per region, shared by every stage: the role outlives this stack, or
            # destroying one stage would stop the other's access logs.
            logging_role.apply_removal_policy(cdk.RemovalPolicy.RETAIN)
            account = apigateway.CfnAccount(self, "ApiGatewayAccount", cloud_watch_role_arn=logging_role.role_arn)
            account.apply_removal_policy(cdk.RemovalPolicy.RETAIN)
            rest_api.add_resource_dependency(account)

    def _outputs(self) -> None:
        cdk.CfnOutput(self, "ShortLinkBaseUrl", value=self.public_base_url,
                      description="Where short links point (the tap function behind CloudFront)")
        cdk.CfnOutput(self, "ShortLinksDistributionDomain", value=self.short_links.distribution_domain_name,
                      description="Point the short domain's CNAME / alias here")
        cdk.CfnOutput(self, "ApiUrl", value=cdk.Fn.sub(
            "https://${RestAPI}.execute-api.${AWS::Region}.${AWS::URLSuffix}/api/",
            {"RestAPI": self.chalice.get_resource("RestAPI").ref}))
        cdk.CfnOutput(self, "AdminKeySecret", value=self.admin_key.secret_name,
                      description="aws secretsmanager get-secret-value --secret-id <this> --query SecretString")


def _skip_function_checks(function: cdk.CfnResource) -> None:
    checkov_skip(
        function,
        CKV_AWS_115="no reserved concurrency: a viral video must be able to use the account's whole pool",
        CKV_AWS_116="no function DLQ: API and tap calls are synchronous; the background sources have their "
                    "own on-failure destination or dead-letter queue",
        CKV_AWS_117="no VPC: every dependency (DynamoDB, SQS, Secrets Manager) is an AWS endpoint, and a "
                    "VPC would add NAT costs and cold-start time to every tap",
        CKV_AWS_173="environment variables hold names and ARNs only; the secrets are in Secrets Manager",
    )
