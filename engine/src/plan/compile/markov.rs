//! Compiling a [`Markov`] step into the flat program. Each state becomes its steps followed by a
//! weighted jump to one of its edges or out of the chain; each edge is its think time and a jump
//! to the target state:
//!
//! ```text
//!   choose(entry) ─▶ state A: steps; choose(A→B, A→C, exit) ─▶ A→B: think; jump B
//!                                                             ─▶ A→C: think; jump C
//!                    state B: …                               ─▶ exit: jump end
//!   end:
//! ```

use std::collections::HashMap;

use super::journey::{think_dist, JourneyCompiler};
use crate::plan::journey::{Markov, Step};
use crate::plan::program::{cumulative_shares, Instr};

impl JourneyCompiler<'_, '_> {
    /// Compiles the chain at `path` (`….markov`), or reports why it cannot run.
    pub(super) fn markov(&mut self, m: &Markov, path: &str) {
        let Some(index) = self.check_markov(m, path) else {
            return;
        };
        let entry_at = self.here();
        self.out.instrs.push(Instr::Jump(0));
        let mut starts = Vec::with_capacity(m.states.len());
        let mut chooses = Vec::with_capacity(m.states.len());
        let mut jumps = Vec::new();
        for (i, state) in m.states.iter().enumerate() {
            let at = format!("{path}.states[{i}]");
            starts.push(self.here());
            self.steps(&state.steps, &format!("{at}.steps"));
            chooses.push(self.here());
            self.out.instrs.push(Instr::Jump(0));
            for (k, edge) in state.next.iter().enumerate() {
                if let Some(think) = &edge.think {
                    let dist = think_dist(think, &format!("{at}.next[{k}].think"), self.problems);
                    self.out.instrs.push(Instr::Think(dist));
                }
                jumps.push((self.here(), index[edge.to.as_str()]));
                self.out.instrs.push(Instr::Jump(0));
            }
        }
        let end = self.here();
        for (at, to) in jumps {
            self.out.instrs[at] = Instr::Jump(starts[to]);
        }
        let weights: Vec<f64> = m.entry.iter().map(|(_, w)| *w).collect();
        self.out.instrs[entry_at] = Instr::Choose {
            cumulative: cumulative_shares(&weights),
            targets: m
                .entry
                .iter()
                .map(|(n, _)| starts[index[n.as_str()]])
                .collect(),
        };
        for (i, state) in m.states.iter().enumerate() {
            // The edges follow the state's choose, each a think (if any) and a jump.
            let mut targets = Vec::with_capacity(state.next.len() + 1);
            let mut at = chooses[i] + 1;
            for edge in &state.next {
                targets.push(at);
                at += 1 + usize::from(edge.think.is_some());
            }
            let mut weights: Vec<f64> = state.next.iter().map(|e| e.weight).collect();
            if state.exit > 0.0 {
                weights.push(state.exit);
                targets.push(end);
            }
            self.out.instrs[chooses[i]] = Instr::Choose {
                cumulative: cumulative_shares(&weights),
                targets,
            };
        }
    }

    /// The state index by name, or `None` after reporting every problem with the chain.
    fn check_markov<'m>(&mut self, m: &'m Markov, path: &str) -> Option<HashMap<&'m str, usize>> {
        let before = self.problems.0.len();
        let mut index = HashMap::with_capacity(m.states.len());
        if m.states.is_empty() {
            self.problems
                .push(format!("{path}.states"), "needs at least one state".into());
        }
        for (i, state) in m.states.iter().enumerate() {
            let at = format!("{path}.states[{i}]");
            if state.name.is_empty() || index.insert(state.name.as_str(), i).is_some() {
                self.problems.push(
                    format!("{at}.name"),
                    format!("must be non-empty and unique, got {:?}", state.name),
                );
            }
            if !has_request(&state.steps) {
                self.problems.push(
                    format!("{at}.steps"),
                    "needs a request: a state is what a user does".into(),
                );
            }
            if !(state.exit.is_finite() && state.exit >= 0.0) {
                self.problems.push(
                    format!("{at}.exit"),
                    format!("must be ≥ 0, got {}", state.exit),
                );
            }
            if state.next.is_empty() && state.exit <= 0.0 {
                self.problems.push(
                    format!("{at}.next"),
                    "has no edge and no exit: a user in this state could never go on".into(),
                );
            }
            for (k, edge) in state.next.iter().enumerate() {
                if !(edge.weight.is_finite() && edge.weight > 0.0) {
                    self.problems.push(
                        format!("{at}.next[{k}].weight"),
                        format!("must be > 0, got {}", edge.weight),
                    );
                }
            }
        }
        let known = |name: &str| index.contains_key(name);
        for (i, state) in m.states.iter().enumerate() {
            for (k, edge) in state.next.iter().enumerate() {
                if !known(&edge.to) {
                    self.problems.push(
                        format!("{path}.states[{i}].next[{k}].to"),
                        format!("no state is named {:?}", edge.to),
                    );
                }
            }
        }
        if m.entry.is_empty() {
            self.problems.push(
                format!("{path}.entry"),
                "needs at least one entry state".into(),
            );
        }
        for (i, (name, weight)) in m.entry.iter().enumerate() {
            if !known(name) {
                self.problems.push(
                    format!("{path}.entry[{i}]"),
                    format!("no state is named {name:?}"),
                );
            }
            if !(weight.is_finite() && *weight > 0.0) {
                self.problems.push(
                    format!("{path}.entry[{i}]"),
                    format!("weight must be > 0, got {weight}"),
                );
            }
        }
        if self.problems.0.len() > before {
            return None;
        }
        // Every state must reach an exit, or a session that wanders there never ends.
        let mut ends = vec![false; m.states.len()];
        let mut changed = true;
        while changed {
            changed = false;
            for (i, state) in m.states.iter().enumerate() {
                if !ends[i]
                    && (state.exit > 0.0 || state.next.iter().any(|e| ends[index[e.to.as_str()]]))
                {
                    ends[i] = true;
                    changed = true;
                }
            }
        }
        for (i, state) in m.states.iter().enumerate() {
            if !ends[i] {
                self.problems.push(
                    format!("{path}.states[{i}]"),
                    format!(
                        "{:?} cannot reach an exit: a session that gets there never ends",
                        state.name
                    ),
                );
            }
        }
        (self.problems.0.len() == before).then_some(index)
    }
}

/// Whether `steps` contain a request (in any branch).
fn has_request(steps: &[Step]) -> bool {
    steps.iter().any(|s| match s {
        Step::Request(_) => true,
        Step::Maybe { steps, .. } | Step::Repeat { steps, .. } | Step::Group { steps, .. } => {
            has_request(steps)
        }
        Step::Choose { branches } => branches.iter().any(|b| has_request(&b.steps)),
        Step::Markov(m) => m.states.iter().any(|s| has_request(&s.steps)),
        Step::Think(_) | Step::Metric(_) => false,
    })
}

#[cfg(test)]
mod tests {
    use crate::plan::program::{pick, Instr};
    use crate::plan::tests::issues;
    use crate::plan::{CompiledPlan, Plan};

    fn plan(markov: &str) -> String {
        format!(
            r#"{{"version": 1, "journeys": {{"j": {{"steps": [{{"markov": {markov}}}]}}}},
                "scenarios": {{"s": {{"journey": "j", "executor": {{"type": "constant_vus", "vus": 1, "duration_s": 1}}}}}}}}"#
        )
    }

    fn state(name: &str, next: &str, exit: f64) -> String {
        format!(
            r#"{{"name": "{name}", "exit": {exit}, "next": [{next}],
                 "steps": [{{"request": {{"method": "GET", "url": "http://127.0.0.1:1/{name}"}}}}]}}"#
        )
    }

    const CHAIN: &str = r#"{"entry": [["a", 3], ["b", 1]], "states": [
        {"name": "a", "exit": 0.2, "steps": [{"request": {"method": "GET", "url": "http://127.0.0.1:1/a"}}],
         "next": [{"to": "b", "weight": 0.6, "think": {"distribution": "fixed", "seconds": 1}},
                  {"to": "a", "weight": 0.2}]},
        {"name": "b", "exit": 0.5, "steps": [{"request": {"method": "GET", "url": "http://127.0.0.1:1/b"}}],
         "next": [{"to": "a", "weight": 0.5, "think": {"distribution": "empirical", "samples_s": [1, 2]}}]}]}"#;

    /// Walks the compiled chain as the interpreter does; returns (entries, transitions, exits).
    fn walk(instrs: &[Instr], sessions: usize) -> ([u32; 2], [[u32; 2]; 2], [u32; 2]) {
        let mut rng = fastrand::Rng::with_seed(7);
        let (mut entries, mut moves, mut exits) = ([0; 2], [[0; 2]; 2], [0; 2]);
        for _ in 0..sessions {
            let (mut ip, mut last): (usize, Option<usize>) = (0, None);
            while ip < instrs.len() {
                match &instrs[ip] {
                    Instr::Request(r) => {
                        match last {
                            None => entries[*r] += 1,
                            Some(from) => moves[from][*r] += 1,
                        }
                        last = Some(*r);
                        ip += 1;
                    }
                    Instr::Choose {
                        cumulative,
                        targets,
                    } => ip = targets[pick(cumulative, rng.f64())],
                    Instr::Jump(to) => ip = *to,
                    Instr::Think(_) => ip += 1,
                    other => panic!("unexpected {other:?}"),
                }
            }
            exits[last.expect("a session runs a state")] += 1;
        }
        (entries, moves, exits)
    }

    #[test]
    fn a_walk_follows_the_chain_s_probabilities() {
        let p = CompiledPlan::compile(Plan::from_json(&plan(CHAIN)).unwrap()).unwrap();
        let j = &p.scenarios[0].journeys[0].0;
        assert_eq!(j.steps, vec!["GET /a", "GET /b"]);
        let (entries, moves, exits) = walk(&j.instrs, 100_000);
        let share = |n: u32, of: u32| f64::from(n) / f64::from(of);
        assert!(
            (share(entries[0], 100_000) - 0.75).abs() < 0.01,
            "{entries:?}"
        );
        let from_a = moves[0][0] + moves[0][1] + exits[0];
        assert!((share(moves[0][1], from_a) - 0.6).abs() < 0.01, "{moves:?}");
        assert!((share(moves[0][0], from_a) - 0.2).abs() < 0.01, "{moves:?}");
        let from_b = moves[1][0] + moves[1][1] + exits[1];
        assert_eq!(moves[1][1], 0);
        assert!((share(exits[1], from_b) - 0.5).abs() < 0.01, "{exits:?}");
    }

    #[test]
    fn a_chain_that_cannot_run_names_each_problem() {
        let bad = format!(
            r#"{{"entry": [["a", 1], ["nowhere", 1]], "states": [{}, {}, {}]}}"#,
            state("a", r#"{"to": "b", "weight": 1}"#, 0.0),
            state(
                "b",
                r#"{"to": "a", "weight": 1}, {"to": "c", "weight": -1}"#,
                0.0
            ),
            state("b", "", 0.0),
        );
        let found = issues(&plan(&bad));
        let has =
            |path: &str, text: &str| found.iter().any(|i| i.contains(path) && i.contains(text));
        assert!(
            has(".markov.entry[1]", "no state is named \"nowhere\""),
            "{found:?}"
        );
        assert!(
            has(".markov.states[1].next[1].weight", "must be > 0"),
            "{found:?}"
        );
        assert!(has(".markov.states[1].next[1].to", "\"c\""), "{found:?}");
        assert!(has(".markov.states[2].name", "unique"), "{found:?}");
        assert!(
            has(".markov.states[2].next", "no edge and no exit"),
            "{found:?}"
        );
        let trapped = format!(
            r#"{{"entry": [["a", 1]], "states": [{}, {}, {}]}}"#,
            state("a", r#"{"to": "b", "weight": 1}"#, 0.5),
            state("b", r#"{"to": "c", "weight": 1}"#, 0.0),
            state("c", r#"{"to": "b", "weight": 1}"#, 0.0),
        );
        let found = issues(&plan(&trapped));
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].contains("\"b\" cannot reach an exit"), "{found:?}");
    }
}
