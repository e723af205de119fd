//! `postman`: operation pending.
