//! Canonical JSON for signing (kyc-api "Authentication"): keys sorted recursively; null,
//! empty string, empty list and empty object dropped (also when they become empty after
//! dropping); compact; UTF-8 unescaped. The body sent upstream is exactly this string.

use serde_json::Value;
use std::fmt::Write;

/// The canonical form of `v`, or `None` if `v` itself is empty.
pub fn canonical_json(v: &Value) -> String {
    let mut out = String::new();
    if let Some(v) = prune(v) {
        write_value(&mut out, &v);
    }
    out
}

/// Drops empty values recursively. Independent of serde_json's map ordering feature.
fn prune(v: &Value) -> Option<Value> {
    match v {
        Value::Null => None,
        Value::String(s) if s.is_empty() => None,
        Value::Array(a) => {
            let items: Vec<Value> = a.iter().filter_map(prune).collect();
            (!items.is_empty()).then_some(Value::Array(items))
        }
        Value::Object(m) => {
            let map: serde_json::Map<String, Value> =
                m.iter().filter_map(|(k, v)| prune(v).map(|v| (k.clone(), v))).collect();
            (!map.is_empty()).then_some(Value::Object(map))
        }
        other => Some(other.clone()),
    }
}

fn write_value(out: &mut String, v: &Value) {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, k);
                out.push(':');
                write_value(out, &m[k]);
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, item) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::String(s) => write_string(out, s),
        other => {
            let _ = write!(out, "{other}");
        }
    }
}

fn write_string(out: &mut String, s: &str) {
    // serde_json escapes only what JSON requires and leaves non-ASCII as UTF-8.
    out.push_str(&Value::String(s.to_owned()).to_string());
}
