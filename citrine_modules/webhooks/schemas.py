"""REST bodies of the webhooks module."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AnyHttpUrl, Field, UrlConstraints, field_validator

from citrine_data.models import WebhookSubscription
from citrine_modules.rest import ApiModel
from citrine_modules.stations.schemas import IDENTITY_PATTERN
from citrine_modules.webhooks.filters import InvalidFilter, validate_filters

Url = Annotated[AnyHttpUrl, UrlConstraints(max_length=2048, allowed_schemes=["http", "https"])]
EVENTS_FIELD = Field(
    min_length=1,
    description="Connected, Disconnected, NotifyEvent, SecurityEventNotification, "
    "Message:<Action>, Message:* or *",
    examples=[["NotifyEvent", "SecurityEventNotification", "Message:TransactionEvent"]],
)
SECRET_FIELD = Field(
    default=None,
    min_length=16,
    max_length=255,
    description="Key of the X-Citrine-Signature HMAC-SHA256; never shown again",
)


def _checked(events: list[str] | None) -> list[str] | None:
    if events is None:
        return None
    try:
        return validate_filters(events)
    except InvalidFilter as error:
        raise ValueError(str(error)) from None


class SubscriptionIn(ApiModel):
    url: Url = Field(examples=["https://hooks.example.com/citrine"])
    events: list[str] = EVENTS_FIELD
    station_id: str | None = Field(
        default=None, pattern=IDENTITY_PATTERN, description="Only this station's events"
    )
    secret: str | None = SECRET_FIELD
    description: str | None = Field(default=None, max_length=255)
    is_active: bool = True

    @field_validator("events")
    @classmethod
    def _known_events(cls, events: list[str]) -> list[str]:
        checked = _checked(events)
        assert checked is not None
        return checked


class SubscriptionUpdate(ApiModel):
    """Only the fields given change; ``stationId: null`` widens to every station,
    ``secret: null`` stops signing."""

    url: Url | None = None
    events: list[str] | None = Field(default=None, min_length=1)
    station_id: str | None = Field(default=None, pattern=IDENTITY_PATTERN)
    secret: str | None = Field(default=None, min_length=16, max_length=255)
    description: str | None = Field(default=None, max_length=255)
    is_active: bool | None = None

    @field_validator("events")
    @classmethod
    def _known_events(cls, events: list[str] | None) -> list[str] | None:
        return _checked(events)


class SubscriptionOut(ApiModel):
    id: int
    tenant_id: str
    url: str
    events: list[str]
    station_id: str | None
    has_secret: bool
    description: str | None
    is_active: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, subscription: WebhookSubscription, station_id: str | None) -> SubscriptionOut:
        return cls(
            id=subscription.id,
            tenant_id=subscription.tenant_id,
            url=subscription.url,
            events=subscription.events,
            station_id=station_id,
            has_secret=subscription.secret is not None,
            description=subscription.description,
            is_active=subscription.is_active,
            created_at=subscription.created_at,
            updated_at=subscription.updated_at,
        )


class DispatchStatsOut(ApiModel):
    """This process's deliveries since it started."""

    subscriptions_loaded: int
    queued: int
    waiting_retry: int
    delivered: int
    failed: int
    dropped: int
    retried: int
    last_outcome: dict[int, str] = Field(description="Per subscription id")


class PingOut(ApiModel):
    queued: bool
    event_id: str
