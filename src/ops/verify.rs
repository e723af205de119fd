//! `verify`: operation pending.
