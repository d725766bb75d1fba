//! A VU's variables: one reusable byte buffer per slot (built-ins, data columns, extracted
//! values), so setting a variable copies bytes but does not allocate once warm.

use crate::template::Lookup;

/// Variable values by slot.
#[derive(Debug, Clone, Default)]
pub struct Vars {
    values: Vec<Vec<u8>>,
    set: Vec<bool>,
}

impl Vars {
    /// `slots` unset variables.
    pub fn new(slots: usize) -> Self {
        Self {
            values: vec![Vec::new(); slots],
            set: vec![false; slots],
        }
    }

    /// Sets a variable to `value`.
    pub fn set(&mut self, slot: u16, value: &[u8]) {
        let v = &mut self.values[slot as usize];
        v.clear();
        v.extend_from_slice(value);
        self.set[slot as usize] = true;
    }

    /// Sets a variable to a number.
    pub fn set_u64(&mut self, slot: u16, n: u64) {
        self.set(slot, itoa::Buffer::new().format(n).as_bytes());
    }

    /// Unsets a variable.
    pub fn unset(&mut self, slot: u16) {
        self.set[slot as usize] = false;
    }
}

impl Lookup for Vars {
    fn get(&self, slot: u16) -> Option<&[u8]> {
        let i = slot as usize;
        (i < self.set.len() && self.set[i]).then(|| self.values[i].as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_get_unset() {
        let mut v = Vars::new(3);
        assert_eq!(v.get(1), None);
        v.set(1, b"abc");
        v.set_u64(2, 42);
        assert_eq!(v.get(1), Some(&b"abc"[..]));
        assert_eq!(v.get(2), Some(&b"42"[..]));
        v.unset(1);
        assert_eq!(v.get(1), None);
        assert_eq!(v.get(9), None);
    }
}
