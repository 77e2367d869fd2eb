//! A TOML document as a tree that remembers the line of every value.
//!
//! flyctl reads fly.toml into a generic map, rewrites old forms in it, then decodes the result
//! through `encoding/json` into its typed config. This tree plays the generic map's part, and
//! [`Decode`] plays `encoding/json`'s: keys match exactly or else case-insensitively, unknown
//! keys are ignored, `null` leaves plain values alone, integral floats fit integer fields.
//! Unlike flyctl, every decode error names the line it comes from.

use std::collections::BTreeMap;

use toml::de::{DeTable, DeValue};

/// One value of the document, with the 1-based line it was written on.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub value: Value,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Array(Vec<Node>),
    Table(BTreeMap<String, Node>),
}

/// A value that does not fit where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DecodeError {
    pub line: usize,
    pub message: String,
}

impl DecodeError {
    pub fn new(line: usize, message: impl Into<String>) -> Self {
        Self {
            line,
            message: message.into(),
        }
    }
}

/// 1-based line of a byte offset.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

impl Node {
    pub fn new(value: Value, line: usize) -> Self {
        Self { value, line }
    }

    /// Parses a TOML document.
    pub fn parse_document(text: &str) -> Result<Node, DecodeError> {
        let root = DeTable::parse(text).map_err(|err| {
            let line = err.span().map(|s| line_of(text, s.start)).unwrap_or(1);
            DecodeError::new(line, err.message().trim().to_owned())
        })?;
        let line = line_of(text, root.span().start);
        let table = convert_table(text, root.get_ref())?;
        Ok(Node::new(Value::Table(table), line))
    }

    pub fn as_table(&self) -> Option<&BTreeMap<String, Node>> {
        match &self.value {
            Value::Table(t) => Some(t),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// The Go type name flyctl's messages use for a value of this kind.
    pub fn go_type(&self) -> &'static str {
        match self.value {
            Value::Null => "<nil>",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int64",
            Value::Float(_) => "float64",
            Value::Str(_) => "string",
            Value::Array(_) => "[]interface {}",
            Value::Table(_) => "map[string]interface {}",
        }
    }

    /// What the value is, for messages.
    pub fn kind(&self) -> &'static str {
        match self.value {
            Value::Null => "nothing",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a float",
            Value::Str(_) => "a string",
            Value::Array(_) => "an array",
            Value::Table(_) => "a table",
        }
    }

    /// Go's `fmt.Sprintf("%v", v)` for scalars, which flyctl uses to turn env values and
    /// header values into strings.
    pub fn go_sprint(&self) -> String {
        match &self.value {
            Value::Null => "<nil>".to_owned(),
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => super::support::go_format_float(*f),
            Value::Str(s) => s.clone(),
            Value::Array(items) => format!(
                "[{}]",
                items
                    .iter()
                    .map(Node::go_sprint)
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            Value::Table(map) => format!(
                "map[{}]",
                map.iter()
                    .map(|(k, v)| format!("{k}:{}", v.go_sprint()))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
        }
    }

    /// The value as JSON, as Go's `encoding/json` would carry it into an `any`.
    pub fn to_json(&self) -> serde_json::Value {
        match &self.value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Int(i) => serde_json::Value::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null),
            Value::Str(s) => serde_json::Value::String(s.clone()),
            Value::Array(items) => {
                serde_json::Value::Array(items.iter().map(Node::to_json).collect())
            }
            Value::Table(map) => serde_json::Value::Object(
                map.iter().map(|(k, v)| (k.clone(), v.to_json())).collect(),
            ),
        }
    }
}

fn convert_table(text: &str, table: &DeTable<'_>) -> Result<BTreeMap<String, Node>, DecodeError> {
    let mut out = BTreeMap::new();
    for (key, value) in table.iter() {
        out.insert(key.get_ref().to_string(), convert_value(text, value)?);
    }
    Ok(out)
}

fn convert_value(text: &str, value: &toml::Spanned<DeValue<'_>>) -> Result<Node, DecodeError> {
    let line = line_of(text, value.span().start);
    let converted = match value.get_ref() {
        DeValue::String(s) => Value::Str(s.to_string()),
        DeValue::Integer(i) => {
            let parsed = i64::from_str_radix(i.as_str(), i.radix()).map_err(|_| {
                DecodeError::new(line, format!("integer {i} does not fit in 64 bits"))
            })?;
            Value::Int(parsed)
        }
        DeValue::Float(f) => {
            let raw = f.as_str().replace('_', "");
            let parsed: f64 = raw
                .parse()
                .map_err(|_| DecodeError::new(line, format!("invalid float {f}")))?;
            Value::Float(parsed)
        }
        DeValue::Boolean(b) => Value::Bool(*b),
        // Go's TOML decoder yields time values, which JSON carries as text.
        DeValue::Datetime(d) => Value::Str(d.to_string()),
        DeValue::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| convert_value(text, item))
                .collect::<Result<_, _>>()?,
        ),
        DeValue::Table(t) => Value::Table(convert_table(text, t)?),
    };
    Ok(Node::new(converted, line))
}

/// Decoding a tree node into a typed value, with Go `encoding/json` semantics.
pub(crate) trait Decode: Sized {
    /// Decodes a non-null node. `path` names the field for messages (`services[0].ports`).
    fn decode(node: &Node, path: &str) -> Result<Self, DecodeError>;

    /// What a JSON `null` does to a field of this type: `None` leaves it untouched, as Go does
    /// for plain values; pointers, slices and maps are reset.
    fn null() -> Option<Self> {
        None
    }
}

/// Assigns a decoded node to a field, honouring `null`.
pub(crate) fn assign<T: Decode>(slot: &mut T, node: &Node, path: &str) -> Result<(), DecodeError> {
    if node.is_null() {
        if let Some(reset) = T::null() {
            *slot = reset;
        }
        return Ok(());
    }
    *slot = T::decode(node, path)?;
    Ok(())
}

pub(crate) fn mismatch(node: &Node, path: &str, expected: &str) -> DecodeError {
    DecodeError::new(
        node.line,
        format!("{path}: expected {expected}, found {}", node.kind()),
    )
}

pub(crate) fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// The table entries of a node (in key order, as `encoding/json` sees a marshalled map), or
/// an error naming what was expected.
pub(crate) fn entries<'a>(
    node: &'a Node,
    path: &str,
) -> Result<&'a BTreeMap<String, Node>, DecodeError> {
    node.as_table()
        .ok_or_else(|| mismatch(node, path, "a table"))
}

/// Finds the field a key sets: an exact name, else one equal ignoring case (Go's rule).
pub(crate) fn match_field<'a>(names: &[&'a str], key: &str) -> Option<&'a str> {
    names
        .iter()
        .find(|name| **name == key)
        .or_else(|| names.iter().find(|name| name.eq_ignore_ascii_case(key)))
        .copied()
}

/// Decodes the named fields of a table node into a struct:
/// `decode_fields!(node, path, target, { "json_name" => field, ... })`.
macro_rules! decode_fields {
    ($node:expr, $path:expr, $target:ident, { $($name:literal => $field:ident),* $(,)? }) => {{
        const NAMES: &[&str] = &[$($name),*];
        for (key, value) in $crate::flytoml::node::entries($node, $path)? {
            let Some(name) = $crate::flytoml::node::match_field(NAMES, key) else {
                continue;
            };
            let sub = $crate::flytoml::node::join($path, key);
            match name {
                $($name => $crate::flytoml::node::assign(&mut $target.$field, value, &sub)?,)*
                _ => {}
            }
        }
    }};
}
pub(crate) use decode_fields;

impl Decode for String {
    fn decode(node: &Node, path: &str) -> Result<Self, DecodeError> {
        node.as_str()
            .map(str::to_owned)
            .ok_or_else(|| mismatch(node, path, "a string"))
    }
}

impl Decode for bool {
    fn decode(node: &Node, path: &str) -> Result<Self, DecodeError> {
        match node.value {
            Value::Bool(b) => Ok(b),
            _ => Err(mismatch(node, path, "a boolean")),
        }
    }
}

/// An integer field: integers, and floats without a fraction (JSON has one number type).
fn decode_integer(node: &Node, path: &str, min: i128, max: i128) -> Result<i128, DecodeError> {
    let value = match node.value {
        Value::Int(i) => i128::from(i),
        Value::Float(f) if f.fract() == 0.0 && f.abs() < 1e21 => f as i128,
        Value::Float(f) => {
            return Err(DecodeError::new(
                node.line,
                format!(
                    "{path}: expected an integer, found {}",
                    super::support::go_format_float(f)
                ),
            ));
        }
        _ => return Err(mismatch(node, path, "an integer")),
    };
    if value < min || value > max {
        return Err(DecodeError::new(
            node.line,
            format!("{path}: {value} is out of range ({min} to {max})"),
        ));
    }
    Ok(value)
}

impl Decode for i64 {
    fn decode(node: &Node, path: &str) -> Result<Self, DecodeError> {
        let v = decode_integer(node, path, i128::from(i64::MIN), i128::from(i64::MAX))?;
        i64::try_from(v).map_err(|_| mismatch(node, path, "an integer"))
    }
}

impl Decode for u32 {
    fn decode(node: &Node, path: &str) -> Result<Self, DecodeError> {
        let v = decode_integer(node, path, 0, i128::from(u32::MAX))?;
        u32::try_from(v).map_err(|_| mismatch(node, path, "an integer"))
    }
}

impl Decode for u64 {
    fn decode(node: &Node, path: &str) -> Result<Self, DecodeError> {
        let v = decode_integer(node, path, 0, i128::from(u64::MAX))?;
        u64::try_from(v).map_err(|_| mismatch(node, path, "an integer"))
    }
}

impl Decode for f64 {
    fn decode(node: &Node, path: &str) -> Result<Self, DecodeError> {
        match node.value {
            Value::Int(i) => Ok(i as f64),
            Value::Float(f) => Ok(f),
            _ => Err(mismatch(node, path, "a number")),
        }
    }
}

impl Decode for serde_json::Value {
    fn decode(node: &Node, _path: &str) -> Result<Self, DecodeError> {
        Ok(node.to_json())
    }

    fn null() -> Option<Self> {
        Some(serde_json::Value::Null)
    }
}

impl<T: Decode> Decode for Option<T> {
    fn decode(node: &Node, path: &str) -> Result<Self, DecodeError> {
        T::decode(node, path).map(Some)
    }

    fn null() -> Option<Self> {
        Some(None)
    }
}

impl<T: Decode> Decode for Vec<T> {
    fn decode(node: &Node, path: &str) -> Result<Self, DecodeError> {
        let Value::Array(items) = &node.value else {
            return Err(mismatch(node, path, "an array"));
        };
        items
            .iter()
            .enumerate()
            .map(|(index, item)| decode_element(item, &format!("{path}[{index}]")))
            .collect()
    }

    fn null() -> Option<Self> {
        Some(Vec::new())
    }
}

impl<T: Decode> Decode for BTreeMap<String, T> {
    fn decode(node: &Node, path: &str) -> Result<Self, DecodeError> {
        entries(node, path)?
            .iter()
            .map(|(key, value)| Ok((key.clone(), decode_element(value, &join(path, key))?)))
            .collect()
    }

    fn null() -> Option<Self> {
        Some(BTreeMap::new())
    }
}

/// An array element or map value. TOML has no null, so a null here can only come from a
/// rewrite; it becomes the type's reset value where it has one.
fn decode_element<T: Decode>(node: &Node, path: &str) -> Result<T, DecodeError> {
    if node.is_null() {
        return T::null().ok_or_else(|| mismatch(node, path, "a value"));
    }
    T::decode(node, path)
}
