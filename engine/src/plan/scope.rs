//! Variables as the compiler sees them: the built-ins, the slot each name gets (shared by every
//! journey of a plan), and which names are visible at a point of a journey.

/// Built-in variables, in slot order.
pub const BUILTINS: [&str; 4] = ["__vu", "__iteration", "__scenario", "__journey"];
/// Slot of `__vu` (1-based VU number, unique across workers).
pub const VU_SLOT: u16 = 0;
/// Slot of `__iteration` (0-based, per VU).
pub const ITERATION_SLOT: u16 = 1;
/// Slot of `__scenario`.
pub const SCENARIO_SLOT: u16 = 2;
/// Slot of `__journey`.
pub const JOURNEY_SLOT: u16 = 3;
/// Variable names and slots, shared by every journey of a plan.
#[derive(Debug, Clone, Default)]
pub struct VarTable {
    names: Vec<String>,
}

impl VarTable {
    /// A table holding the built-ins.
    pub fn new() -> Self {
        Self {
            names: BUILTINS.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// The slot of `name`, adding it if new.
    pub fn define(&mut self, name: &str) -> u16 {
        match self.names.iter().position(|n| n == name) {
            Some(i) => i as u16,
            None => {
                self.names.push(name.to_string());
                (self.names.len() - 1) as u16
            }
        }
    }

    /// Number of slots.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether only built-ins exist.
    pub fn is_empty(&self) -> bool {
        self.names.len() == BUILTINS.len()
    }

    /// The name of a slot.
    pub fn name(&self, slot: u16) -> &str {
        &self.names[slot as usize]
    }
}

/// The variables visible at a point of a journey: built-ins, data columns, and what earlier steps
/// extracted.
pub struct Scope<'a> {
    pub(crate) table: &'a VarTable,
    pub(crate) visible: Vec<u16>,
}

impl Scope<'_> {
    /// The slot of a visible variable.
    pub fn slot(&self, name: &str) -> Option<u16> {
        self.visible
            .iter()
            .copied()
            .find(|&s| self.table.name(s) == name)
    }
}
