//! `check_external`: operation pending.
