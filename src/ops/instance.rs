//! `instance`: operation pending.
