//! `chain`: operation pending.
