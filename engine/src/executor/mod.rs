//! When VUs and iterations start. Knows nothing about HTTP: a schedule only answers "may this VU
//! start an iteration now?" (closed model) or "when is the next arrival?" (open model).

pub mod arrival_rate;
pub mod closed;
pub mod segment;
pub mod shape;
pub mod stages;

pub use arrival_rate::ArrivalRate;
pub use closed::ClosedLoop;
pub use segment::Segment;
pub use shape::{Model, Shape};
pub use stages::Ramp;

use crate::clock::seconds_to_ns as ns;
use crate::plan::{ExecutorConfig, Stage};

/// One worker's schedule for one scenario.
#[derive(Debug, Clone)]
pub enum Schedule {
    /// A set of VUs looping.
    Closed(ClosedLoop),
    /// Iterations arriving at a rate.
    Arrivals(ArrivalRate),
}

impl Schedule {
    /// Builds this worker's share of an executor starting at `start_ns`. A scenario with fewer
    /// VUs than workers runs on the first workers only (each with at least one VU).
    pub fn new(config: &ExecutorConfig, segment: Segment, start_ns: u64) -> Schedule {
        let Some(segment) = segment.among(config.max_vus()) else {
            return Schedule::Closed(ClosedLoop::idle(start_ns));
        };
        match config {
            ExecutorConfig::ConstantVus { vus, duration_s } => Schedule::Closed(
                ClosedLoop::constant(segment, *vus, start_ns, ns(*duration_s)),
            ),
            ExecutorConfig::RampingVus {
                start_vus,
                stages,
                graceful_ramp_down_s,
            } => {
                let ramp = Ramp::new(start_ns, *start_vus as f64, stages, 1.0);
                Schedule::Closed(ClosedLoop::ramping(
                    segment,
                    config.max_vus(),
                    ramp,
                    ns(*graceful_ramp_down_s),
                ))
            }
            ExecutorConfig::PerVuIterations {
                vus,
                iterations,
                max_duration_s,
            } => Schedule::Closed(ClosedLoop::per_vu(
                segment,
                *vus,
                *iterations,
                start_ns,
                ns(*max_duration_s),
            )),
            ExecutorConfig::SharedIterations {
                vus,
                iterations,
                max_duration_s,
            } => Schedule::Closed(ClosedLoop::shared(
                segment,
                *vus,
                *iterations,
                start_ns,
                ns(*max_duration_s),
            )),
            ExecutorConfig::ConstantArrivalRate {
                rate,
                time_unit_s,
                duration_s,
                max_vus,
                max_iterations,
                when_saturated,
                ..
            } => {
                let per_s = rate / time_unit_s;
                let ramp = Ramp::new(
                    start_ns,
                    per_s,
                    &[Stage {
                        duration_s: *duration_s,
                        target: per_s,
                    }],
                    1.0,
                );
                Schedule::Arrivals(ArrivalRate::new(
                    segment,
                    ramp,
                    *max_iterations,
                    *max_vus,
                    *when_saturated,
                ))
            }
            ExecutorConfig::RampingArrivalRate {
                start_rate,
                time_unit_s,
                stages,
                max_vus,
                when_saturated,
                ..
            } => {
                let ramp = Ramp::new(start_ns, *start_rate, stages, 1.0 / time_unit_s);
                Schedule::Arrivals(ArrivalRate::new(
                    segment,
                    ramp,
                    None,
                    *max_vus,
                    *when_saturated,
                ))
            }
        }
    }

    /// VU slots this worker needs for the scenario.
    pub fn vus(&self) -> u64 {
        match self {
            Schedule::Closed(c) => c.vus(),
            Schedule::Arrivals(a) => a.vus(),
        }
    }

    /// When the scenario stops starting iterations.
    pub fn end_ns(&self) -> u64 {
        match self {
            Schedule::Closed(c) => c.end_ns(),
            Schedule::Arrivals(a) => a.end_ns(),
        }
    }
}
