//! btpcert for people who look rather than read: the local page of
//! `btpcert serve` ([`server`]), self-contained HTML reports (`--html`,
//! [`report`]), and the audit as metrics for monitoring (`--prometheus`,
//! [`prometheus`]).
//!
//! Everything here renders outcomes the operations already returned: the
//! page and the reports draw the JSON that `--json` prints, with one
//! script ([`APP_JS`]) embedded in the binary; nothing is decided twice,
//! and nothing is loaded from another host.

pub mod prometheus;
pub mod report;
pub mod server;

/// The page `btpcert serve` shows; `{{TOKEN}}` stands for the run's token.
pub const INDEX_HTML: &str = include_str!("assets/index.html");
/// The frame of an HTML report, with `{{...}}` placeholders.
pub const REPORT_HTML: &str = include_str!("assets/report.html");
/// The script that draws outcomes, on the page and in reports.
pub const APP_JS: &str = include_str!("assets/app.js");
/// The stylesheet of the page and the reports.
pub const STYLE_CSS: &str = include_str!("assets/style.css");

/// `template` with each `{{NAME}}` replaced by its value, in one pass, so
/// that a value holding a placeholder's text is never filled in itself.
pub(crate) fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out =
        String::with_capacity(template.len() + values.iter().map(|(_, v)| v.len()).sum::<usize>());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find("}}").and_then(|end| {
            let name = &after[..end];
            values
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (end, *v))
        }) {
            Some((end, v)) => {
                out.push_str(v);
                rest = &after[end + 2..];
            }
            None => {
                out.push_str("{{");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_once() {
        let t = "a {{X}} b {{Y}} c {{Z}}";
        assert_eq!(
            fill(t, &[("X", "{{Y}}"), ("Y", "2")]),
            "a {{Y}} b 2 c {{Z}}"
        );
    }

    #[test]
    fn the_script_can_be_inlined() {
        for text in [APP_JS, STYLE_CSS] {
            assert!(!text.to_ascii_lowercase().contains("</script"));
            assert!(!text.to_ascii_lowercase().contains("</style"));
        }
        for (name, text) in [("index", INDEX_HTML), ("app", APP_JS), ("style", STYLE_CSS)] {
            assert!(
                !text.contains("http://") || name == "app",
                "{name} loads nothing from a host"
            );
            assert!(
                !text.contains("https://"),
                "{name} loads nothing from a host"
            );
        }
    }
}
