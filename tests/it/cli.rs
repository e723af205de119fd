use clap::CommandFactory;

use crate::common::*;

#[test]
fn clap_definition_is_consistent() {
    btpcert::cli::Cli::command().debug_assert();
}

#[test]
fn usage_error_exits_2() {
    btpcert().arg("extract").assert().code(2);
    btpcert().arg("no-such-command").assert().code(2);
}

#[test]
fn version_and_help() {
    let a = btpcert().arg("--version").assert().success();
    assert!(stdout_of(&a).starts_with("btpcert "));
    let a = btpcert().arg("--help").assert().success();
    assert!(stdout_of(&a).contains("Exit codes: 0 ok, 1 problems found, 2 usage or input error"));
}
