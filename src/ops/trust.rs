//! `trust`: operation pending.
