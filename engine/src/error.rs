//! The engine's error types: `PlanError` (found before any load is sent) and `RunError` (the run
//! itself could not start). Failures of single requests are not errors: they are classified and
//! counted (`metrics::ErrorClass`).

use std::fmt;

/// One problem in a plan: where it is (a dotted path into the plan) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanIssue {
    /// Dotted path, e.g. `scenarios.attack.executor.rate`.
    pub path: String,
    /// What is wrong and what would be right, e.g. "must be > 0, got -5".
    pub message: String,
}

impl fmt::Display for PlanIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// A plan that cannot run. Carries every problem found, not just the first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanError {
    /// All problems, in plan order.
    pub issues: Vec<PlanIssue>,
}

impl PlanError {
    /// A plan error with a single issue.
    pub fn one(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            issues: vec![PlanIssue {
                path: path.into(),
                message: message.into(),
            }],
        }
    }
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.issues.as_slice() {
            [one] => write!(f, "invalid plan: {one}"),
            many => {
                write!(f, "invalid plan ({} problems):", many.len())?;
                for issue in many {
                    write!(f, "\n  {issue}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for PlanError {}

/// Problems found while validating or compiling a plan, collected so that all are reported at once.
#[derive(Debug, Default)]
pub struct Problems(pub Vec<PlanIssue>);

impl Problems {
    /// Records a problem at `path`.
    pub fn push(&mut self, path: String, message: String) {
        self.0.push(PlanIssue { path, message });
    }

    /// Ok when nothing was found, else every problem as one `PlanError`.
    pub fn into_result(self) -> Result<(), PlanError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(PlanError { issues: self.0 })
        }
    }
}

/// The run could not start (or a worker could not run). Nothing was measured, or the run stopped.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// io_uring could not be set up on a worker.
    #[error("io_uring is unavailable ({source}); horde needs Linux ≥ 5.19 with io_uring enabled (check /proc/sys/kernel/io_uring_disabled, seccomp profiles, and `ulimit -l`)")]
    IoUringUnavailable {
        /// The setup error.
        #[source]
        source: std::io::Error,
    },
    /// A host name in the plan did not resolve.
    #[error("could not resolve {host}: {reason}")]
    Resolve {
        /// The host as written in the URL.
        host: String,
        /// The resolver's message.
        reason: String,
    },
    /// A worker thread could not be started.
    #[error("could not start worker {worker}: {source}")]
    Spawn {
        /// Worker index.
        worker: usize,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The plan may need more connections than the host's limits allow, and `strict` is on.
    #[error("the host's limits are below what this test may need (strict):\n{0}")]
    Limits(String),
    /// The TLS configuration could not be built (a CA or key file changed since validation).
    #[error("TLS setup failed: {0}")]
    Tls(String),
    /// A worker failed while running.
    #[error("worker failed: {0}")]
    Worker(String),
    /// An output could not be opened.
    #[error("output {output}: {reason}")]
    Output {
        /// Which output.
        output: String,
        /// Why.
        reason: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_lists_every_issue() {
        let e = PlanError {
            issues: vec![
                PlanIssue {
                    path: "a.b".into(),
                    message: "must be > 0, got -1".into(),
                },
                PlanIssue {
                    path: "c".into(),
                    message: "unknown".into(),
                },
            ],
        };
        let text = e.to_string();
        assert!(
            text.contains("2 problems")
                && text.contains("a.b: must be > 0, got -1")
                && text.contains("c: unknown")
        );
        assert_eq!(
            PlanError::one("x", "bad").to_string(),
            "invalid plan: x: bad"
        );
    }
}
