//! The Prometheus HTTP API's answers, parsed without any I/O: the JSON
//! envelope of `/api/v1/query` (every result type, error envelopes,
//! warnings) and the conversion of results into the core's services, alerts
//! and tile readings.
//!
//! The envelope is documented at
//! <https://prometheus.io/docs/prometheus/latest/querying/api/#format-overview>:
//! `{"status": "success" | "error", "data": {"resultType": ..., "result": ...},
//! "errorType": ..., "error": ..., "warnings": [...], "infos": [...]}`.
//! Sample values are strings so that `"NaN"`, `"+Inf"` and `"-Inf"` survive
//! JSON; they are kept as such here, never turned into 0.

use std::collections::HashMap;

use serde::Deserialize;

use crate::core::{ProbeState, SeriesValue, Service, TileReading};

/// One series of an instant vector (or the last point of a range vector).
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub labels: HashMap<String, String>,
    pub value: f64,
}

impl Sample {
    /// The value of label `name`, if the series has it.
    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels.get(name).map(String::as_str)
    }
}

/// One series of a range vector: every point, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct RangeSeries {
    pub labels: HashMap<String, String>,
    pub values: Vec<f64>,
    /// The time of each value, Unix seconds.
    pub times: Vec<f64>,
}

/// A query's result, by the API's four result types.
#[derive(Debug, Clone, PartialEq)]
pub enum QueryResult {
    Vector(Vec<Sample>),
    Scalar(f64),
    Matrix(Vec<RangeSeries>),
    String(String),
}

/// What an endpoint of the API answered, when it answered in the API's
/// envelope: a query's result, or the alerts of `/api/v1/alerts`.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply<T = QueryResult> {
    /// `"status": "success"`.
    Success {
        result: T,
        /// `warnings` and `infos`: the query ran, but something is worth a look.
        warnings: Vec<String>,
    },
    /// `"status": "error"`: the query failed (`bad_data`, `execution`,
    /// `timeout`, `canceled`, `internal`, `unavailable`...).
    Error { error_type: String, error: String },
}

/// Why a body is not a usable envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotEnvelope {
    /// Not JSON at all (a plain-text 503 while starting, an HTML login page).
    NotJson,
    /// JSON, but not shaped like the API's answer.
    Malformed(String),
}

#[derive(Deserialize)]
struct RawEnvelope<D> {
    status: String,
    #[serde(default = "Option::default")]
    data: Option<D>,
    #[serde(rename = "errorType", default)]
    error_type: Option<String>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    warnings: Vec<String>,
    #[serde(default)]
    infos: Vec<String>,
}

#[derive(Deserialize)]
#[serde(tag = "resultType", content = "result", rename_all = "lowercase")]
enum RawData {
    Vector(Vec<RawSample>),
    Scalar((f64, String)),
    Matrix(Vec<RawSeries>),
    String((f64, String)),
}

#[derive(Deserialize)]
struct RawSample {
    #[serde(default)]
    metric: HashMap<String, String>,
    /// Absent for native-histogram samples (`histogram` instead).
    value: Option<(f64, String)>,
}

#[derive(Deserialize)]
struct RawSeries {
    #[serde(default)]
    metric: HashMap<String, String>,
    #[serde(default)]
    values: Vec<(f64, String)>,
}

/// Parses a sample value: a decimal number, `NaN`, `+Inf` or `-Inf`.
pub fn parse_value(s: &str) -> Option<f64> {
    match s {
        "NaN" => Some(f64::NAN),
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        _ => s.parse::<f64>().ok(),
    }
}

fn value(raw: &(f64, String)) -> Result<f64, NotEnvelope> {
    parse_value(&raw.1).ok_or_else(|| {
        NotEnvelope::Malformed(format!("sample value \"{}\" is not a number", raw.1))
    })
}

/// Parses the body of `/api/v1/query` (and `/api/v1/query_range`).
pub fn parse_reply(bytes: &[u8]) -> Result<Reply, NotEnvelope> {
    envelope(bytes, convert)
}

/// Parses the API's envelope around a `data` of type `D`, made into a `T`
/// by `convert`.
pub(super) fn envelope<D: serde::de::DeserializeOwned, T>(
    bytes: &[u8],
    convert: impl FnOnce(D) -> Result<T, NotEnvelope>,
) -> Result<Reply<T>, NotEnvelope> {
    let raw: RawEnvelope<D> = match serde_json::from_slice(bytes) {
        Ok(raw) => raw,
        Err(e) => {
            return Err(match serde_json::from_slice::<serde_json::Value>(bytes) {
                Ok(_) => NotEnvelope::Malformed(e.to_string()),
                Err(_) => NotEnvelope::NotJson,
            });
        }
    };
    match raw.status.as_str() {
        "success" => {
            let data = raw
                .data
                .ok_or_else(|| NotEnvelope::Malformed("\"success\" without \"data\"".into()))?;
            let mut warnings = raw.warnings;
            warnings.extend(raw.infos);
            Ok(Reply::Success {
                result: convert(data)?,
                warnings,
            })
        }
        "error" => Ok(Reply::Error {
            error_type: raw.error_type.unwrap_or_else(|| "unknown".into()),
            error: raw.error.unwrap_or_default(),
        }),
        other => Err(NotEnvelope::Malformed(format!(
            "unknown status \"{other}\""
        ))),
    }
}

fn convert(data: RawData) -> Result<QueryResult, NotEnvelope> {
    Ok(match data {
        RawData::Vector(samples) => {
            let mut out = Vec::with_capacity(samples.len());
            for s in samples {
                // A native-histogram sample has no single value to show.
                let Some(v) = &s.value else { continue };
                out.push(Sample {
                    value: value(v)?,
                    labels: s.metric,
                });
            }
            QueryResult::Vector(out)
        }
        RawData::Scalar(v) => QueryResult::Scalar(value(&v)?),
        RawData::Matrix(series) => QueryResult::Matrix(
            series
                .into_iter()
                .map(|s| {
                    Ok(RangeSeries {
                        values: s.values.iter().map(value).collect::<Result<_, _>>()?,
                        times: s.values.iter().map(|v| v.0).collect(),
                        labels: s.metric,
                    })
                })
                .collect::<Result<_, NotEnvelope>>()?,
        ),
        RawData::String(v) => QueryResult::String(v.1),
    })
}

/// A configured service, as the parser needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct ServicePlan {
    pub name: String,
    /// The probe's `instance` label.
    pub target: String,
    /// The job that probes it; `None` accepts any job.
    pub job: Option<String>,
    pub slow_after_s: f64,
}

impl ServicePlan {
    fn matches(&self, s: &Sample) -> bool {
        self.matches_labels(&s.labels)
    }

    /// Whether a series with `labels` is this service's probe.
    pub fn matches_labels(&self, labels: &HashMap<String, String>) -> bool {
        let label = |name: &str| labels.get(name).map(String::as_str);
        label("instance") == Some(self.target.as_str())
            && self.job.as_deref().is_none_or(|j| label("job") == Some(j))
    }
}

/// The services from `probe_success` and `probe_duration_seconds` of their
/// targets. A target with no series is unknown, not down; a target probed
/// by several series is down if any of them fails, and as slow as the slowest.
pub fn services(plan: &[ServicePlan], success: &[Sample], duration: &[Sample]) -> Vec<Service> {
    plan.iter()
        .map(|p| {
            let mut ok = success.iter().filter(|s| p.matches(s)).map(|s| s.value);
            let state = match ok.next() {
                None => ProbeState::Unknown,
                Some(first) => {
                    if std::iter::once(first).chain(ok).all(|v| v == 1.0) {
                        ProbeState::Up
                    } else {
                        ProbeState::Down
                    }
                }
            };
            let response_s = duration
                .iter()
                .filter(|s| p.matches(s) && s.value.is_finite())
                .map(|s| s.value)
                .reduce(f64::max);
            Service {
                name: p.name.clone(),
                state,
                response_s,
                slow_after_s: p.slow_after_s,
            }
        })
        .collect()
}

/// What names a series on a tile: the configured label, else `instance`,
/// else its labels in PromQL form, else nothing (a single unnamed value).
fn series_label(labels: &HashMap<String, String>, label: Option<&str>) -> String {
    if let Some(l) = label {
        return labels.get(l).cloned().unwrap_or_else(|| format!("no {l}"));
    }
    if let Some(i) = labels.get("instance") {
        return i.clone();
    }
    let mut pairs: Vec<_> = labels.iter().filter(|(k, _)| *k != "__name__").collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}=\"{v}\""))
        .collect::<Vec<_>>()
        .join(",")
}

/// A tile's reading from its query's result, series in the order the query
/// returned them (so `sort_desc(...)` or `topk(...)` decides which show).
pub fn tile(name: &str, label: Option<&str>, result: &QueryResult) -> TileReading {
    let one = |value| {
        vec![SeriesValue {
            label: String::new(),
            value,
        }]
    };
    let (series, error) = match result {
        QueryResult::Scalar(v) => (one(*v), None),
        QueryResult::Vector(samples) => (
            samples
                .iter()
                .map(|s| SeriesValue {
                    label: series_label(&s.labels, label),
                    value: s.value,
                })
                .collect(),
            None,
        ),
        QueryResult::Matrix(series) => (
            series
                .iter()
                .filter_map(|s| {
                    Some(SeriesValue {
                        label: series_label(&s.labels, label),
                        value: *s.values.last()?,
                    })
                })
                .collect(),
            None,
        ),
        QueryResult::String(s) => match parse_value(s.trim()) {
            Some(v) => (one(v), None),
            None => (
                Vec::new(),
                Some(format!("the query returns the text \"{s}\", not a number")),
            ),
        },
    };
    // One series with no label to tell it apart needs none.
    let series = match series.as_slice() {
        [only] if label.is_none() => vec![SeriesValue {
            label: String::new(),
            value: only.value,
        }],
        _ => series,
    };
    TileReading {
        name: name.to_owned(),
        series,
        error,
    }
}

/// A tile whose query failed, with the reason.
pub fn failed_tile(name: &str, error: String) -> TileReading {
    TileReading {
        name: name.to_owned(),
        series: Vec::new(),
        error: Some(error),
    }
}

/// An error envelope in words: "bad_data: parse error at char 5: ...".
pub fn describe_error(error_type: &str, error: &str) -> String {
    let what = match error_type {
        "bad_data" => "bad query",
        "execution" => "query failed",
        "timeout" => "query timed out",
        "canceled" => "query canceled",
        "internal" => "Prometheus internal error",
        "unavailable" => "Prometheus unavailable",
        "not_found" => "not found",
        other => other,
    };
    let error = crate::sources::http::shorten(error.trim(), 120);
    if error.is_empty() {
        what.to_owned()
    } else {
        format!("{what}: {error}")
    }
}

#[cfg(test)]
mod tests;
