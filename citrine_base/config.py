"""``SystemConfig``: one settings object, from defaults, a file and ``CITRINE_*`` variables.

Precedence (highest first): keyword arguments, environment (``CITRINE_PORT``,
``CITRINE_OCPP__CALL_TIMEOUT`` for nested fields), the ``--config`` file (TOML or JSON), then
the defaults, which are a working embedded run: SQLite under ``./data``, memory cache and
memory broker, bound to localhost.
"""

from __future__ import annotations

import ipaddress
import json
import tomllib
import uuid
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

MIB = 1024 * 1024


class LeniencyConfig(BaseModel):
    """What a non-conformant station is forgiven (see ``citrine_base.rpc.validation``)."""

    ignore_unknown_fields: bool = False
    drop_null_fields: bool = False


class OcppConfig(BaseModel):
    max_frame_bytes: int = Field(
        default=1 * MIB, ge=1024, description="Largest websocket frame accepted from a station"
    )
    ping_interval: float = Field(
        default=30.0, ge=0, description="Seconds between server pings; 0 disables them"
    )
    ping_timeout: float = Field(
        default=30.0, gt=0, description="Seconds to wait for a pong before closing"
    )
    call_timeout: float = Field(
        default=30.0, gt=0, description="Seconds a station has to answer a CSMS CALL"
    )
    handler_timeout: float = Field(
        default=25.0, gt=0, description="Seconds a module has to answer a station CALL"
    )
    command_queue_size: int = Field(
        default=32, ge=1, description="CSMS CALLs waiting per station before new ones are refused"
    )
    inbound_queue_size: int = Field(
        default=8, ge=1, description="Station CALLs waiting per station while one is handled"
    )
    heartbeat_interval: int = Field(
        default=300, ge=1, description="Heartbeat interval given in BootNotification"
    )
    boot_retry_interval: int = Field(
        default=60, ge=0, description="Interval given with a Pending or Rejected boot"
    )
    leniency: LeniencyConfig = Field(
        default_factory=LeniencyConfig, description="Default leniency for every station"
    )
    station_leniency: dict[str, LeniencyConfig] = Field(
        default_factory=dict, description="Leniency per station identity, overriding the default"
    )


class DatabaseConfig(BaseModel):
    url: str = "sqlite+aiosqlite:///./data/citrine.db"
    pool_size: int = Field(default=10, ge=1)
    max_overflow: int = Field(default=20, ge=0)
    pool_timeout: float = Field(default=30.0, gt=0)
    echo: bool = False
    migrate_on_start: bool | None = Field(
        default=None,
        description="Run the migrations at start; None: only for SQLite (the embedded default). "
        "Deployments on PostgreSQL run `citrine migrate` once instead.",
    )

    def should_migrate_on_start(self) -> bool:
        if self.migrate_on_start is not None:
            return self.migrate_on_start
        return self.url.startswith("sqlite")


class UnknownStationPolicy(StrEnum):
    """What happens to a station identity the CSMS has never seen."""

    ACCEPT = "accept"  # registered at its first connection, then booted as configured
    PENDING = "pending"  # registered, but answered Pending until an operator accepts it
    REFUSE = "refuse"  # the handshake is refused (HTTP 404, OCPP-J §3.1.1)


class StationsConfig(BaseModel):
    unknown: UnknownStationPolicy = Field(
        default=UnknownStationPolicy.ACCEPT,
        description="Policy for station identities that are not provisioned",
    )
    last_seen_flush_interval: float = Field(
        default=15.0, gt=0, description="Seconds between batched writes of last-seen times"
    )


class TlsCertificateConfig(BaseModel):
    """One server certificate of a TLS listener: a PEM chain (leaf first) and its key."""

    certificate_file: str
    key_file: str
    key_password: SecretStr | None = None


class TlsListenerConfig(BaseModel):
    """A wss:// listener for stations on security profile 2 or 3 (A00.FR.006: one profile
    per listener). OCPP's cipher suites need an RSA and an ECDSA certificate: give both."""

    host: str = "127.0.0.1"
    port: int = Field(ge=0, le=65535)
    security_profile: Literal[2, 3]
    certificates: list[TlsCertificateConfig] = Field(min_length=1)
    client_ca_file: str | None = Field(
        default=None,
        description="Profile 3: PEM of the CA(s) station certificates must chain to; unset: "
        "the CSMS's own certificate authority (certificates.*)",
    )


class StationSecurityConfig(BaseModel):
    """How stations authenticate (security profiles 1-3, block A); see docs/security.md."""

    plain_security_profile: Literal[0, 1] | None = Field(
        default=None,
        description="Profile of the plain ws:// listener (host, port): 0 no authentication, "
        "1 HTTP Basic. Unset: 0 when bound to a loopback address (a local run), else 1",
    )
    listeners: list[TlsListenerConfig] = Field(
        default_factory=list, description="TLS listeners (profiles 2 and 3) next to the plain one"
    )
    raise_minimum_profile: bool = Field(
        default=True,
        description="Once a station has authenticated on a higher security profile than its "
        "minimum, that profile becomes its minimum: after an upgrade (A05: SetNetworkProfile, "
        "NetworkConfigurationPriority, Reset) the old, lower profile is refused (A05.FR.07)",
    )
    accept_without_password: bool = Field(
        default=False,
        description="Let a station that has no password (an unknown identity, registered under "
        "stations.unknown, or a known one nobody set a password for) connect on profile 1/2 "
        "unchecked. Off: refused with 401 (profile 3 proves identity with its certificate)",
    )
    failures_before_backoff: int = Field(
        default=3, ge=1, description="Failed handshakes from one address before it is throttled"
    )
    backoff_initial: float = Field(
        default=1.0, gt=0, description="First back-off (s); doubles with every further failure"
    )
    backoff_max: float = Field(default=300.0, gt=0, description="Longest back-off (s)")


class BootDefaults(BaseModel):
    """How stations without boot settings of their own are booted, and how a Pending boot is
    provisioned (B01-B03). Per-station settings (REST ``/stations/{id}/boot-config``) win."""

    status: Literal["Accepted", "Pending", "Rejected"] = Field(
        default="Accepted", description="Answer to a station without boot settings"
    )
    fetch_base_report: bool = Field(
        default=False, description="While Pending, fetch a base report before accepting"
    )
    report_base: Literal["FullInventory", "ConfigurationInventory", "SummaryInventory"] = Field(
        default="FullInventory", description="The base report fetched while Pending (B07.FR.14)"
    )
    accept_with_rejected_variables: bool = Field(
        default=True, description="Accept after provisioning even if the station rejected some"
    )
    report_timeout: float = Field(
        default=300.0, gt=0, description="Seconds a Pending station has to complete its report"
    )


class DeviceModelConfig(BaseModel):
    """Limits used when a station's device model does not say (DeviceDataCtrlr)."""

    items_per_message: int = Field(
        default=10, ge=1, description="Items per Get/SetVariables when ItemsPerMessage is unknown"
    )
    bytes_per_message: int = Field(
        default=16384,
        ge=512,
        description="Bytes per Get/SetVariables when BytesPerMessage is unknown",
    )


class MessageLogConfig(BaseModel):
    enabled: bool = True
    flush_interval: float = Field(default=0.5, gt=0, description="Seconds between batch writes")
    batch_size: int = Field(default=1000, ge=1, description="Rows per INSERT at most")
    queue_size: int = Field(
        default=200_000, ge=1, description="Frames held while the database is slow or down"
    )
    retention_days: float = Field(
        default=30.0, ge=0, description="Delete log rows older than this; 0 keeps them forever"
    )


class ExternalAuthorizerConfig(BaseModel):
    """An HTTP service (a roaming hub, an eMSP) asked about tokens the CSMS does not know.

    It receives ``POST url`` with ``{"tenantId", "stationId", "evseId", "idToken"}`` (the
    OCPP IdToken) and answers 200 with an OCPP ``IdTokenInfo``, or 404 for a token it does
    not know either.
    """

    url: str = Field(description="Where token questions are POSTed")
    timeout: float = Field(default=3.0, gt=0, description="Seconds to wait for an answer")
    token_types: list[str] = Field(
        default=["eMAID", "ISO14443", "ISO15693", "Central"],
        description="Token types asked about (never KeyCode: PINs stay here)",
    )
    cache_seconds: float = Field(
        default=60.0, ge=0, description="How long an answer is reused (Authorize, then the start)"
    )
    bearer_token: str | None = Field(default=None, description="Sent as Authorization: Bearer")


class EvDriverConfig(BaseModel):
    local_list_items_per_message: int = Field(
        default=100,
        ge=1,
        description="Entries per SendLocalList when the station's "
        "LocalAuthListCtrlr.ItemsPerMessage is unknown",
    )
    reservation_sweep_interval: float = Field(
        default=60.0, gt=0, description="Seconds between marking overdue reservations Expired"
    )
    external_authorizer: ExternalAuthorizerConfig | None = None


class TransactionsConfig(BaseModel):
    cost_updated_interval: float = Field(
        default=60.0,
        ge=0,
        description="Seconds between CostUpdated pushes of the running cost to stations with "
        "a running, tariffed transaction (once across the cluster); 0 turns them off",
    )
    cost_updated_timeout: float = Field(
        default=10.0, gt=0, description="Seconds a station has to answer a CostUpdated"
    )


class WebhookConfig(BaseModel):
    """How webhook posts are delivered (``citrine_modules.webhooks``)."""

    queue_size: int = Field(
        default=10_000, ge=1, description="Posts waiting to be sent; beyond it new ones are dropped"
    )
    retry_capacity: int = Field(
        default=10_000, ge=0, description="Posts waiting for a retry; beyond it they are dropped"
    )
    concurrency: int = Field(default=8, ge=1, description="Posts in flight at once")
    timeout: float = Field(default=10.0, gt=0, description="Seconds a receiver has to answer")
    max_attempts: int = Field(default=6, ge=1, description="Attempts per post, the first included")
    retry_base: float = Field(
        default=1.0, gt=0, description="Seconds before the first retry; doubles each attempt"
    )
    retry_max: float = Field(default=300.0, gt=0, description="Longest wait between attempts")
    refresh_interval: float = Field(
        default=30.0,
        gt=0,
        description="Seconds between reloads of the subscriptions, besides the reload on change",
    )


class ClusterConfig(BaseModel):
    """How this process finds the others (only matters with Redis and RabbitMQ)."""

    exchange: str = Field(
        default="citrine",
        min_length=1,
        description="RabbitMQ exchange, and prefix of every queue: one per cluster",
    )
    key_prefix: str = Field(default="citrine:", description="Prefix of every Redis key")
    presence_ttl: float = Field(
        default=90.0,
        ge=3,
        description="Seconds a station's presence lives unless refreshed (a third of it); "
        "how long commands to the stations of a killed process fail as offline",
    )
    startup_timeout: float = Field(
        default=60.0,
        ge=0,
        description="Seconds to keep retrying (with back-off) Redis and RabbitMQ at start-up",
    )


class AdmissionConfig(BaseModel):
    """Flow control for reconnect storms (``citrine_util.admission``)."""

    boot_rate: float = Field(
        default=0.0,
        ge=0,
        description="BootNotifications per second the whole cluster accepts, when its capacity "
        "is known; over it a boot is answered Pending with the time of a reserved slot. "
        "0 (default): no fixed rate, only the adaptive boot_queue_seconds gate",
    )
    boot_burst: int = Field(
        default=200, ge=1, description="Boots accepted at once before the rate applies"
    )
    boot_queue_seconds: float = Field(
        default=15.0,
        ge=0,
        description="Adaptive gate: a boot is admitted while the boots already waiting in this "
        "process would be answered within this many seconds at the rate boots are answered "
        "now; beyond it, Pending for about that long. Below a station's message timeout "
        "(30 s is usual); 0 turns the gate off",
    )
    max_boots_in_flight: int = Field(
        default=0,
        ge=0,
        description="A hard cap on boots of this process waiting for their module's answer "
        "(beyond it, Pending); 0: no cap (boot_queue_seconds adapts instead)",
    )
    max_boot_wait: int = Field(
        default=3600, ge=1, description="Longest interval given to a throttled boot (s)"
    )
    handshake_concurrency: int = Field(
        default=64, ge=1, description="Station handshakes registered at once per process"
    )
    handshake_backlog: int = Field(
        default=2000,
        ge=0,
        description="Handshakes waiting for a slot per process; beyond it HTTP 503",
    )
    handshake_wait: float = Field(
        default=30.0,
        gt=0,
        description="Seconds a handshake may wait for a slot before HTTP 503 (stations give "
        "up on a handshake after some seconds: registering a socket that is gone is waste)",
    )


class LimitsConfig(BaseModel):
    """Bounds on what a station or a REST client may send (``docs/security.md``, "Limits and
    bad input"). The websocket frame size is ``ocpp.max_frame_bytes``."""

    max_json_depth: int = Field(
        default=32,
        ge=4,
        le=250,
        description="Deepest nesting of arrays and objects in a frame (OCPP's schemas need "
        "about 8); deeper CALLs are answered FormatViolation",
    )
    message_rate: float = Field(
        default=50.0,
        ge=0,
        description="Frames per second a station may send, on average; beyond it a CALL is "
        "answered RpcFrameworkError. 0 turns the limit off",
    )
    message_burst: int = Field(
        default=200,
        ge=1,
        description="Frames a station may send at once before message_rate applies (a "
        "station flushing its offline queue after a reconnect)",
    )
    flood_close_after: int = Field(
        default=100,
        ge=1,
        description="Frames refused for the rate within flood_window seconds after which the "
        "connection is closed with 1008 (policy violation)",
    )
    flood_window: float = Field(
        default=10.0, gt=0, description="Seconds over which refused frames are counted"
    )
    max_body_bytes: int = Field(
        default=1 * MIB,
        ge=1024,
        description="Largest REST request body; beyond it HTTP 413. Upload paths have their "
        "own limits (files.max_log_bytes, files.max_firmware_bytes)",
    )
    upload_paths: list[str] = Field(
        default=["/firmware", "/files/logs/"],
        description="Paths exempt from max_body_bytes (a trailing / makes a prefix): their "
        "endpoints limit the body while it streams",
    )
    max_handshakes_per_address: int = Field(
        default=1000,
        ge=0,
        description="Station handshakes in progress at once from one remote address (about "
        "half of what admission.handshake_concurrency + handshake_backlog hold, so one "
        "address cannot take them all; a whole depot behind NAT reconnecting still fits); "
        "beyond it HTTP 429 with Retry-After. 0: no limit",
    )
    max_connections_per_address: int = Field(
        default=0,
        ge=0,
        description="Open station connections from one remote address (many stations may sit "
        "behind one NAT, so off by default); beyond it HTTP 429. 0: no limit",
    )
    address_retry_after: int = Field(
        default=10, ge=1, description="Retry-After (s) sent with a 429 for an address over its cap"
    )
    trusted_proxies: list[str] = Field(
        default=["127.0.0.1"],
        description="Addresses or networks (CIDR) of reverse proxies whose X-Forwarded-For is "
        "believed (uvicorn's default: a proxy on this host); empty: the socket's peer "
        "address is always the remote address",
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for entry in value:
            ipaddress.ip_network(entry, strict=False)  # ValueError names the bad entry
        return value


class LogConfig(BaseModel):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["json", "console"] = "json"


class S3Config(BaseModel):
    """An S3-compatible object store (AWS S3, MinIO, Ceph, ...), spoken to with signature v4."""

    endpoint_url: str = Field(
        description="Service URL, e.g. https://s3.eu-west-1.amazonaws.com or http://minio:9000"
    )
    bucket: str
    region: str = "us-east-1"
    access_key_id: str
    secret_access_key: SecretStr
    path_style: bool = Field(
        default=True, description="Bucket in the path (MinIO) rather than in the host name"
    )
    prefix: str = Field(default="", description="Key prefix for every object of this server")
    timeout: float = Field(default=30.0, gt=0)


class StorageConfig(BaseModel):
    """Where files live: uploaded logs, hosted firmware, the generated CA's key."""

    backend: Literal["local", "s3"] = "local"
    directory: str = Field(default="./data/files", description="Root of the local backend")
    s3: S3Config | None = None

    @model_validator(mode="after")
    def _s3_needs_settings(self) -> StorageConfig:
        if self.backend == "s3" and self.s3 is None:
            raise ValueError("storage.backend = 's3' needs the storage.s3 settings")
        return self


class FileTransferConfig(BaseModel):
    """The HTTP endpoints stations upload logs to and download firmware from (N01, L01)."""

    public_base_url: str | None = Field(
        default=None,
        description="Base URL stations reach this server at; default http://{host}:{port}",
    )
    max_log_bytes: int = Field(default=100 * MIB, ge=1, description="Largest log upload")
    max_firmware_bytes: int = Field(default=2048 * MIB, ge=1, description="Largest firmware")
    upload_ttl: float = Field(
        default=7 * 24 * 3600.0, gt=0, description="Seconds a log upload URL stays valid"
    )


class CertificatesConfig(BaseModel):
    """The CSMS's certificate authority (A02/A03) and certificate services (M)."""

    ca_certificate_file: str | None = Field(
        default=None,
        description="PEM of an existing CA; with ca_key_file, used instead of "
        "generating one at first start",
    )
    ca_key_file: str | None = None
    ca_key_password: SecretStr | None = Field(
        default=None, description="Passphrase of ca_key_file, and of a generated CA's stored key"
    )
    organization: str = Field(
        default="Citrine", description="O that station CSRs must carry (A00.FR.404)"
    )
    common_name: Literal["serial_number", "station_id"] = Field(
        default="serial_number",
        description="What a CSR's CN must equal: the station's serial number (A00.FR.405) or "
        "its identity",
    )
    certificate_days: int = Field(default=365, ge=1, description="Validity of signed certificates")
    ca_days: int = Field(default=3650, ge=1, description="Validity of a generated CA")
    ocsp_timeout: float = Field(default=10.0, gt=0, description="Seconds per OCSP request")
    contract_provider_url: str | None = Field(
        default=None,
        description="HTTP service that answers ISO 15118 certificate requests "
        "(Get15118EVCertificate); unset: answered Failed",
    )


class OidcConfig(BaseModel):
    """OpenID Connect bearer tokens for the REST API: JWTs signed by the provider's keys."""

    issuer: str = Field(description="Expected `iss` claim, e.g. https://idp.example.com/realms/x")
    audience: str = Field(description="Expected `aud` claim (the client id of this API)")
    jwks_url: str = Field(description="The provider's JWKS document (its `jwks_uri`)")
    algorithms: list[str] = Field(
        default=["RS256", "ES256", "PS256"],
        description="Signature algorithms accepted; never `none` nor an HMAC one",
    )
    scope_claim: str = Field(
        default="scope",
        description="Claim holding the caller's scopes or roles: a space-separated string or a "
        "list; a dotted path reads nested claims (Keycloak: realm_access.roles)",
    )
    scope_map: dict[str, Literal["read", "operate", "admin"]] = Field(
        default={"citrine:read": "read", "citrine:operate": "operate", "citrine:admin": "admin"},
        description="Claim value -> our scope; values not listed are ignored",
    )
    tenant_claim: str = Field(default="tenant_id", description="Claim naming the caller's tenant")
    platform_tenant: str | None = Field(
        default=None,
        description="A tenant-claim value that makes the caller a platform operator (all "
        "tenants); None: no token is ever a platform operator",
    )
    jwks_cache_seconds: float = Field(
        default=3600.0, gt=0, description="How long fetched keys are used before a refetch"
    )
    jwks_min_refresh_seconds: float = Field(
        default=30.0,
        ge=0,
        description="A token with an unknown key id refetches the JWKS at most this often",
    )
    leeway_seconds: float = Field(default=30.0, ge=0, description="Clock skew allowed on exp/nbf")
    timeout: float = Field(default=5.0, gt=0, description="Seconds to fetch the JWKS")

    @field_validator("algorithms")
    @classmethod
    def _asymmetric_only(cls, value: list[str]) -> list[str]:
        refused = [alg for alg in value if alg.lower() == "none" or alg.upper().startswith("HS")]
        if refused or not value:
            raise ValueError(f"algorithms must be asymmetric signature algorithms, not {refused}")
        return value


class ApiAuthConfig(BaseModel):
    """Who may use the REST API (``docs/security.md``, "REST API authentication")."""

    local_operator: bool = Field(
        default=True,
        description="On a server bound to loopback, a request without credentials acts as the "
        "local admin, but only while no API key exists and OIDC is not configured",
    )
    key_usage_flush_seconds: float = Field(
        default=60.0, gt=0, description="Seconds between batched writes of keys' last_used_at"
    )
    oidc: OidcConfig | None = None


class CorsConfig(BaseModel):
    """Cross-origin browser access to the REST API: off unless origins are listed."""

    origins: list[str] = Field(
        default_factory=list, description="Allowed origins, e.g. https://ui.example.com"
    )
    allow_credentials: bool = Field(
        default=False, description="Let browsers send cookies/credentials cross-origin"
    )

    @field_validator("origins", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value


class SystemConfig(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CITRINE_",
        env_nested_delimiter="__",
        extra="forbid",
        validate_default=True,
    )

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    instance_id: str = Field(default_factory=lambda: uuid.uuid4().hex[:12])
    tenant_id: str = Field(
        default="default", description="Tenant of stations connecting to this server"
    )
    modules: list[str] | None = Field(default=None, description="Modules to run; None runs all")
    ocpp: OcppConfig = Field(default_factory=OcppConfig)
    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    redis_url: str | None = None
    amqp_url: str | None = None
    cluster: ClusterConfig = Field(default_factory=ClusterConfig)
    admission: AdmissionConfig = Field(default_factory=AdmissionConfig)
    limits: LimitsConfig = Field(default_factory=LimitsConfig)
    log: LogConfig = Field(default_factory=LogConfig)
    stations: StationsConfig = Field(default_factory=StationsConfig)
    station_security: StationSecurityConfig = Field(default_factory=StationSecurityConfig)
    message_log: MessageLogConfig = Field(default_factory=MessageLogConfig)
    storage: StorageConfig = Field(default_factory=StorageConfig)
    files: FileTransferConfig = Field(default_factory=FileTransferConfig)
    certificates: CertificatesConfig = Field(default_factory=CertificatesConfig)
    evdriver: EvDriverConfig = Field(default_factory=EvDriverConfig)
    transactions: TransactionsConfig = Field(default_factory=TransactionsConfig)
    webhooks: WebhookConfig = Field(default_factory=WebhookConfig)
    boot: BootDefaults = Field(default_factory=BootDefaults)
    device_model: DeviceModelConfig = Field(default_factory=DeviceModelConfig)
    api_auth: ApiAuthConfig = Field(default_factory=ApiAuthConfig)
    cors: CorsConfig = Field(default_factory=CorsConfig)

    @field_validator("modules", mode="before")
    @classmethod
    def _split_modules(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings

    @classmethod
    def load(cls, config_file: str | Path | None = None, **overrides: Any) -> SystemConfig:
        """Defaults < file < environment < ``overrides``."""
        values = read_config_file(Path(config_file)) if config_file else {}
        from_env = EnvSettingsSource(cls, env_prefix="CITRINE_", env_nested_delimiter="__")()
        return cls(**_deep_merge(_deep_merge(values, from_env), overrides))

    def public_base_url(self) -> str:
        """Where stations reach this server over HTTP (upload and download URLs)."""
        if self.files.public_base_url:
            return self.files.public_base_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}"

    def leniency_for(self, station_id: str) -> LeniencyConfig:
        return self.ocpp.station_leniency.get(station_id, self.ocpp.leniency)


def _deep_merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def read_config_file(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        data = json.loads(text)
    else:
        data = tomllib.loads(text)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a table of settings")
    return data
