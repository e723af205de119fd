//! `connectivity`: operation pending.
