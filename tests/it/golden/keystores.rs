//! Golden output of the commands that write keystores and kits: p12,
//! truststore, postman, connectivity, token and call.

use super::{golden, testdata};
use crate::common::TestDir;

#[test]
fn p12_from_the_sample_key() {
    let d = TestDir::new();
    d.put("pw", "changeit\n");
    golden(
        "p12",
        &d,
        &[
            "p12",
            &testdata("service-key.json"),
            "-o",
            "out.p12",
            "--password-file",
            "pw",
            "--no-system-roots",
        ],
    );
}
