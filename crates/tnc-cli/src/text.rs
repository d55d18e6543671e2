//! Generic indented rendering of JSON values for the human-readable views.

use std::fmt::Write;

use serde_json::Value;

/// Appends `v` as indented `key: value` lines.
pub fn render(out: &mut String, v: &Value, indent: usize) {
    let pad = " ".repeat(indent);
    match v {
        Value::Object(map) => {
            for (k, val) in map {
                match val {
                    Value::Object(m) if !m.is_empty() => {
                        let _ = writeln!(out, "{pad}{k}:");
                        render(out, val, indent + 2);
                    }
                    Value::Array(a) if !a.is_empty() => {
                        let _ = writeln!(out, "{pad}{k}: ({} entries)", a.len());
                        render(out, val, indent + 2);
                    }
                    _ => {
                        let _ = writeln!(out, "{pad}{k}: {}", scalar(val));
                    }
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                match item {
                    Value::Object(m) if !m.is_empty() => {
                        let inline: Vec<String> = m
                            .iter()
                            .filter(|(_, x)| !x.is_object() && !x.is_array())
                            .map(|(k, x)| format!("{k}={}", scalar(x)))
                            .collect();
                        let _ = writeln!(out, "{pad}[{i}] {}", inline.join(" "));
                        for (k, x) in m {
                            if x.is_object() || x.is_array() {
                                let _ = writeln!(out, "{pad}    {k}:");
                                render(out, x, indent + 6);
                            }
                        }
                    }
                    _ => {
                        let _ = writeln!(out, "{pad}[{i}] {}", scalar(item));
                    }
                }
            }
        }
        _ => {
            let _ = writeln!(out, "{pad}{}", scalar(v));
        }
    }
}

/// A scalar as text (strings unquoted, containers as compact JSON).
pub fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
