//! Request and response types of the Machines API, as Fly serialises them.
//!
//! Responses decode tolerantly: unknown fields are ignored and optional or nullable fields fall
//! back to `None`/defaults, so additions on Fly's side do not break the client.

pub mod apps;
pub mod certificates;
pub(crate) mod de;
pub mod ips;
pub mod logs;
pub mod machine_config;
pub mod machines;
pub mod secrets;
pub mod volumes;

pub use apps::{App, AppOrganization, CreateAppRequest, ListAppsResponse};
pub use certificates::{
    AcmeChallengeRequirement, CertificateDetail, CertificateInfo, CertificateSummary,
    CertificateValidation, CertificateValidationError, DnsRequirements, IssuedCertificate,
    ListCertificatesResponse, OwnershipRequirement,
};
pub use ips::{AllocateIpRequest, IpAssignment, ListIpAssignmentsResponse};
pub use logs::{LogEntry, LogMeta, LogsQuery, LogsResponse};
pub use machine_config::{
    DnsConfig, DnsForwardRule, DnsOption, DurationParseError, EnvFrom, File, GoDuration,
    GuestPreset, HttpOptions, HttpResponseOptions, MachineAutostop, MachineCacheDrive,
    MachineCheck, MachineConfig, MachineGuest, MachineHttpHeader, MachineInit, MachineMetrics,
    MachineMount, MachinePort, MachineProcess, MachineRestart, MachineRootfs, MachineSecret,
    MachineService, MachineServiceCheck, MachineServiceConcurrency, MachineSpot, PersistRootfs,
    ProxyProtoOptions, ReplayCache, Static, StopConfig, TlsOptions, UnknownSizeError,
};
pub use machines::{
    CheckStatus, ContainerStatus, ExecRequest, ExecResponse, ExitEvent, ImageRef,
    LaunchMachineInput, LeaseData, ListMachinesParams, Machine, MachineEvent, MachineEventRequest,
    MachineLease, MonitorEvent, RestartRequest, StartMachineResponse, StopRequest, WaitParams,
    go_duration,
};
pub use secrets::{
    AppSecret, ListSecretsResponse, SecretValue, UpdateSecretsRequest, UpdateSecretsResponse,
};
pub use volumes::{CreateVolumeRequest, ExtendVolumeResponse, Volume, VolumeSnapshot};
