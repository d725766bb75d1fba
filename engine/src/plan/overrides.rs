//! Command-line overrides of a scenario's executor (`horde run --vus/--duration/--iterations/
//! --rate`): what each flag means for each executor, so that a quick run of a long test keeps its
//! shape. `--iterations` turns any executor into `shared_iterations`; `--rate` turns a closed
//! model into `constant_arrival_rate` and scales an open model's rates; `--vus` caps an open
//! model's VUs and scales a closed model's; `--duration` scales stages proportionally.

use super::defaults;
use super::{ExecutorConfig, Saturation, Stage};
use crate::error::PlanError;

/// The overrides given (None: keep the script's value).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Overrides {
    /// VUs (closed model) or the VU cap (open model).
    pub vus: Option<u64>,
    /// Length, seconds.
    pub duration_s: Option<f64>,
    /// Run this many iterations in all, shared by the VUs.
    pub iterations: Option<u64>,
    /// Arrivals per second.
    pub rate: Option<f64>,
}

/// An executor (JSON) with `o` applied, as JSON.
pub fn override_executor_json(text: &str, o: &Overrides) -> Result<String, PlanError> {
    let e: ExecutorConfig = super::validate::parse(text)?;
    Ok(serde_json::to_string(&e.with_overrides(o)).expect("executors serialise"))
}

impl ExecutorConfig {
    /// This executor with `o` applied.
    pub fn with_overrides(&self, o: &Overrides) -> ExecutorConfig {
        let peak_vus = self.max_vus();
        if let Some(iterations) = o.iterations {
            let max_duration_s = match self {
                ExecutorConfig::PerVuIterations { max_duration_s, .. }
                | ExecutorConfig::SharedIterations { max_duration_s, .. } => *max_duration_s,
                _ => defaults::MAX_DURATION_S,
            };
            return ExecutorConfig::SharedIterations {
                vus: o.vus.unwrap_or(peak_vus),
                iterations,
                max_duration_s: o.duration_s.unwrap_or(max_duration_s),
            };
        }
        if let (Some(rate), false) = (o.rate, self.is_open_model()) {
            let length = o.duration_s.unwrap_or(self.duration_s());
            return ExecutorConfig::ConstantArrivalRate {
                rate,
                time_unit_s: 1.0,
                duration_s: if length > 0.0 {
                    length
                } else {
                    defaults::DURATION_S
                },
                pre_allocated_vus: o.vus.unwrap_or(peak_vus.max(1)),
                max_vus: o.vus.unwrap_or(peak_vus.max(defaults::MAX_VUS)),
                max_iterations: None,
                when_saturated: Saturation::Drop,
            };
        }
        let mut e = self.clone();
        if let Some(per_s) = o.rate {
            match &mut e {
                ExecutorConfig::ConstantArrivalRate {
                    rate, time_unit_s, ..
                } => (*rate, *time_unit_s) = (per_s, 1.0),
                ExecutorConfig::RampingArrivalRate {
                    start_rate,
                    time_unit_s,
                    stages,
                    ..
                } => {
                    let start = scale_targets(stages, *start_rate, per_s * *time_unit_s);
                    *start_rate = start.round();
                }
                _ => {}
            }
        }
        if let Some(vus) = o.vus {
            match &mut e {
                ExecutorConfig::ConstantArrivalRate {
                    pre_allocated_vus,
                    max_vus,
                    ..
                }
                | ExecutorConfig::RampingArrivalRate {
                    pre_allocated_vus,
                    max_vus,
                    ..
                } => {
                    *max_vus = vus;
                    *pre_allocated_vus = (*pre_allocated_vus).min(vus);
                }
                ExecutorConfig::RampingVus {
                    start_vus, stages, ..
                } => {
                    let start = scale_targets(stages, *start_vus as f64, vus as f64);
                    *start_vus = start.round() as u64;
                }
                ExecutorConfig::ConstantVus { vus: v, .. }
                | ExecutorConfig::PerVuIterations { vus: v, .. }
                | ExecutorConfig::SharedIterations { vus: v, .. } => *v = vus,
            }
        }
        if let Some(d) = o.duration_s {
            match &mut e {
                ExecutorConfig::RampingVus { stages, .. }
                | ExecutorConfig::RampingArrivalRate { stages, .. } => scale_durations(stages, d),
                ExecutorConfig::ConstantVus { duration_s, .. }
                | ExecutorConfig::ConstantArrivalRate { duration_s, .. } => *duration_s = d,
                ExecutorConfig::PerVuIterations { max_duration_s, .. }
                | ExecutorConfig::SharedIterations { max_duration_s, .. } => *max_duration_s = d,
            }
        }
        e
    }
}

/// Scales the stages' targets (and the start value, returned scaled) so that the highest is
/// `peak`.
fn scale_targets(stages: &mut [Stage], start: f64, peak: f64) -> f64 {
    let top = stages.iter().map(|s| s.target).fold(start, f64::max);
    let factor = if top > 0.0 { peak / top } else { 0.0 };
    for s in stages.iter_mut() {
        s.target = (s.target * factor * 1e6).round() / 1e6;
    }
    start * factor
}

/// Scales the stages' durations so that they last `total` seconds in all.
fn scale_durations(stages: &mut [Stage], total: f64) {
    let length: f64 = stages.iter().map(|s| s.duration_s).sum();
    let n = stages.len().max(1) as f64;
    for s in stages.iter_mut() {
        s.duration_s = if length > 0.0 {
            s.duration_s * total / length
        } else {
            total / n
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp() -> ExecutorConfig {
        ExecutorConfig::RampingVus {
            start_vus: 10,
            stages: vec![
                Stage {
                    duration_s: 60.0,
                    target: 100.0,
                },
                Stage {
                    duration_s: 180.0,
                    target: 50.0,
                },
            ],
            graceful_ramp_down_s: 30.0,
        }
    }

    #[test]
    fn a_ramp_keeps_its_shape_when_shortened_and_scaled() {
        let o = Overrides {
            vus: Some(20),
            duration_s: Some(24.0),
            ..Overrides::default()
        };
        let ExecutorConfig::RampingVus {
            start_vus, stages, ..
        } = ramp().with_overrides(&o)
        else {
            panic!("still a ramp");
        };
        assert_eq!(start_vus, 2);
        assert_eq!(
            stages
                .iter()
                .map(|s| (s.duration_s, s.target))
                .collect::<Vec<_>>(),
            [(6.0, 20.0), (18.0, 10.0)]
        );
    }

    #[test]
    fn iterations_and_rates_change_the_executor() {
        let shared = ramp().with_overrides(&Overrides {
            iterations: Some(5),
            ..Overrides::default()
        });
        assert_eq!(
            shared,
            ExecutorConfig::SharedIterations {
                vus: 100,
                iterations: 5,
                max_duration_s: defaults::MAX_DURATION_S
            }
        );
        let open = ramp().with_overrides(&Overrides {
            rate: Some(50.0),
            ..Overrides::default()
        });
        assert!(matches!(
            open,
            ExecutorConfig::ConstantArrivalRate { rate, duration_s, max_vus: 1000, .. }
                if rate == 50.0 && duration_s == 240.0
        ));
    }
}
