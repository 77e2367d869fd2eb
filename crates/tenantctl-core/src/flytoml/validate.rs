//! flyctl's fly.toml validation (`internal/appconfig/validation.go`): the checks `fly deploy`
//! runs before it touches any machine, with flyctl's messages.

use fly_api::types::GoDuration;

use super::AppConfig;
use super::convert::{parse_restart_policy, top_level_check_to_machine};
use super::support::{parse_volume_gb, shell_split};

/// One reason flyctl would refuse the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ValidationError {
    pub message: String,
}

/// The deploy strategies machines apps support.
pub const DEPLOY_STRATEGIES: &[&str] = &["canary", "rolling", "immediate", "bluegreen"];

#[derive(Default)]
struct Report {
    errors: Vec<ValidationError>,
    warnings: Vec<String>,
}

impl Report {
    fn error(&mut self, message: String) {
        self.errors.push(ValidationError { message });
    }
}

impl AppConfig {
    /// flyctl's `Validate`: every problem `fly deploy` stops on.
    pub fn validate(&self) -> Result<(), Vec<ValidationError>> {
        let report = self.validation_report(None);
        if report.errors.is_empty() {
            Ok(())
        } else {
            Err(report.errors)
        }
    }

    /// flyctl's `ValidateGroups`: validates the config as each group sees it, which adds the
    /// one-mount-per-group rule. An empty list validates the whole file.
    pub fn validate_groups(&self, groups: &[&str]) -> Result<(), Vec<ValidationError>> {
        if groups.is_empty() {
            return self.validate();
        }
        for group in groups {
            let report = self.flatten(group).validation_report(Some(group));
            if !report.errors.is_empty() {
                return Err(report.errors);
            }
        }
        Ok(())
    }

    /// What flyctl prints as warnings without refusing the file.
    pub fn validation_warnings(&self) -> Vec<String> {
        self.validation_report(None).warnings
    }

    fn validation_report(&self, flattened_group: Option<&str>) -> Report {
        let mut report = Report::default();
        self.validate_build_strategies(&mut report);
        self.validate_deploy(&mut report);
        self.validate_checks(&mut report);
        self.validate_services(&mut report);
        self.validate_processes(&mut report);
        self.validate_console_command(&mut report);
        self.validate_mounts(&mut report, flattened_group);
        self.validate_restart(&mut report);
        self.validate_compression(&mut report);
        report
    }

    fn build_strategies(&self) -> Vec<String> {
        let Some(build) = &self.build else {
            return Vec::new();
        };
        let mut strategies = Vec::new();
        if !build.image.is_empty() {
            strategies.push(format!("the \"{}\" docker image", build.image));
        }
        if !build.builder.is_empty() || !build.buildpacks.is_empty() {
            strategies.push("a buildpack".to_owned());
        }
        if !build.dockerfile.is_empty() {
            strategies.push(format!("the \"{}\" dockerfile", build.dockerfile));
        } else if !build.build_target.is_empty() {
            strategies.push("a dockerfile".to_owned());
        }
        if !build.builtin.is_empty() {
            strategies.push(format!("the \"{}\" builtin image", build.builtin));
        }
        strategies
    }

    fn validate_build_strategies(&self, report: &mut Report) {
        let strategies = self.build_strategies();
        if strategies.len() > 1 {
            report.warnings.push(format!(
                "more than one build configuration found: [{}]",
                strategies.join(", ")
            ));
        }
    }

    fn validate_deploy(&self, report: &mut Report) {
        let Some(deploy) = &self.deploy else {
            return;
        };
        if shell_split(&deploy.release_command).is_err() {
            report.error(format!(
                "Can't shell split release command: '{}'",
                deploy.release_command
            ));
        }
        let strategy = deploy.strategy.as_str();
        if !strategy.is_empty() {
            if !DEPLOY_STRATEGIES.contains(&strategy) {
                report.error(format!(
                    "unsupported deployment strategy '{strategy}'; Apps v2 supports the following strategies: {}",
                    DEPLOY_STRATEGIES.join(", ")
                ));
            }
            if strategy == "canary" && !self.mounts.is_empty() {
                report.error(
                    "error canary deployment strategy is not supported when using mounted volumes"
                        .to_owned(),
                );
            }
        }
    }

    fn validate_checks(&self, report: &mut Report) {
        for (name, check) in &self.checks {
            if let Err(e) = top_level_check_to_machine(check) {
                report.error(format!("Can't process top level check '{name}': {e}"));
            }
            // flaps' limits: interval at least 2s, timeout at most 60s.
            if let Some(interval) = check.interval
                && interval.as_secs_f64() < 2.0
            {
                report.error(format!(
                    "Check '{name}' interval is too short: {interval}, minimum is 2 seconds"
                ));
            }
            if let Some(timeout) = check.timeout
                && timeout.as_secs_f64() > 60.0
            {
                report.error(format!(
                    "Check '{name}' timeout is too long: {timeout}, maximum is 60 seconds"
                ));
            }
        }
    }

    fn validate_services(&self, report: &mut Report) {
        let groups = self.process_groups();
        let process_count = self.processes.len();
        for service in self.all_services() {
            if service.processes.is_empty() && process_count > 0 {
                report.error(format!(
                    "Service has no processes set but app has {process_count} processes defined; update fly.toml to set processes for each service"
                ));
            } else {
                for name in &service.processes {
                    if !groups.contains(name) {
                        report.error(format!(
                            "Service specifies '{name}' as one of its processes, but no processes are defined with that name; update fly.toml [processes] to add '{name}' process or remove it from service's processes list"
                        ));
                    }
                }
            }
            if service.ports.is_empty() {
                report.warnings.push(
                    "Service must expose at least one port. Add a [[services.ports]] section to fly.toml; Check docs at https://fly.io/docs/reference/configuration/#services-ports"
                        .to_owned(),
                );
            }
            for check in &service.tcp_checks {
                check_durations(
                    report,
                    [check.interval, check.timeout, check.grace_period],
                    "TCP",
                );
            }
            for check in &service.http_checks {
                check_durations(
                    report,
                    [check.interval, check.timeout, check.grace_period],
                    "HTTP",
                );
            }
        }
    }

    fn validate_processes(&self, report: &mut Report) {
        for (name, command) in &self.processes {
            if command.is_empty() {
                continue;
            }
            if let Err(e) = shell_split(command) {
                report.error(format!(
                    "Could not parse command for '{name}' process group; check [processes] section: {e}"
                ));
            }
        }
    }

    fn validate_console_command(&self, report: &mut Report) {
        if shell_split(&self.console_command).is_err() {
            report.error(format!(
                "Can't shell split console command: '{}'",
                self.console_command
            ));
        }
    }

    fn validate_mounts(&self, report: &mut Report, flattened_group: Option<&str>) {
        if let Some(group) = flattened_group
            && self.mounts.len() > 1
        {
            report.error(format!(
                "group '{group}' has more than one [[mounts]] section defined"
            ));
        }
        for m in &self.mounts {
            let source = &m.source;
            if !m.initial_size.is_empty() {
                match parse_volume_gb(&m.initial_size) {
                    Err(e) => report.error(format!(
                        "mount '{source}' with initial_size '{}' will fail because of: {e}",
                        m.initial_size
                    )),
                    Ok(size) if size < 1 => report.error(format!(
                        "mount '{source}' has an initial_size '{}' value which is smaller than 1GB",
                        m.initial_size
                    )),
                    Ok(_) => {}
                }
            }
            if let Some(days) = m.snapshot_retention
                && !(1..=60).contains(&days)
            {
                report.error(format!(
                    "mount '{source}' has a snapshot_retention value which is not between 1 and 60 days inclusive"
                ));
            }
            let mut increment = 0;
            let mut limit = 0;
            if !m.auto_extend_size_increment.is_empty() {
                match parse_volume_gb(&m.auto_extend_size_increment) {
                    Err(e) => report.error(format!(
                        "mount '{source}' with auto_extend_size_increment '{}' will fail because of: {e}",
                        m.auto_extend_size_increment
                    )),
                    Ok(size) => {
                        increment = size;
                        if size < 1 {
                            report.error(format!(
                                "mount '{source}' has an auto_extend_size_increment '{}' value which is smaller than 1GB",
                                m.auto_extend_size_increment
                            ));
                        }
                    }
                }
            }
            if !m.auto_extend_size_limit.is_empty() {
                match parse_volume_gb(&m.auto_extend_size_limit) {
                    Err(e) => report.error(format!(
                        "mount '{source}' with auto_extend_size_limit '{}' will fail because of: {e}",
                        m.auto_extend_size_limit
                    )),
                    Ok(size) => {
                        limit = size;
                        if size < 1 {
                            report.error(format!(
                                "mount '{source}' has an auto_extend_size_limit '{}' value which is smaller than 1GB",
                                m.auto_extend_size_limit
                            ));
                        }
                    }
                }
            }
            let threshold = m.auto_extend_size_threshold;
            if threshold != 0 || increment != 0 || limit != 0 {
                if threshold != 0 && increment == 0 && limit == 0 {
                    report.error(format!(
                        "mount '{source}' auto_extend_size_threshold, auto_extend_size_increment and auto_extend_size_limit must be all defined or none"
                    ));
                }
                if !(50..=99).contains(&threshold) {
                    report.error(format!(
                        "mount '{source}' auto_extend_size_threshold must be between 50 and 99"
                    ));
                }
                if !(1..=100).contains(&increment) {
                    report.error(format!(
                        "mount '{source}' auto_extend_size_increment must be between 1GB and 100GB"
                    ));
                }
                if limit != 0 && !(1..=500).contains(&limit) {
                    report.error(format!(
                        "mount '{source}' auto_extend_size_limit must be between 1GB and 500GB"
                    ));
                }
            }
        }
    }

    fn validate_restart(&self, report: &mut Report) {
        let groups = self.process_groups();
        for restart in &self.restart {
            for name in &restart.processes {
                if !groups.contains(name) {
                    report.error(format!(
                        "Restart policy specifies '{name}' as one of its processes, but no processes are defined with that name; update fly.toml [processes] to add '{name}' process or remove it from restart policy's processes list"
                    ));
                }
            }
            if let Err(e) = parse_restart_policy(&restart.policy) {
                report.error(e);
            }
        }
    }

    fn validate_compression(&self, report: &mut Report) {
        let Some(build) = &self.build else {
            return;
        };
        let compression = build.compression.as_str();
        if !matches!(compression, "" | "gzip" | "zstd") {
            report.error(format!(
                "Invalid value '{compression}' for compression. Valid options are 'gzip', 'zstd', or leave unset."
            ));
        }
        if let Some(level) = build.compression_level
            && !(0..=9).contains(&level)
        {
            report.error(format!(
                "Invalid value '{level}' for compression level. Must be an integer between 0 and 9."
            ));
        }
    }
}

/// Service check durations outside 1s..1m are clamped by the platform; flyctl warns.
fn check_durations(report: &mut Report, durations: [Option<GoDuration>; 3], proto: &str) {
    let [interval, timeout, grace_period] = durations;
    for (duration, zero_ok, description) in [
        (interval, false, "an interval"),
        (timeout, false, "a timeout"),
        (grace_period, true, "a grace period"),
    ] {
        let Some(d) = duration else { continue };
        let nanos = d.as_nanos();
        let second = GoDuration::from_secs(1).as_nanos();
        if zero_ok && nanos != 0 && nanos < second {
            report.warnings.push(format!(
                "Service {proto} check has {description} that is non-zero and less than 1 second ({d}); this will be raised to 1 second"
            ));
        } else if !zero_ok && nanos < second {
            report.warnings.push(format!(
                "Service {proto} check has {description} less than 1 second ({d}); this will be raised to 1 second"
            ));
        } else if nanos > GoDuration::from_secs(60).as_nanos() {
            report.warnings.push(format!(
                "Service {proto} check has {description} greater than 1 minute ({d}); this will be lowered to 1 minute"
            ));
        }
    }
}
