//! The verdict vocabulary every command shares: a [`Check`] is one finding
//! with a [`Status`] and a stable [`CheckId`]; outcomes are lists of them.

use serde::Serialize;

/// How a check came out. Ordered: `Ok < Warn < Fail`, so the worst of a list
/// is its maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Nothing to do.
    Ok,
    /// Works, but the user should know.
    Warn,
    /// Will fail: the user has to act.
    Fail,
}

impl Status {
    /// The worst status of `statuses`, `Ok` for none.
    pub fn worst(statuses: impl IntoIterator<Item = Status>) -> Status {
        statuses.into_iter().max().unwrap_or(Status::Ok)
    }
}

macro_rules! check_ids {
    ($($(#[$doc:meta])* $variant:ident => $text:literal,)*) => {
        /// The stable identifier of a check, as `--json` prints it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        pub enum CheckId {
            $($(#[$doc])* #[serde(rename = $text)] $variant,)*
        }

        impl CheckId {
            /// The identifier as text, e.g. `client-auth-eku`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(CheckId::$variant => $text,)*
                }
            }
        }
    };
}

check_ids! {
    /// A certificate's signature verified with its issuer's key.
    Signature => "signature",
    /// notBefore/notAfter against the time of the check.
    Validity => "validity",
    /// basicConstraints of CA certificates (and of the leaf).
    BasicConstraints => "basic-constraints",
    /// pathLenConstraint of a CA.
    PathLength => "path-length",
    /// keyUsage bits.
    KeyUsage => "key-usage",
    /// Algorithm and size of a public key.
    KeyStrength => "key-strength",
    /// The algorithm a certificate was signed with.
    SignatureAlgorithm => "signature-algorithm",
    /// A critical extension TLS stacks do not process.
    CriticalExtension => "critical-extension",
    /// Extensions given twice, or that do not decode.
    Extensions => "extensions",
    /// Whether the chain was given leaf first.
    Order => "order",
    /// A certificate given twice.
    Duplicate => "duplicate",
    /// A certificate on no path from the leaf.
    Unrelated => "unrelated",
    /// A certificate given above the root the path ends at.
    NotNeeded => "not-needed",
    /// Whether the path reaches a root.
    Complete => "complete",
    /// Whether the private key belongs to the leaf.
    KeyMatch => "key-match",
    /// The root is on the scenario's SAP trust list.
    RootTrusted => "root-trusted",
    /// A CA of the chain is on the scenario's SAP trust list.
    CaTrusted => "ca-trusted",
    /// The sender's chain holds every intermediate.
    WholeChain => "whole-chain",
    /// The leaf allows TLS client authentication.
    ClientAuthEku => "client-auth-eku",
    /// The leaf may serve TLS.
    ServerAuthEku => "server-auth-eku",
    /// `certificatedetails` of a service key describe its leaf.
    Details => "details",
    /// An External Certificate holds exactly one certificate.
    SingleLeaf => "single-leaf",
    /// An External Certificate is no CA certificate.
    LeafNotCa => "leaf-not-ca",
    /// `grant-types` of instance parameters.
    GrantTypes => "grant-types",
    /// The deprecated `client_x509` grant type.
    DeprecatedGrant => "deprecated-grant",
    /// A grant type SAP does not define.
    UnknownGrant => "unknown-grant",
    /// `token-validity` of instance parameters.
    TokenValidity => "token-validity",
    /// `roles` of instance parameters.
    Roles => "roles",
}

impl std::fmt::Display for CheckId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finding: what was checked, how it came out, and why, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// How it came out.
    pub status: Status,
    /// What was checked.
    pub id: CheckId,
    /// Why, in words a user can act on.
    pub message: String,
}

impl Check {
    /// A check with the given status.
    pub fn new(status: Status, id: CheckId, message: impl Into<String>) -> Check {
        Check {
            status,
            id,
            message: message.into(),
        }
    }

    /// A passed check.
    pub fn ok(id: CheckId, message: impl Into<String>) -> Check {
        Check::new(Status::Ok, id, message)
    }

    /// A warning.
    pub fn warn(id: CheckId, message: impl Into<String>) -> Check {
        Check::new(Status::Warn, id, message)
    }

    /// A failure.
    pub fn fail(id: CheckId, message: impl Into<String>) -> Check {
        Check::new(Status::Fail, id, message)
    }
}

/// The worst status among `checks`.
pub fn worst<'a>(checks: impl IntoIterator<Item = &'a Check>) -> Status {
    Status::worst(checks.into_iter().map(|c| c.status))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_serialise_as_their_text() {
        for id in [
            CheckId::ClientAuthEku,
            CheckId::RootTrusted,
            CheckId::Details,
        ] {
            assert_eq!(
                serde_json::to_value(id).unwrap(),
                serde_json::Value::String(id.as_str().into())
            );
        }
        assert_eq!(CheckId::WholeChain.to_string(), "whole-chain");
    }

    #[test]
    fn worst_is_the_maximum() {
        let c = [
            Check::ok(CheckId::Order, "a"),
            Check::warn(CheckId::Validity, "b"),
        ];
        assert_eq!(worst(&c), Status::Warn);
        assert_eq!(worst(&[]), Status::Ok);
        assert_eq!(Status::worst([Status::Fail, Status::Ok]), Status::Fail);
    }
}
