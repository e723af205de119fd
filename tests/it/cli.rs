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

#[test]
fn bash_completion_completes_subcommands() {
    let a = btpcert().args(["completions", "bash"]).assert().success();
    let script = stdout_of(&a);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("btpcert.bash");
    std::fs::write(&file, &script).unwrap();
    let probe = format!(
        "source {}; COMP_WORDS=(btpcert ex); COMP_CWORD=1; _btpcert btpcert ex btpcert; echo \"${{COMPREPLY[@]}}\"",
        file.display()
    );
    let out = tool("bash").args(["-c", &probe]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "extract");
    for shell in ["zsh", "fish", "powershell"] {
        let a = btpcert().args(["completions", shell]).assert().success();
        assert!(stdout_of(&a).contains("check-external"), "{shell}");
    }
}

#[test]
fn man_pages() {
    let a = btpcert().arg("man").assert().success();
    let page = stdout_of(&a);
    assert!(page.contains(".TH btpcert 1"), "{page}");
    assert!(page.contains("check\\-external") || page.contains("check-external"));
    let dir = tempfile::tempdir().unwrap();
    btpcert()
        .args(["man", "-o"])
        .arg(dir.path())
        .assert()
        .success();
    let pages = entries(dir.path());
    assert!(pages.contains(&"btpcert.1".to_string()));
    assert!(pages.contains(&"btpcert-extract.1".to_string()));
    assert!(pages.contains(&"btpcert-instance-migrate.1".to_string()));
}

#[test]
fn closed_stdout_is_not_an_error() {
    // `btpcert trust list | head -1`: the pipe closes early; no panic, no message.
    let out = tool("bash")
        .args([
            "-c",
            &format!(
                "{} trust list | head -1; exit ${{PIPESTATUS[0]}}",
                env!("CARGO_BIN_EXE_btpcert")
            ),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn readme_documents_every_subcommand_and_option() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let cmd = btpcert::cli::Cli::command();
    let mut missing = Vec::new();
    for sub in cmd.get_subcommands() {
        let name = sub.get_name();
        if !readme.contains(&format!("btpcert {name}")) {
            missing.push(format!("btpcert {name}"));
        }
        let mut commands = vec![sub.clone()];
        commands.extend(sub.get_subcommands().cloned());
        for c in commands {
            for arg in c.get_arguments() {
                if let Some(long) = arg.get_long() {
                    if long == "help" || long == "version" {
                        continue;
                    }
                    if !readme.contains(&format!("--{long}")) {
                        missing.push(format!("--{long} (btpcert {name})"));
                    }
                }
            }
        }
    }
    assert!(missing.is_empty(), "README lacks: {missing:?}");
}
