//! One operation per command: plain options in, an outcome out. An
//! operation never prints and never writes files: it returns what it found
//! (checks, notes) and the files it plans, and the command line writes the
//! files and renders the outcome, as JSON or for people, from the same value.
//!
//! The steps several operations share live here too: where roots come from
//! ([`RootOptions`]), the password of a keystore to write
//! ([`StoreOptions`]), and the client identity ([`identity`]).

pub mod audit;
pub mod chain;
pub mod check_external;
pub mod connectivity;
pub mod csr;
pub mod docs;
pub mod extract;
pub mod identity;
pub mod inspect;
pub mod instance;
pub mod key_params;
pub mod p12;
pub mod postman;
pub mod probe;
pub mod serve;
pub mod token;
pub mod trust;
pub mod truststore;
pub mod unescape;
pub mod verify;

use crate::error::Result;
use crate::input;
use crate::input::fetch::{self, Completion, FetchOptions};
use crate::keystore::pkcs12::Profile;
use crate::secret::{Purpose, Secret, SecretSource};
use crate::x509::cert::Cert;
use crate::x509::roots::{Origin, RootStore};
use crate::x509::verify::{build_path_at, Path};
use time::OffsetDateTime;

pub use identity::IdentityOptions;

/// Where the certificates that complete a chain come from.
#[derive(Debug, Clone, Default)]
pub struct RootOptions {
    /// Files of extra CA certificates (`--roots`).
    pub files: Vec<String>,
    /// Whether the system's CA bundle may be used.
    pub system: bool,
    /// Whether missing issuers may be fetched from the caIssuers URLs of
    /// the certificates (`--fetch-intermediates`); off by default.
    pub fetch: bool,
}

impl RootOptions {
    /// Every root source at once: the files, then the system bundle.
    pub fn store(&self) -> Result<RootStore> {
        let mut store = RootStore::default();
        for r in &self.files {
            store.add(input::roots::roots_file(r)?, Origin::RootsFile);
        }
        if self.system {
            store.add(input::roots::system_roots()?, Origin::System);
        }
        Ok(store)
    }

    /// Orders `certs` and completes the path from the files, then (only if
    /// still needed, as reading it costs) from the system bundle.
    pub fn path(&self, certs: &[Cert]) -> Result<Path> {
        self.path_at(certs, OffsetDateTime::now_utc())
    }

    /// [`RootOptions::path`] for a command judging at time `at` (`--at`):
    /// among several paths, the one valid then is preferred.
    pub fn path_at(&self, certs: &[Cert], at: OffsetDateTime) -> Result<Path> {
        Ok(self.complete_at(certs, at)?.path)
    }

    /// [`RootOptions::path_at`], and then, when [`RootOptions::fetch`]
    /// allows and an issuer is still missing, the issuers fetched from the
    /// certificates' caIssuers URLs, with notes saying what came from where.
    pub fn complete_at(&self, certs: &[Cert], at: OffsetDateTime) -> Result<Completion> {
        let mut store = RootStore::default();
        for r in &self.files {
            store.add(input::roots::roots_file(r)?, Origin::RootsFile);
        }
        let mut path = build_path_at(certs, &store, at);
        if path.missing_issuer.is_some() && self.system {
            store.add(input::roots::system_roots()?, Origin::System);
            path = build_path_at(certs, &store, at);
        }
        if path.missing_issuer.is_some() && self.fetch {
            return Ok(fetch::complete(
                certs,
                &mut store,
                at,
                &FetchOptions::default(),
            ));
        }
        Ok(Completion {
            path,
            fetched: Vec::new(),
            notes: Vec::new(),
        })
    }
}

/// How a keystore is written.
#[derive(Debug, Clone, Copy)]
pub struct StoreOptions {
    /// The encryption profile.
    pub profile: Profile,
    /// Write it with an empty password, as asked.
    pub no_password: bool,
    /// The container asked for; `None` decides by the file's name.
    pub format: Option<crate::keystore::Format>,
}

impl StoreOptions {
    /// The password of the keystore `what` describes: empty when asked for
    /// (with a note saying so), else from `secrets`, asked twice on a
    /// terminal when `purpose` is [`Purpose::Create`].
    pub fn password(
        &self,
        what: &str,
        purpose: Purpose,
        secrets: &dyn SecretSource,
        notes: &mut Vec<String>,
    ) -> Result<Secret> {
        if self.no_password {
            notes.push(format!(
                "{what}: written with an empty password, as asked: nothing protects what it holds"
            ));
            return Ok(Secret::empty());
        }
        secrets.secret(what, purpose)
    }
}

/// What every operation returns: how the run ends, what the user should
/// know, and the files to write. The command line writes the files, prints
/// the notes, then renders the outcome itself, as JSON or for people.
pub trait Outcome {
    /// The exit status this outcome ends the run with.
    fn exit_status(&self) -> crate::error::ExitStatus;
    /// Notes for the user (standard error), after the files are written.
    fn notes(&self) -> &[String] {
        &[]
    }
    /// Files to write, all or none.
    fn files(&self) -> &[crate::write::Planned] {
        &[]
    }
}
