//! `inspect`: operation pending.
