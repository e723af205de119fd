//! `token`: operation pending.
