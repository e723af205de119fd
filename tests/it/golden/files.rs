//! Golden output of the commands that read and write files: extract,
//! unescape, inspect, chain, instance, completions and man.
