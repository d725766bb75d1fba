//! Test data: rows of values handed to virtual users as variables, so that each user works on
//! its own account, cart or product. The rows travel inside the plan (Python reads the files).

use serde::{Deserialize, Serialize};

/// A table of rows whose columns become variables.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Feeder {
    /// Name, for messages (usually the file name).
    pub name: String,
    /// Variable names, one per column.
    pub columns: Vec<String>,
    /// Rows; each has one value per column.
    pub rows: Vec<Vec<String>>,
    /// When a VU takes a new row.
    #[serde(default)]
    pub per: Per,
    /// Which row it takes.
    #[serde(default)]
    pub order: Order,
    /// What happens when `unique` rows run out.
    #[serde(default)]
    pub on_exhausted: Exhausted,
}

/// When a VU takes a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Per {
    /// Once, when the VU starts: each VU keeps its row (its own account).
    #[default]
    Vu,
    /// At the start of every iteration.
    Iteration,
}

/// Which row is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Order {
    /// In order, wrapping around at the end.
    #[default]
    Sequential,
    /// A random row each time (rows may repeat).
    Random,
    /// In order, each row at most once in the whole test.
    Unique,
}

/// What a VU does when `unique` rows are used up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Exhausted {
    /// Start no more iterations that need a row: the VU stops (counted in `data_exhausted`).
    #[default]
    Stop,
    /// Start again from the first row.
    Cycle,
}
