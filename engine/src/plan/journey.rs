//! Journeys: the steps one virtual user walks through in an iteration.

use serde::{Deserialize, Serialize};

/// An ordered list of steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Journey {
    /// Steps, run in order.
    pub steps: Vec<Step>,
}

/// One step of a journey.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Step {
    /// Send a request and read its response.
    Request(RequestSpec),
}

/// One HTTP request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestSpec {
    /// Method token, e.g. `GET`.
    pub method: String,
    /// Absolute `http://` URL.
    pub url: String,
    /// Header fields, in order.
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    /// Request body.
    #[serde(default)]
    pub body: Option<Body>,
    /// The request's name tag in results (default: method and path).
    #[serde(default)]
    pub name: Option<String>,
    /// Per-request timeout, seconds (default: `options.http.timeout_s`).
    #[serde(default)]
    pub timeout_s: Option<f64>,
}

/// A request body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Body {
    /// UTF-8 text, sent as is.
    Text(String),
    /// Arbitrary bytes, base64-encoded in the plan.
    Base64(String),
}
