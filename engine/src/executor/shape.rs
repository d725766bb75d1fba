//! What a scenario's executor does, as the engine states it for results and live progress: its
//! model, its target over time (VUs, or arrivals per second), its stages and its planned length.
//! Presenters read this instead of re-deriving it from executor parameters.

use serde::{Deserialize, Serialize};

use crate::plan::{ExecutorConfig, Stage};

/// Closed (VUs loop) or open (iterations arrive on a schedule).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Model {
    /// A set of VUs, each starting its next iteration when the last one ends.
    Closed,
    /// Iterations start on a schedule, whatever the responses do.
    Open,
}

/// What an executor's target counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetUnit {
    /// Virtual users.
    Vus,
    /// Iterations started per second.
    PerSecond,
}

/// One stage of a target: from `from` to `to` over `duration_s`, starting `start_s` after the
/// scenario starts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ShapeStage {
    /// Offset from the scenario's start, seconds.
    pub start_s: f64,
    /// Length, seconds.
    pub duration_s: f64,
    /// Target at the stage's start.
    pub from: f64,
    /// Target at its end.
    pub to: f64,
}

/// A scenario's executor, described.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shape {
    /// k6's executor name.
    pub executor: String,
    /// Closed or open model.
    pub model: Model,
    /// What `target` counts.
    pub unit: TargetUnit,
    /// The target at its highest: VUs, or arrivals per second.
    pub target: f64,
    /// VUs it may use at most (the connections of an attack).
    pub max_vus: u64,
    /// Iterations it runs in all, when the executor counts them.
    pub iterations: Option<u64>,
    /// Delay from the run's start, seconds.
    pub start_s: f64,
    /// How long it starts iterations at most, seconds (the graceful stop comes after).
    pub planned_s: f64,
    /// The stages of a ramping executor (none for the others).
    pub stages: Vec<ShapeStage>,
}

impl Shape {
    /// The shape of `config` starting `start_s` after the run.
    pub fn of(config: &ExecutorConfig, start_s: f64) -> Shape {
        let (unit, stages, iterations) = match config {
            ExecutorConfig::ConstantVus { .. } => (TargetUnit::Vus, Vec::new(), None),
            ExecutorConfig::RampingVus {
                start_vus, stages, ..
            } => (TargetUnit::Vus, ramp(*start_vus as f64, stages, 1.0), None),
            ExecutorConfig::PerVuIterations {
                vus, iterations, ..
            } => (TargetUnit::Vus, Vec::new(), Some(vus * iterations)),
            ExecutorConfig::SharedIterations { iterations, .. } => {
                (TargetUnit::Vus, Vec::new(), Some(*iterations))
            }
            ExecutorConfig::ConstantArrivalRate { max_iterations, .. } => {
                (TargetUnit::PerSecond, Vec::new(), *max_iterations)
            }
            ExecutorConfig::RampingArrivalRate {
                start_rate,
                time_unit_s,
                stages,
                ..
            } => (
                TargetUnit::PerSecond,
                ramp(start_rate / time_unit_s, stages, 1.0 / time_unit_s),
                None,
            ),
        };
        let target = match config {
            ExecutorConfig::ConstantArrivalRate {
                rate, time_unit_s, ..
            } => rate / time_unit_s,
            ExecutorConfig::RampingArrivalRate { .. } => {
                stages.iter().map(|s| s.from.max(s.to)).fold(0.0, f64::max)
            }
            _ => config.max_vus() as f64,
        };
        Shape {
            executor: config.name().into(),
            model: if config.is_open_model() {
                Model::Open
            } else {
                Model::Closed
            },
            unit,
            target,
            max_vus: config.max_vus(),
            iterations,
            start_s,
            planned_s: config.duration_s(),
            stages,
        }
    }

    /// The stage (from 0) a ramping executor is in `elapsed_s` after the run started, and its
    /// target then. None before the scenario starts, after its last stage, or without stages.
    pub fn stage_at(&self, elapsed_s: f64) -> Option<(usize, f64)> {
        let t = elapsed_s - self.start_s;
        self.stages.iter().enumerate().find_map(|(i, s)| {
            let into = t - s.start_s;
            (into >= 0.0 && into < s.duration_s)
                .then(|| (i, s.from + (s.to - s.from) * into / s.duration_s))
        })
    }

    /// The target on average over the planned length (what a ramp asks for in all, per second).
    pub fn mean_target(&self) -> f64 {
        let length: f64 = self.stages.iter().map(|s| s.duration_s).sum();
        if length <= 0.0 {
            return self.target;
        }
        self.stages
            .iter()
            .map(|s| (s.from + s.to) / 2.0 * s.duration_s)
            .sum::<f64>()
            / length
    }

    /// The target `elapsed_s` after the run started, while the executor runs to a schedule
    /// (not an iteration count).
    pub fn target_at(&self, elapsed_s: f64) -> Option<f64> {
        if !self.stages.is_empty() {
            return self.stage_at(elapsed_s).map(|(_, target)| target);
        }
        let t = elapsed_s - self.start_s;
        (self.iterations.is_none() && t >= 0.0 && t < self.planned_s).then_some(self.target)
    }
}

fn ramp(start: f64, stages: &[Stage], scale: f64) -> Vec<ShapeStage> {
    let (mut from, mut at) = (start, 0.0);
    stages
        .iter()
        .map(|s| {
            let to = s.target * scale;
            let stage = ShapeStage {
                start_s: at,
                duration_s: s.duration_s,
                from,
                to,
            };
            (from, at) = (to, at + s.duration_s);
            stage
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ramping_arrival_rates_are_per_second_and_located_in_time() {
        let config = ExecutorConfig::RampingArrivalRate {
            start_rate: 60.0,
            time_unit_s: 60.0,
            stages: vec![
                Stage {
                    duration_s: 10.0,
                    target: 600.0,
                },
                Stage {
                    duration_s: 5.0,
                    target: 0.0,
                },
            ],
            pre_allocated_vus: 1,
            max_vus: 20,
            when_saturated: Default::default(),
        };
        let s = Shape::of(&config, 2.0);
        assert_eq!(
            (s.model, s.unit, s.target),
            (Model::Open, TargetUnit::PerSecond, 10.0)
        );
        assert_eq!(s.planned_s, 15.0);
        // 10 s from 1 to 10 per second, then 5 s down to 0: (55 + 25) / 15 arrivals a second.
        assert!((s.mean_target() - 80.0 / 15.0).abs() < 1e-9);
        assert_eq!(s.stage_at(1.0), None, "not started");
        assert_eq!(s.stage_at(7.0), Some((0, 5.5)));
        assert_eq!(s.target_at(7.0), Some(5.5));
        assert_eq!(s.stage_at(14.5).map(|(i, _)| i), Some(1));
        assert_eq!(s.stage_at(17.0), None, "over");
    }

    #[test]
    fn iteration_counts_have_no_stages() {
        let s = Shape::of(
            &ExecutorConfig::PerVuIterations {
                vus: 3,
                iterations: 4,
                max_duration_s: 60.0,
            },
            0.0,
        );
        assert_eq!(
            (s.model, s.target, s.iterations),
            (Model::Closed, 3.0, Some(12))
        );
        assert!(s.stages.is_empty() && s.target_at(1.0).is_none());
    }

    #[test]
    fn constant_rates_hold_their_target_for_their_duration() {
        let s = Shape::of(
            &ExecutorConfig::ConstantArrivalRate {
                rate: 300.0,
                time_unit_s: 60.0,
                duration_s: 10.0,
                pre_allocated_vus: 1,
                max_vus: 4,
                max_iterations: None,
                when_saturated: Default::default(),
            },
            0.0,
        );
        assert_eq!((s.target, s.max_vus, s.planned_s), (5.0, 4, 10.0));
        assert_eq!((s.target_at(3.0), s.target_at(11.0)), (Some(5.0), None));
        assert!(s.stage_at(3.0).is_none());
    }
}
