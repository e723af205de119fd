//! `audit`: operation pending.
