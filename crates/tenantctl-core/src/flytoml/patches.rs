//! flyctl's rewrites of older fly.toml forms into the current schema, applied to the parsed
//! tree before it is decoded (flyctl `internal/appconfig/patches.go`).

use std::collections::BTreeMap;

use fly_api::types::GoDuration;

use super::node::{DecodeError, Node, Value};
use super::support::go_atoi;

type Table = BTreeMap<String, Node>;

/// Applies every rewrite, in flyctl's order.
pub(crate) fn patch_root(root: &mut Table, root_line: usize) -> Result<(), DecodeError> {
    patch_env(root)?;
    patch_services(root)?;
    patch_processes(root)?;
    patch_experimental(root)?;
    patch_top_level_checks(root)?;
    patch_compute(root, root_line)?;
    patch_mounts(root, root_line)?;
    patch_metrics(root, root_line)?;
    patch_top_fields(root);
    patch_build(root)?;
    Ok(())
}

fn err(node: &Node, message: impl Into<String>) -> DecodeError {
    DecodeError::new(node.line, message)
}

fn str_node(text: String, line: usize) -> Node {
    Node::new(Value::Str(text), line)
}

/// `env` as a table, or a list of tables merged in order; values become strings.
fn patch_env(root: &mut Table) -> Result<(), DecodeError> {
    let Some(raw) = root.get("env") else {
        return Ok(());
    };
    let mut env = Table::new();
    collect_env(raw, &mut env)?;
    let line = raw.line;
    root.insert("env".into(), Node::new(Value::Table(env), line));
    Ok(())
}

fn collect_env(raw: &Node, env: &mut Table) -> Result<(), DecodeError> {
    match &raw.value {
        Value::Array(items) => {
            for item in items {
                collect_env(item, env)?;
            }
            Ok(())
        }
        Value::Table(map) => {
            for (key, value) in map {
                env.insert(key.clone(), str_node(value.go_sprint(), value.line));
            }
            Ok(())
        }
        _ => Err(err(
            raw,
            format!(
                "Do not know how to process 'env' section of type: {}",
                raw.go_type()
            ),
        )),
    }
}

/// A single table or an array of tables, as a list of tables.
fn ensure_array_of_tables(raw: &Node) -> Result<Vec<Node>, DecodeError> {
    match &raw.value {
        Value::Array(items) => items
            .iter()
            .map(|item| {
                if item.as_table().is_some() {
                    Ok(item.clone())
                } else {
                    Err(err(
                        item,
                        format!(
                            "Can not cast '{}' of type '{}' as map[string]any",
                            item.go_sprint(),
                            item.go_type()
                        ),
                    ))
                }
            })
            .collect(),
        Value::Table(_) => Ok(vec![raw.clone()]),
        _ => Err(err(raw, format!("Unknown type '{}'", raw.go_type()))),
    }
}

fn patch_services(root: &mut Table) -> Result<(), DecodeError> {
    let Some(raw) = root.get("services") else {
        return Ok(());
    };
    let line = raw.line;
    let services = ensure_array_of_tables(raw).map_err(|e| DecodeError {
        message: format!("Error processing services: {}", e.message),
        ..e
    })?;
    let mut patched = Vec::new();
    for mut service in services {
        patch_service(&mut service)?;
        if service.as_table().is_some_and(|t| !t.is_empty()) {
            patched.push(service);
        }
    }
    let value = if patched.is_empty() {
        Value::Null
    } else {
        Value::Array(patched)
    };
    root.insert("services".into(), Node::new(value, line));
    Ok(())
}

fn patch_service(service: &mut Node) -> Result<(), DecodeError> {
    let Value::Table(map) = &mut service.value else {
        return Ok(());
    };
    if let Some(concurrency) = map.get_mut("concurrency") {
        match &concurrency.value {
            // The old "soft,hard" form.
            Value::Str(text) => {
                let text = text.clone();
                let Some((left, right)) = text.split_once(',') else {
                    return Err(err(
                        concurrency,
                        format!("Unknown value '{text}' for concurrency limits"),
                    ));
                };
                let parse = |part: &str| {
                    go_atoi(part).ok_or_else(|| {
                        err(
                            concurrency,
                            format!(
                                "Can not convert '{text}': strconv.Atoi: parsing \"{part}\": invalid syntax"
                            ),
                        )
                    })
                };
                let soft = parse(left)?;
                let hard = parse(right)?;
                let cline = concurrency.line;
                let mut table = Table::new();
                table.insert("type".into(), str_node("requests".into(), cline));
                table.insert("hard_limit".into(), Node::new(Value::Int(hard), cline));
                table.insert("soft_limit".into(), Node::new(Value::Int(soft), cline));
                *concurrency = Node::new(Value::Table(table), cline);
            }
            Value::Table(_) => {}
            _ => {
                return Err(err(
                    concurrency,
                    format!(
                        "Unknown type for service concurrency: {}",
                        concurrency.go_type()
                    ),
                ));
            }
        }
    }
    if let Some(raw_ports) = map.get("ports") {
        let pline = raw_ports.line;
        let mut ports = ensure_array_of_tables(raw_ports).map_err(|e| {
            err(
                raw_ports,
                format!("Error processing ports: {}", raw_ports.go_type()),
            )
            .with_line(e.line)
        })?;
        for port in &mut ports {
            if let Value::Table(fields) = &mut port.value
                && let Some(number) = fields.get_mut("port")
            {
                let cast = cast_to_int(number)?;
                number.value = Value::Int(cast);
            }
        }
        map.insert("ports".into(), Node::new(Value::Array(ports), pline));
    }
    for kind in ["tcp_checks", "http_checks"] {
        if let Some(raw_checks) = map.get(kind) {
            let cline = raw_checks.line;
            let mut checks = ensure_array_of_tables(raw_checks).map_err(|e| DecodeError {
                message: format!("Error processing {kind}: {}", e.message),
                ..e
            })?;
            for check in &mut checks {
                patch_check(check).map_err(|e| DecodeError {
                    message: format!("Error processing {kind}: {}", e.message),
                    ..e
                })?;
            }
            if checks.is_empty() {
                map.remove(kind);
            } else {
                map.insert(kind.into(), Node::new(Value::Array(checks), cline));
            }
        }
    }
    if let Some(internal_port) = map.get_mut("internal_port") {
        let cast = cast_to_int(internal_port)?;
        internal_port.value = Value::Int(cast);
    }
    Ok(())
}

impl DecodeError {
    fn with_line(mut self, line: usize) -> Self {
        self.line = line;
        self
    }
}

/// flyctl's `castToInt`: strings are parsed, floats truncated.
fn cast_to_int(node: &Node) -> Result<i64, DecodeError> {
    match &node.value {
        Value::Str(text) => go_atoi(text).ok_or_else(|| {
            err(
                node,
                format!(
                    "Can not convert '{text}' to integer: strconv.Atoi: parsing \"{text}\": invalid syntax"
                ),
            )
        }),
        Value::Int(i) => Ok(*i),
        Value::Float(f) => Ok(*f as i64),
        _ => Err(err(
            node,
            format!("Unknown type for cast: {}", node.go_type()),
        )),
    }
}

/// Check durations given as numbers are milliseconds; headers become a name → value table.
fn patch_check(check: &mut Node) -> Result<(), DecodeError> {
    let Value::Table(map) = &mut check.value else {
        return Ok(());
    };
    for attr in ["interval", "timeout", "grace_period"] {
        if let Some(value) = map.get_mut(attr) {
            *value = cast_duration(value, 1_000_000);
        }
    }
    if let Some(raw) = map.get("headers") {
        let line = raw.line;
        let headers = patch_check_headers(raw)?;
        if headers.is_empty() {
            map.remove("headers");
        } else {
            map.insert("headers".into(), Node::new(Value::Table(headers), line));
        }
    }
    Ok(())
}

fn patch_check_headers(raw: &Node) -> Result<Table, DecodeError> {
    let mut headers = Table::new();
    match &raw.value {
        Value::Array(items) => {
            for item in items {
                let Some(fields) = item.as_table() else {
                    return Err(err(
                        item,
                        format!("Can't cast {} into map[string]any", item.go_sprint()),
                    ));
                };
                let Some(name) = fields.get("name") else {
                    return Err(err(
                        item,
                        format!("Unsupported headers format {}", item.go_sprint()),
                    ));
                };
                let value = fields.get("value").map(Node::go_sprint).unwrap_or_default();
                headers.insert(name.go_sprint(), str_node(value, item.line));
            }
        }
        Value::Table(map) => {
            for (name, value) in map {
                headers.insert(name.clone(), str_node(value.go_sprint(), value.line));
            }
        }
        _ => {
            return Err(err(
                raw,
                format!("Unsupported headers format: {}", raw.go_sprint()),
            ));
        }
    }
    Ok(headers)
}

/// flyctl's `_castDuration`: strings stay (empty ones vanish), numbers are `unit` nanoseconds
/// each, anything else vanishes.
fn cast_duration(node: &Node, unit: i64) -> Node {
    let value = match &node.value {
        Value::Str(text) if text.is_empty() => Value::Null,
        Value::Str(text) => Value::Str(text.clone()),
        Value::Int(i) => Value::Str(GoDuration::from_nanos(i.wrapping_mul(unit)).to_string()),
        Value::Float(f) => {
            Value::Str(GoDuration::from_nanos((*f as i64).wrapping_mul(unit)).to_string())
        }
        _ => Value::Null,
    };
    Node::new(value, node.line)
}

/// `[processes]` as a table, or the old list of `{name, command}` tables.
fn patch_processes(root: &mut Table) -> Result<(), DecodeError> {
    let Some(raw) = root.get("processes") else {
        return Ok(());
    };
    match &raw.value {
        Value::Array(items) => {
            let mut processes = Table::new();
            for fields in items.iter().filter_map(Node::as_table) {
                if let Some(name) = fields.get("name") {
                    let command = fields
                        .get("command")
                        .map(Node::go_sprint)
                        .unwrap_or_default();
                    let line = fields.get("command").map_or(name.line, |c| c.line);
                    processes.insert(name.go_sprint(), str_node(command, line));
                }
            }
            if processes.is_empty() {
                root.remove("processes");
            } else {
                let line = raw.line;
                root.insert("processes".into(), Node::new(Value::Table(processes), line));
            }
            Ok(())
        }
        Value::Table(_) => Ok(()),
        _ => Err(err(
            raw,
            format!("Unknown processes type: {}", raw.go_type()),
        )),
    }
}

fn string_or_list(node: &Node, field: &str) -> Result<Node, DecodeError> {
    match &node.value {
        Value::Null => Ok(node.clone()),
        Value::Str(_) => Ok(Node::new(Value::Array(vec![node.clone()]), node.line)),
        Value::Array(items) => {
            for item in items {
                if item.as_str().is_none() {
                    return Err(err(
                        item,
                        format!(
                            "could not cast {} of type {} to string on {field}",
                            item.go_sprint(),
                            item.go_type()
                        ),
                    ));
                }
            }
            Ok(node.clone())
        }
        _ => Err(err(
            node,
            format!(
                "could not cast {} of type {} to []string on {field}",
                node.go_sprint(),
                node.go_type()
            ),
        )),
    }
}

fn patch_experimental(root: &mut Table) -> Result<(), DecodeError> {
    let Some(raw) = root.get("experimental") else {
        return Ok(());
    };
    let line = raw.line;
    let Some(fields) = raw.as_table() else {
        return Err(err(
            raw,
            format!("Experimental section of unknown type: {}", raw.go_type()),
        ));
    };
    let mut fields = fields.clone();
    let mut metrics = Table::new();
    let mut kill_timeout = None;
    for (key, value) in fields.iter_mut() {
        match key.as_str() {
            "cmd" | "entrypoint" | "exec" => *value = string_or_list(value, key)?,
            "kill_timeout" => kill_timeout = Some(cast_duration(value, 1_000_000_000)),
            "metrics_port" | "metrics_path" => {
                metrics.insert(key.trim_start_matches("metrics_").to_owned(), value.clone());
            }
            _ => {}
        }
    }
    if let Some(timeout) = kill_timeout
        && !root.contains_key("kill_timeout")
    {
        root.insert("kill_timeout".into(), timeout);
    }
    if fields.is_empty() {
        root.remove("experimental");
    } else {
        root.insert("experimental".into(), Node::new(Value::Table(fields), line));
    }
    if !root.contains_key("metrics") && !metrics.is_empty() {
        root.insert("metrics".into(), Node::new(Value::Table(metrics), line));
    }
    Ok(())
}

fn patch_top_level_checks(root: &mut Table) -> Result<(), DecodeError> {
    let Some(raw) = root.get("checks") else {
        return Ok(());
    };
    let line = raw.line;
    let mut checks = Table::new();
    let patch_one = |name: &str, check: &Node, checks: &mut Table| -> Result<(), DecodeError> {
        if check.as_table().is_none() {
            return Err(err(
                check,
                format!("'checks' section of unknown type: {}", check.go_type()),
            ));
        }
        let mut check = check.clone();
        patch_check(&mut check)?;
        checks.insert(name.to_owned(), check);
        Ok(())
    };
    match &raw.value {
        Value::Table(map) => {
            for (name, check) in map {
                patch_one(name, check, &mut checks)?;
            }
        }
        Value::Array(items) => {
            for item in items {
                let Some(fields) = item.as_table() else {
                    return Err(err(
                        item,
                        format!("check item of unknown type: {}", item.go_type()),
                    ));
                };
                let Some(name) = fields.get("name").and_then(Node::as_str) else {
                    return Err(err(item, "check item name not a string"));
                };
                patch_one(name, item, &mut checks)?;
            }
        }
        _ => {
            return Err(err(
                raw,
                format!("'checks' section of unknown type: {}", raw.go_type()),
            ));
        }
    }
    if checks.is_empty() {
        root.remove("checks");
    } else {
        root.insert("checks".into(), Node::new(Value::Table(checks), line));
    }
    Ok(())
}

/// Gathers the sections stored under `keys` (aliases, single table or array) into one list
/// under `target`; `null` when there are none, as flyctl's nil slice.
fn gather_sections(root: &mut Table, keys: &[&str], what: &str) -> Result<Vec<Node>, DecodeError> {
    let mut gathered = Vec::new();
    for key in keys {
        if let Some(raw) = root.get(*key) {
            let items = ensure_array_of_tables(raw).map_err(|e| DecodeError {
                message: format!("Error processing {what}: {}", e.message),
                ..e
            })?;
            gathered.extend(items);
        }
    }
    for key in keys {
        root.remove(*key);
    }
    Ok(gathered)
}

fn store_list(root: &mut Table, target: &str, items: Vec<Node>, line: usize) {
    let value = if items.is_empty() {
        Value::Null
    } else {
        Value::Array(items)
    };
    root.insert(target.to_owned(), Node::new(value, line));
}

fn first_line(items: &[Node], fallback: usize) -> usize {
    items.first().map_or(fallback, |n| n.line)
}

/// Stringifies a field of every table in the list (`memory = 512` → `"512"`).
fn stringify_field(items: &mut [Node], field: &str) {
    for item in items {
        if let Value::Table(map) = &mut item.value
            && let Some(value) = map.get_mut(field)
        {
            value.value = Value::Str(value.go_sprint());
        }
    }
}

/// `[[vm]]`, `[[compute]]`, `[[computes]]` (each a table or an array) become one `vm` list.
fn patch_compute(root: &mut Table, root_line: usize) -> Result<(), DecodeError> {
    let mut compute = gather_sections(root, &["compute", "computes", "vm"], "compute")?;
    stringify_field(&mut compute, "memory");
    let line = first_line(&compute, root_line);
    store_list(root, "vm", compute, line);
    Ok(())
}

/// `[mount]` and `[[mounts]]` become one `mounts` list.
fn patch_mounts(root: &mut Table, root_line: usize) -> Result<(), DecodeError> {
    let mut mounts = gather_sections(root, &["mount", "mounts"], "mounts")?;
    stringify_field(&mut mounts, "initial_size");
    let line = first_line(&mounts, root_line);
    store_list(root, "mounts", mounts, line);
    Ok(())
}

/// `[metric]` and `[[metrics]]` become one `metrics` list.
fn patch_metrics(root: &mut Table, root_line: usize) -> Result<(), DecodeError> {
    // flyctl names mounts in this message too.
    let metrics = gather_sections(root, &["metric", "metrics"], "mounts")?;
    let line = first_line(&metrics, root_line);
    store_list(root, "metrics", metrics, line);
    Ok(())
}

/// `kill_timeout` given as a number is seconds.
fn patch_top_fields(root: &mut Table) {
    if let Some(raw) = root.get_mut("kill_timeout") {
        *raw = cast_duration(raw, 1_000_000_000);
    }
}

fn patch_build(root: &mut Table) -> Result<(), DecodeError> {
    let Some(raw) = root.get("build") else {
        return Ok(());
    };
    let line = raw.line;
    let Some(fields) = raw.as_table() else {
        return Err(err(
            raw,
            format!("Build section of unknown type: {}", raw.go_type()),
        ));
    };
    let mut fields = fields.clone();
    if let Some(target) = fields.remove("build_target") {
        fields.insert("build-target".into(), target);
    }
    if fields.is_empty() {
        root.remove("build");
    } else {
        root.insert("build".into(), Node::new(Value::Table(fields), line));
    }
    Ok(())
}
