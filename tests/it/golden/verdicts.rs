//! Golden output of the commands that judge: verify, trust, check-external,
//! key-params and audit.
