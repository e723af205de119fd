//! `docs`: operation pending.
