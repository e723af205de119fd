//! `key_params`: operation pending.
