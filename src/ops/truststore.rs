//! `truststore`: operation pending.
