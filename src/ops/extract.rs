//! `extract`: operation pending.
