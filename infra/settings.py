"""What a deployment may choose, from CDK context (`cdk deploy -c stage=prod -c alarm_email=…`).
Checked when the app starts, with a message that says what is wrong."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Optional

STAGES = ("dev", "prod")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_CERTIFICATE = re.compile(r"^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate/[0-9a-f-]+$")


class SettingsError(ValueError):
    """A context value the stack cannot use; the message names it and says why."""


@dataclass(frozen=True)
class StageSettings:
    stage: str = "dev"
    alarm_email: Optional[str] = None
    short_domain: Optional[str] = None  # e.g. "go.glow.example": what goes in captions
    certificate_arn: Optional[str] = None  # ACM, us-east-1, covering short_domain (CloudFront's rule)
    api_rate_limit: int = 500  # requests per second, API Gateway stage throttling
    api_burst_limit: int = 1000
    manage_api_gateway_account: bool = True  # the region's API Gateway logging role (access logs need one)

    @property
    def prod(self) -> bool:
        return self.stage == "prod"

    @property
    def stack_name(self) -> str:
        return f"Affilink-{self.stage}"

    @property
    def table_prefix(self) -> str:
        return f"affilink-{self.stage}-"

    @classmethod
    def from_context(cls, get: Any) -> "StageSettings":
        """`get(name)` is `app.node.try_get_context`."""
        stage = get("stage") or "dev"
        if stage not in STAGES:
            raise SettingsError(f"-c stage={stage!r}: the stage must be one of {', '.join(STAGES)}")
        alarm_email = get("alarm_email") or None
        if alarm_email is not None and not _EMAIL.match(str(alarm_email)):
            raise SettingsError(f"-c alarm_email={alarm_email!r} is not an e-mail address")
        short_domain = (get("short_domain") or "").strip().lower() or None
        certificate_arn = get("certificate_arn") or None
        if short_domain is not None and not _DOMAIN.match(short_domain):
            raise SettingsError(f"-c short_domain={short_domain!r} is not a domain name such as go.example.com")
        if (short_domain is None) != (certificate_arn is None):
            raise SettingsError("-c short_domain and -c certificate_arn go together (CloudFront needs the certificate)")
        if certificate_arn is not None and not _CERTIFICATE.match(str(certificate_arn)):
            raise SettingsError(
                f"-c certificate_arn={certificate_arn!r} must be an ACM certificate in us-east-1 (CloudFront's rule)"
            )
        return cls(
            stage=stage,
            alarm_email=alarm_email,
            short_domain=short_domain,
            certificate_arn=certificate_arn,
            api_rate_limit=_positive(get, "api_rate_limit", cls.api_rate_limit),
            api_burst_limit=_positive(get, "api_burst_limit", cls.api_burst_limit),
            manage_api_gateway_account=str(get("manage_api_gateway_account") or "true").lower() != "false",
        )


def _positive(get: Any, name: str, default: int) -> int:
    raw = get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        value = 0
    if value <= 0:
        raise SettingsError(f"-c {name}={raw!r} must be a positive whole number")
    return value
