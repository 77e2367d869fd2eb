//! fly.toml templates: loading, versioning and rendering.
//!
//! A template is a TOML file whose *string values* may contain placeholders such as `{{app}}`.
//! Rendering parses the template with toml_edit and replaces each string value with a new string
//! value, so whatever a tenant value contains (quotes, newlines, `]]`, `"""`, NUL) stays inside
//! that one string: it can never add a key or a table. Placeholders anywhere else (keys, comments
//! aside) are refused when the template is loaded.
//!
//! `_common.toml` holds what every tier shares; each template is deep-merged on top of it.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use toml_edit::{Document, DocumentMut, Formatted, Item, Table, Value};

use crate::config::spans::KeyIndex;
use crate::config::{Config, ConfigError, TemplatesLocation};
use crate::flytoml::AppConfig;
use crate::tenant::{AppName, TenantError, TenantId};

/// The placeholders a template may use.
pub const PLACEHOLDERS: &[&str] = &[
    "app",
    "tenant",
    "tier",
    "org",
    "region",
    "image",
    "volume_size_gb",
    "vm_size",
    "vm_memory",
];

/// Name of the file deep-merged under every template.
pub const COMMON: &str = "_common";

macro_rules! embedded {
    ($($name:literal),*) => {
        &[$(($name, include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../fly-templates/", $name, ".toml")))),*]
    };
}

/// The templates compiled into the binary (fly-templates/ at the repository root).
const EMBEDDED: &[(&str, &str)] = embedded!("_common", "free", "starter", "pro", "local");

/// Why a template could not be loaded or rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("cannot read templates from {}: {message}", path.display())]
    Read { path: PathBuf, message: String },
    #[error("{file}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
    Invalid {
        file: String,
        line: Option<usize>,
        message: String,
    },
    #[error("unknown template `{name}`; {origin} has: {}", known.join(", "))]
    Unknown {
        name: String,
        known: Vec<String>,
        origin: String,
    },
}

impl TemplateError {
    pub fn hint(&self) -> Option<String> {
        match self {
            TemplateError::Read { .. } => Some(
                "check `templates_dir` in tenantctl.toml, or remove it to use the built-in templates"
                    .into(),
            ),
            TemplateError::Invalid { .. } => Some(format!(
                "placeholders ({}) may appear only inside string values, written as {{{{name}}}}",
                PLACEHOLDERS.join(", ")
            )),
            TemplateError::Unknown { known, .. } => Some(format!(
                "set the tier's `template` in tenantctl.toml to one of: {}",
                known.join(", ")
            )),
        }
    }
}

/// One template file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateSource {
    /// File name without `.toml`.
    pub name: String,
    /// Shown in errors: a path, or `fly-templates/NAME.toml (built in)`.
    pub origin: String,
    pub text: String,
}

/// A set of templates: `_common` plus one file per template name.
#[derive(Debug, Clone)]
pub struct TemplateSet {
    common: Option<TemplateSource>,
    templates: BTreeMap<String, TemplateSource>,
    location: TemplatesLocation,
}

impl TemplateSet {
    /// The templates compiled into the binary.
    pub fn embedded() -> Result<TemplateSet, TemplateError> {
        let sources = EMBEDDED.iter().map(|(name, text)| TemplateSource {
            name: (*name).to_string(),
            origin: format!("fly-templates/{name}.toml (built in)"),
            text: (*text).to_string(),
        });
        TemplateSet::from_sources(sources, TemplatesLocation::Embedded)
    }

    /// All `*.toml` files of a directory; `_common.toml` is optional.
    pub fn load_dir(dir: &Path) -> Result<TemplateSet, TemplateError> {
        let read_err = |e: std::io::Error| TemplateError::Read {
            path: dir.to_path_buf(),
            message: e.to_string(),
        };
        let mut sources = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(read_err)? {
            let path = entry.map_err(read_err)?.path();
            let (Some(stem), Some("toml")) = (
                path.file_stem().and_then(|s| s.to_str()),
                path.extension().and_then(|s| s.to_str()),
            ) else {
                continue;
            };
            let text = std::fs::read_to_string(&path).map_err(|e| TemplateError::Read {
                path: path.clone(),
                message: e.to_string(),
            })?;
            sources.push(TemplateSource {
                name: stem.to_string(),
                origin: path.display().to_string(),
                text,
            });
        }
        TemplateSet::from_sources(sources, TemplatesLocation::Dir(dir.to_path_buf()))
    }

    /// The set a config points at.
    pub fn for_config(config: &Config) -> Result<TemplateSet, TemplateError> {
        match &config.templates {
            TemplatesLocation::Embedded => TemplateSet::embedded(),
            TemplatesLocation::Dir(dir) => TemplateSet::load_dir(dir),
        }
    }

    /// Builds a set and checks every source's placeholders.
    pub fn from_sources(
        sources: impl IntoIterator<Item = TemplateSource>,
        location: TemplatesLocation,
    ) -> Result<TemplateSet, TemplateError> {
        let mut set = TemplateSet {
            common: None,
            templates: BTreeMap::new(),
            location,
        };
        for source in sources {
            check_source(&source)?;
            if source.name == COMMON {
                set.common = Some(source);
            } else if !source.name.starts_with('_') {
                set.templates.insert(source.name.clone(), source);
            }
        }
        Ok(set)
    }

    pub fn location(&self) -> &TemplatesLocation {
        &self.location
    }

    /// Template names, sorted.
    pub fn names(&self) -> Vec<String> {
        self.templates.keys().cloned().collect()
    }

    pub fn contains(&self, name: &str) -> bool {
        self.templates.contains_key(name)
    }

    /// Short sha256 over every source (names and texts, in name order); stored with each tenant
    /// so an upgrade can tell which tenants run older templates.
    pub fn version(&self) -> String {
        let mut hasher = Sha256::new();
        for source in self.common.iter().chain(self.templates.values()) {
            hasher.update(source.name.as_bytes());
            hasher.update([0]);
            hasher.update(source.text.len().to_le_bytes());
            hasher.update(source.text.as_bytes());
        }
        hex::encode(hasher.finalize())[..12].to_string()
    }

    fn origin_name(&self) -> String {
        match &self.location {
            TemplatesLocation::Embedded => "the built-in templates".into(),
            TemplatesLocation::Dir(dir) => dir.display().to_string(),
        }
    }

    /// Renders template `name` with `values`. Deterministic: same inputs, same bytes.
    pub fn render(&self, name: &str, values: &RenderValues) -> Result<String, TemplateError> {
        let template = self
            .templates
            .get(name)
            .ok_or_else(|| TemplateError::Unknown {
                name: name.to_string(),
                known: self.names(),
                origin: self.origin_name(),
            })?;
        let parse = |source: &TemplateSource| {
            source
                .text
                .parse::<DocumentMut>()
                .map_err(|e| parse_error(source, &e))
        };
        let mut doc = match &self.common {
            Some(common) => {
                let mut base = parse(common)?;
                let over = parse(template)?;
                merge(base.as_table_mut(), over.as_table());
                base
            }
            None => parse(template)?,
        };
        let lookup = |key: &str| values.get(key);
        substitute_table(doc.as_table_mut(), &lookup);
        let mut position = 0;
        normalise(doc.as_table_mut(), &mut position);
        doc.decor_mut().clear();
        doc.set_trailing("");

        let mut out = String::new();
        let _ = writeln!(
            out,
            "# fly.toml for app {app}, rendered by tenantctl from template `{name}` (templates {version}).",
            app = values.app,
            version = self.version()
        );
        out.push_str("# Generated: edit the template or tenantctl.toml and render again.\n\n");
        out.push_str(doc.to_string().trim_start_matches('\n'));
        Ok(out)
    }
}

/// Values for the placeholders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderValues {
    pub app: String,
    pub tenant: String,
    pub tier: String,
    pub org: String,
    pub region: String,
    pub image: String,
    pub volume_size_gb: u32,
    pub vm_size: String,
    pub vm_memory: String,
}

impl RenderValues {
    fn get(&self, key: &str) -> Option<String> {
        Some(match key {
            "app" => self.app.clone(),
            "tenant" => self.tenant.clone(),
            "tier" => self.tier.clone(),
            "org" => self.org.clone(),
            "region" => self.region.clone(),
            "image" => self.image.clone(),
            "volume_size_gb" => self.volume_size_gb.to_string(),
            "vm_size" => self.vm_size.clone(),
            "vm_memory" => self.vm_memory.clone(),
            _ => return None,
        })
    }
}

fn parse_error(source: &TemplateSource, error: &toml_edit::TomlError) -> TemplateError {
    let line = error
        .span()
        .map(|span| KeyIndex::build(&source.text).line_col(span.start).0);
    TemplateError::Invalid {
        file: source.origin.clone(),
        line,
        message: format!("not valid TOML: {}", error.message().trim()),
    }
}

/// A problem with the placeholders in one string.
enum PlaceholderProblem {
    Unclosed,
    Unknown(String),
}

/// Replaces each `{{name}}` in `text` in one pass: substituted text is never scanned again, so a
/// value that itself contains `{{app}}` stays literal.
fn expand(
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<String, PlaceholderProblem> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find("}}").ok_or(PlaceholderProblem::Unclosed)?;
        let name = after[..end].trim();
        let value = lookup(name).ok_or_else(|| PlaceholderProblem::Unknown(name.to_string()))?;
        out.push_str(&value);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Refuses a template whose placeholders are malformed, unknown, or outside string values.
fn check_source(source: &TemplateSource) -> Result<(), TemplateError> {
    let doc = Document::parse(source.text.as_str()).map_err(|e| parse_error(source, &e))?;
    let index = KeyIndex::build(&source.text);
    let known = |name: &str| PLACEHOLDERS.contains(&name).then(String::new);
    let mut problem: Option<(Option<usize>, String)> = None;
    let line_of = |span: Option<std::ops::Range<usize>>| span.map(|s| index.line_col(s.start).0);

    let mut check_string = |text: &str, span: Option<std::ops::Range<usize>>| {
        if problem.is_some() {
            return;
        }
        match expand(text, &known) {
            Ok(_) => {}
            Err(PlaceholderProblem::Unclosed) => {
                problem = Some((
                    line_of(span),
                    format!(
                        "`{{{{` without a closing `}}}}` in \"{}\"",
                        text.escape_debug()
                    ),
                ));
            }
            Err(PlaceholderProblem::Unknown(name)) => {
                problem = Some((
                    line_of(span),
                    format!(
                        "unknown placeholder `{{{{{name}}}}}`; known: {}",
                        PLACEHOLDERS.join(", ")
                    ),
                ));
            }
        }
    };
    let mut key_problem: Option<(Option<usize>, String)> = None;
    let mut check_key = |key: &str, span: Option<std::ops::Range<usize>>| {
        if key_problem.is_none() && (key.contains("{{") || key.contains("}}")) {
            key_problem = Some((
                line_of(span),
                format!(
                    "placeholder in key `{}`: placeholders may appear only inside string values",
                    key.escape_debug()
                ),
            ));
        }
    };
    visit_table(doc.as_table(), &mut check_string, &mut check_key);
    if let Some((line, message)) = key_problem.or(problem) {
        return Err(TemplateError::Invalid {
            file: source.origin.clone(),
            line,
            message,
        });
    }
    Ok(())
}

type StringVisitor<'a> = dyn FnMut(&str, Option<std::ops::Range<usize>>) + 'a;

fn visit_table(table: &Table, on_string: &mut StringVisitor<'_>, on_key: &mut StringVisitor<'_>) {
    for (name, item) in table.iter() {
        on_key(name, table.key(name).and_then(toml_edit::Key::span));
        match item {
            Item::Value(value) => visit_value(value, on_string, on_key),
            Item::Table(sub) => visit_table(sub, on_string, on_key),
            Item::ArrayOfTables(array) => {
                for sub in array.iter() {
                    visit_table(sub, on_string, on_key);
                }
            }
            Item::None => {}
        }
    }
}

fn visit_value(value: &Value, on_string: &mut StringVisitor<'_>, on_key: &mut StringVisitor<'_>) {
    match value {
        Value::String(s) => on_string(s.value(), value.span()),
        Value::Array(array) => {
            for element in array.iter() {
                visit_value(element, on_string, on_key);
            }
        }
        Value::InlineTable(table) => {
            for (name, inner) in table.iter() {
                on_key(name, table.key(name).and_then(toml_edit::Key::span));
                visit_value(inner, on_string, on_key);
            }
        }
        _ => {}
    }
}

/// Deep merge: tables merge key by key; anything else in `over` replaces what `base` has.
fn merge(base: &mut Table, over: &Table) {
    for (key, item) in over.iter() {
        match (base.get_mut(key), item) {
            (Some(Item::Table(base_table)), Item::Table(over_table)) => {
                merge(base_table, over_table);
            }
            _ => {
                base.insert(key, item.clone());
            }
        }
    }
}

fn substitute_table(table: &mut Table, lookup: &dyn Fn(&str) -> Option<String>) {
    for (_, item) in table.iter_mut() {
        match item {
            Item::Value(value) => substitute_value(value, lookup),
            Item::Table(sub) => substitute_table(sub, lookup),
            Item::ArrayOfTables(array) => {
                for sub in array.iter_mut() {
                    substitute_table(sub, lookup);
                }
            }
            Item::None => {}
        }
    }
}

fn substitute_value(value: &mut Value, lookup: &dyn Fn(&str) -> Option<String>) {
    match value {
        Value::String(s) => {
            // Placeholders were checked at load time, so expansion cannot fail here; keep the
            // template text if it somehow does rather than panic.
            if let Ok(expanded) = expand(s.value(), lookup) {
                *s = Formatted::new(expanded);
            }
        }
        Value::Array(array) => {
            for element in array.iter_mut() {
                substitute_value(element, lookup);
            }
        }
        Value::InlineTable(table) => {
            for (_, inner) in table.iter_mut() {
                substitute_value(inner, lookup);
            }
        }
        _ => {}
    }
}

/// Drops template comments and layout and orders tables as they appear, so output is canonical.
fn normalise(table: &mut Table, position: &mut isize) {
    table.decor_mut().clear();
    table.set_position(*position);
    *position += 1;
    for (mut key, item) in table.iter_mut() {
        key.leaf_decor_mut().clear();
        key.dotted_decor_mut().clear();
        match item {
            Item::Value(value) => value.decor_mut().clear(),
            Item::Table(sub) => normalise(sub, position),
            Item::ArrayOfTables(array) => {
                for sub in array.iter_mut() {
                    normalise(sub, position);
                }
            }
            Item::None => {}
        }
    }
}

/// A tenant's fly.toml, rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedTenant {
    pub tenant: TenantId,
    pub app: AppName,
    pub tier: String,
    pub template: String,
    pub template_version: String,
    pub region: String,
    pub image: String,
    pub fly_toml: String,
}

/// What to render for a tenant; `region` and `image` override the config's defaults.
#[derive(Debug, Clone, Default)]
pub struct TenantRenderRequest {
    pub tenant: String,
    pub tier: String,
    pub region: Option<String>,
    pub image: Option<String>,
}

/// Why a tenant's fly.toml could not be rendered.
#[derive(Debug, Clone, thiserror::Error)]
pub enum RenderError {
    #[error(transparent)]
    Tenant(#[from] TenantError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Template(#[from] TemplateError),
    #[error("invalid --region: {0}")]
    Region(String),
    #[error("template `{template}` renders a fly.toml that flyctl would refuse: {}", problems.join("; "))]
    Refused {
        template: String,
        problems: Vec<String>,
    },
    #[error(
        "tier `{tier}` has always_on = {always_on} in {config}, but template `{template}` renders http_service.auto_stop_machines = {auto_stop} and min_machines_running = {min_running}"
    )]
    AlwaysOnMismatch {
        tier: String,
        template: String,
        config: String,
        always_on: bool,
        auto_stop: String,
        min_running: String,
    },
}

/// Validates the request, then renders the tier's template for the tenant.
pub fn render_tenant(
    config: &Config,
    templates: &TemplateSet,
    request: &TenantRenderRequest,
) -> Result<RenderedTenant, RenderError> {
    // The tenant id comes first: nothing else is looked at for a bad id.
    let tenant = TenantId::parse(&request.tenant)?;
    let app = AppName::for_tenant(&config.app_name_pattern, &tenant)?;
    let tier = config.tier(&request.tier)?;
    let template = config.template_of(&request.tier, tier).to_string();
    if !templates.contains(&template) {
        let known = templates.names();
        return Err(config
            .error_at(
                &format!("tiers.{}.template", request.tier),
                format!(
                    "template `{template}` does not exist; available: {}",
                    known.join(", ")
                ),
            )
            .into());
    }
    let region = match &request.region {
        Some(region) => {
            crate::config::check_region(region).map_err(RenderError::Region)?;
            region.clone()
        }
        None => config.region.clone(),
    };
    let image = request
        .image
        .clone()
        .unwrap_or_else(|| config.image.clone());
    let values = RenderValues {
        app: app.to_string(),
        tenant: tenant.to_string(),
        tier: request.tier.clone(),
        org: config.org.clone(),
        region: region.clone(),
        image: image.clone(),
        volume_size_gb: tier.volume_size_gb,
        vm_size: tier.vm_size.clone(),
        vm_memory: tier.vm_memory.clone(),
    };
    let fly_toml = templates.render(&template, &values)?;
    check_fly_toml(&fly_toml, &template)?;
    check_always_on(&fly_toml, tier.always_on).map_err(|(auto_stop, min_running)| {
        RenderError::AlwaysOnMismatch {
            tier: request.tier.clone(),
            template: template.clone(),
            config: config.source.to_string(),
            always_on: tier.always_on,
            auto_stop,
            min_running,
        }
    })?;
    Ok(RenderedTenant {
        tenant,
        app,
        tier: request.tier.clone(),
        template,
        template_version: templates.version(),
        region,
        image,
        fly_toml,
    })
}

/// The rendered file must be one `fly deploy -c` accepts: it parses as a fly.toml and passes
/// flyctl's validation.
fn check_fly_toml(fly_toml: &str, template: &str) -> Result<(), RenderError> {
    let refused = |problems: Vec<String>| RenderError::Refused {
        template: template.to_string(),
        problems,
    };
    let path = PathBuf::from(format!("{template}.toml (rendered)"));
    let app = AppConfig::parse(fly_toml, &path).map_err(|e| refused(vec![e.to_string()]))?;
    app.validate()
        .map_err(|errors| refused(errors.iter().map(ToString::to_string).collect()))
}

/// A tier that promises always-on must render a service that never stops, and the reverse.
fn check_always_on(fly_toml: &str, always_on: bool) -> Result<(), (String, String)> {
    let Ok(doc) = fly_toml.parse::<DocumentMut>() else {
        return Ok(());
    };
    let service = doc.get("http_service");
    let auto_stop = service.and_then(|s| s.get("auto_stop_machines"));
    let min_running = service.and_then(|s| s.get("min_machines_running"));
    let stops = match auto_stop.and_then(Item::as_value) {
        Some(Value::String(s)) => s.value() != "off",
        Some(Value::Boolean(b)) => *b.value(),
        // flyctl's default for a missing auto_stop_machines is to not stop.
        _ => false,
    };
    let min = min_running.and_then(Item::as_integer).unwrap_or(0);
    let renders_always_on = !stops || min >= 1;
    if renders_always_on == always_on {
        Ok(())
    } else {
        let show = |item: Option<&Item>| {
            item.and_then(Item::as_value).map_or_else(
                || "(unset)".to_string(),
                |v| v.to_string().trim().to_string(),
            )
        };
        Err((show(auto_stop), show(min_running)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ConfigSource;

    fn values(image: &str) -> RenderValues {
        RenderValues {
            app: "tenant-acme".into(),
            tenant: "acme".into(),
            tier: "pro".into(),
            org: "acme-corp".into(),
            region: "ams".into(),
            image: image.into(),
            volume_size_gb: 20,
            vm_size: "shared-cpu-2x".into(),
            vm_memory: "2gb".into(),
        }
    }

    fn set(common: &str, tier: &str) -> Result<TemplateSet, TemplateError> {
        TemplateSet::from_sources(
            [
                TemplateSource {
                    name: "_common".into(),
                    origin: "t/_common.toml".into(),
                    text: common.into(),
                },
                TemplateSource {
                    name: "pro".into(),
                    origin: "t/pro.toml".into(),
                    text: tier.into(),
                },
            ],
            TemplatesLocation::Embedded,
        )
    }

    #[test]
    fn every_embedded_template_renders_valid_toml() {
        let templates = TemplateSet::embedded().unwrap();
        assert_eq!(templates.names(), ["free", "local", "pro", "starter"]);
        for name in templates.names() {
            let text = templates.render(&name, &values("img:1")).unwrap();
            let parsed: toml::Table = toml::from_str(&text).unwrap();
            assert_eq!(parsed["app"].as_str(), Some("tenant-acme"), "{name}");
            assert_eq!(parsed["build"]["image"].as_str(), Some("img:1"));
            assert!(!text.contains("{{"), "{name}: {text}");
            let app = AppConfig::parse(&text, Path::new("rendered.toml")).unwrap();
            assert_eq!(app.validate(), Ok(()), "{name}");
        }
    }

    #[test]
    fn every_file_in_fly_templates_is_embedded() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fly-templates");
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| {
                let path = e.ok()?.path();
                (path.extension()? == "toml")
                    .then(|| path.file_stem()?.to_str().map(String::from))?
            })
            .collect();
        on_disk.sort();
        let mut embedded: Vec<String> = EMBEDDED.iter().map(|(n, _)| (*n).to_string()).collect();
        embedded.sort();
        assert_eq!(on_disk, embedded, "add new templates to EMBEDDED");
        let from_dir = TemplateSet::load_dir(&dir).unwrap();
        assert_eq!(
            from_dir.version(),
            TemplateSet::embedded().unwrap().version()
        );
    }

    #[test]
    fn rendering_is_deterministic() {
        let templates = TemplateSet::embedded().unwrap();
        let a = templates.render("pro", &values("img")).unwrap();
        let b = templates.render("pro", &values("img")).unwrap();
        assert_eq!(a, b);
        assert_eq!(
            templates.version(),
            TemplateSet::embedded().unwrap().version()
        );
        assert_eq!(templates.version().len(), 12);
    }

    #[test]
    fn hostile_values_stay_inside_their_string() {
        let templates = TemplateSet::embedded().unwrap();
        let hostile = [
            "\"",
            "\"\"\"",
            "'''",
            "x\"\n[evil]\nkey = 1",
            "]]\n[[vm]]\nsize = \"performance-16x\"",
            "a\\\"b",
            "\u{0}",
            "\r\n\t\u{7f}\u{1b}[31m",
            "ünïcødé 🚀 \u{202e}",
            "{{app}}",
            "}}{{",
            "x # comment",
        ];
        let reference: toml::Table =
            toml::from_str(&templates.render("pro", &values("plain")).unwrap()).unwrap();
        for value in hostile {
            let text = templates.render("pro", &values(value)).unwrap();
            let parsed: toml::Table = toml::from_str(&text)
                .unwrap_or_else(|e| panic!("{value:?} broke the TOML: {e}\n{text}"));
            assert_eq!(parsed["build"]["image"].as_str(), Some(value), "{text}");
            // Same structure: same keys everywhere, only the image differs.
            let mut patched = parsed.clone();
            patched["build"]
                .as_table_mut()
                .unwrap()
                .insert("image".into(), "plain".into());
            assert_eq!(patched, reference, "{value:?} changed the structure");
        }
    }

    #[test]
    fn deep_merge_keeps_common_and_overrides() {
        let templates = set(
            "app = \"{{app}}\"\n[env]\nA = \"1\"\nB = \"2\"\n[[vm]]\nsize = \"a\"\n",
            "[env]\nB = \"3\"\n[[vm]]\nsize = \"b\"\n",
        )
        .unwrap();
        let text = templates.render("pro", &values("i")).unwrap();
        let parsed: toml::Table = toml::from_str(&text).unwrap();
        assert_eq!(parsed["env"]["A"].as_str(), Some("1"));
        assert_eq!(parsed["env"]["B"].as_str(), Some("3"));
        assert_eq!(parsed["vm"].as_array().unwrap().len(), 1);
        assert_eq!(parsed["vm"][0]["size"].as_str(), Some("b"));
    }

    #[test]
    fn bad_placeholders_are_refused_with_line() {
        let cases = [
            (
                "a = 1\nb = \"{{nope}}\"\n",
                "t/pro.toml:2: unknown placeholder `{{nope}}`",
            ),
            (
                "a = 1\n\nb = \"{{app\"\n",
                "t/pro.toml:3: `{{` without a closing `}}`",
            ),
            (
                "a = 1\n\"{{app}}\" = 1\n",
                "t/pro.toml:2: placeholder in key",
            ),
            ("a = 1\nb = {{app}}\n", "t/pro.toml:2: not valid TOML"),
            (
                "a = [\n  \"x\",\n  { k = \"{{bad}}\" },\n]\n",
                "t/pro.toml:3: unknown placeholder",
            ),
        ];
        for (text, expected) in cases {
            let err = set("", text).unwrap_err().to_string();
            assert!(err.starts_with(expected), "{text:?}: {err}");
        }
    }

    #[test]
    fn no_prefix_of_a_template_panics() {
        let text = EMBEDDED
            .iter()
            .find(|(name, _)| *name == "_common")
            .map(|(_, text)| *text)
            .unwrap();
        for (end, _) in text.char_indices() {
            if let Ok(templates) = set(&text[..end], "[env]\nX = \"{{tier}}\"\n") {
                let _ = templates.render("pro", &values("i"));
            }
        }
    }

    #[test]
    fn unknown_template_lists_known_ones() {
        let templates = TemplateSet::embedded().unwrap();
        let err = templates
            .render("gold", &values("i"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("free, local, pro, starter"), "{err}");
    }

    #[test]
    fn render_tenant_checks_id_before_tier() {
        let config = Config::parse(
            "org = \"acme\"\nregion = \"ams\"\nimage = \"i\"\n",
            ConfigSource::File("/p/tenantctl.toml".into()),
        )
        .unwrap();
        let templates = TemplateSet::embedded().unwrap();
        let request = |tenant: &str, tier: &str| TenantRenderRequest {
            tenant: tenant.into(),
            tier: tier.into(),
            ..Default::default()
        };
        assert!(matches!(
            render_tenant(&config, &templates, &request("Bad", "gold")),
            Err(RenderError::Tenant(_))
        ));
        assert!(matches!(
            render_tenant(&config, &templates, &request("acme", "gold")),
            Err(RenderError::Config(ConfigError::UnknownTier { .. }))
        ));
        let pro = render_tenant(&config, &templates, &request("acme", "pro")).unwrap();
        assert_eq!(pro.app.as_str(), "tenant-acme");
        assert!(pro.fly_toml.contains("min_machines_running = 1"));
    }

    #[test]
    fn always_on_must_match_the_template() {
        let config = Config::parse(
            "org = \"acme\"\nregion = \"ams\"\nimage = \"i\"\n[tiers.pro]\ntemplate = \"starter\"\nvolume_size_gb = 1\nvm_size = \"shared-cpu-1x\"\nvm_memory = \"1gb\"\nalways_on = true\n",
            ConfigSource::File("/p/tenantctl.toml".into()),
        )
        .unwrap();
        let err = render_tenant(
            &config,
            &TemplateSet::embedded().unwrap(),
            &TenantRenderRequest {
                tenant: "acme".into(),
                tier: "pro".into(),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert!(matches!(err, RenderError::AlwaysOnMismatch { .. }), "{err}");
    }
}
