//! `unescape`: operation pending.
