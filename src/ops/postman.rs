//! `postman`: everything a Postman (or newman) user needs from one service
//! key: the client certificate as CRT/KEY and PFX, a collection that gets a
//! token and calls the endpoint, and newman's certificate list.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, ExitStatus, Result};
use crate::input;
use crate::keystore::pkcs12::build_keystore;
use crate::ops::{identity, IdentityOptions, Outcome, StoreOptions};
use crate::sap::postman::{
    collection, default_path, newman_cert_list, origin, CollectionSpec, TokenAuth,
};
use crate::sap::servicekey::{url_host, KeyKind, ServiceKey};
use crate::secret::{Purpose, SecretSource};
use crate::write::{ensure_free, Planned};
use crate::x509::cert::Cert;

/// File name of the collection.
pub const COLLECTION: &str = "btpcert.postman_collection.json";
/// File name of newman's client certificate list.
pub const CERT_LIST: &str = "newman-certs.json";

/// What to build.
#[derive(Debug, Clone)]
pub struct PostmanOptions {
    /// The service key.
    pub input: String,
    /// The user's private key, for an External Certificate key.
    pub key: Option<String>,
    /// Folder to write into.
    pub out_dir: PathBuf,
    /// Path of the endpoint after the key's url; a default by plan if `None`.
    pub path: Option<String>,
    /// HTTP method of the endpoint call; by path if `None`.
    pub method: Option<String>,
    /// Profile and password of `client.pfx`.
    pub store: StoreOptions,
    /// How key and chain are taken.
    pub identity: IdentityOptions,
    /// Whether existing files may be replaced.
    pub force: bool,
}

/// The kit planned.
#[derive(Debug, Serialize)]
pub struct PostmanOutcome {
    /// The folder, as given.
    pub dir: String,
    /// The service key's kind.
    pub kind: KeyKind,
    /// Certificates in `client.crt` and `client.pfx` (0 for ClientId/Secret).
    pub certificates: usize,
    /// The host Postman's certificate setting needs.
    pub host: String,
    /// HTTP method of the endpoint call.
    pub method: String,
    /// The endpoint called.
    pub endpoint: String,
    /// The endpoint is the `/http/` placeholder, not a flow's path.
    pub placeholder: bool,
    /// What the user should know.
    pub notes: Vec<String>,
    /// The files, planned.
    #[serde(skip)]
    pub files: Vec<Planned>,
}

impl Outcome for PostmanOutcome {
    fn exit_status(&self) -> ExitStatus {
        ExitStatus::Ok
    }
    fn notes(&self) -> &[String] {
        &self.notes
    }
    fn files(&self) -> &[Planned] {
        &self.files
    }
}

struct Fields {
    tokenurl: String,
    url: String,
    clientid: String,
}

fn fields(sk: &ServiceKey, input: &str) -> Result<Fields> {
    let need = |v: &Option<String>, f: &str| -> Result<String> {
        v.clone()
            .ok_or_else(|| Error::input(format!("the service key has no '{f}'")).with_path(input))
    };
    Ok(Fields {
        tokenurl: need(&sk.tokenurl, "tokenurl")?,
        url: need(&sk.url, "url")?,
        clientid: need(&sk.clientid, "clientid")?,
    })
}

/// The endpoint's path and method: as given, or by the key's plan.
fn endpoint(opts: &PostmanOptions, url: &str) -> (String, String, String) {
    let path = opts
        .path
        .clone()
        .unwrap_or_else(|| default_path(url).to_string());
    let endpoint = format!(
        "{}/{}",
        url.trim_end_matches('/'),
        path.trim_start_matches('/')
    );
    let method = opts
        .method
        .clone()
        .unwrap_or_else(|| {
            if path.starts_with("/http/") || path.starts_with("http/") {
                "POST"
            } else {
                "GET"
            }
            .into()
        })
        .to_uppercase();
    (path, endpoint, method)
}

/// Reads the key, checks key and chain, and plans the kit.
pub fn run(opts: &PostmanOptions, secrets: &dyn SecretSource) -> Result<PostmanOutcome> {
    let mut files = vec![opts.input.clone()];
    files.extend(opts.key.clone());
    let bundle = input::load_many_with(&files, Some(secrets))?;
    let (_, sk) = bundle.service_keys.first().ok_or_else(|| {
        Error::input("not a service key (no tokenurl to call)").with_path(&opts.input)
    })?;
    let f = fields(sk, &opts.input)?;
    let kind = sk.kind;
    let (path, endpoint, method) = endpoint(opts, &f.url);
    let auth = match (&kind, &sk.clientsecret) {
        (KeyKind::ClientSecret, Some(s)) => TokenAuth::Basic { secret: s.expose() },
        _ => TokenAuth::ClientCertificate,
    };
    let spec = CollectionSpec {
        name: "btpcert: token and call",
        clientid: &f.clientid,
        tokenurl: &f.tokenurl,
        endpoint: endpoint.clone(),
        method: &method,
        auth,
    };
    let coll = serde_json::to_string_pretty(&collection(&spec)).expect("JSON value") + "\n";
    let dir = &opts.out_dir;
    let mut notes = Vec::new();
    let (planned, certificates) = if kind == KeyKind::ClientSecret {
        // The collection holds the secret.
        (vec![Planned::secret(dir.join(COLLECTION), coll)], 0)
    } else {
        if kind == KeyKind::ExternalCertificate && bundle.key.is_none() {
            return Err(Error::usage(
                "an External Certificate key holds only the certificate: give your private key with --key FILE",
            ));
        }
        let id = identity::key_and_chain(bundle, &opts.identity, secrets)?;
        notes.extend(id.notes.iter().cloned());
        let n = id.chain.len();
        (
            certificate_kit(opts, &f, &id, coll, secrets, &mut notes)?,
            n,
        )
    };
    Ok(PostmanOutcome {
        dir: dir.display().to_string(),
        kind,
        certificates,
        host: url_host(&f.tokenurl).unwrap_or_default(),
        method,
        endpoint,
        placeholder: opts.path.is_none() && path == "/http/",
        notes,
        files: planned.into_iter().map(Planned::creating_folder).collect(),
    })
}

/// The files of a certificate key's kit.
fn certificate_kit(
    opts: &PostmanOptions,
    f: &Fields,
    id: &identity::Identity,
    coll: String,
    secrets: &dyn SecretSource,
    notes: &mut Vec<String>,
) -> Result<Vec<Planned>> {
    let dir = &opts.out_dir;
    for name in [
        "client.crt",
        "client.key",
        "client.pfx",
        COLLECTION,
        CERT_LIST,
    ] {
        ensure_free(&dir.join(name), opts.force)?;
    }
    let what = format!("passphrase for {}", dir.join("client.pfx").display());
    let pw = opts
        .store
        .password(&what, Purpose::Create, secrets, notes)?;
    let pfx = build_keystore(&id.key, &id.chain, "client", opts.store.profile, &pw)?;
    let pkcs8 = id.key.to_pkcs8()?;
    let crt: String = id.chain.iter().map(Cert::to_pem).collect();
    let origins: Vec<String> = [origin(&f.tokenurl), origin(&f.url)]
        .into_iter()
        .flatten()
        .collect();
    let abs_dir = absolute(dir)?;
    let list = newman_cert_list(
        &origins,
        &abs_dir.join("client.crt").display().to_string(),
        &abs_dir.join("client.key").display().to_string(),
    );
    Ok(vec![
        Planned::public(dir.join("client.crt"), crt),
        Planned::secret(dir.join("client.key"), pkcs8.to_pem()),
        Planned::secret(dir.join("client.pfx"), pfx),
        Planned::public(dir.join(COLLECTION), coll),
        Planned::public(
            dir.join(CERT_LIST),
            serde_json::to_string_pretty(&list).expect("JSON value") + "\n",
        ),
    ])
}

fn absolute(dir: &Path) -> Result<PathBuf> {
    if dir.is_absolute() {
        return Ok(dir.to_path_buf());
    }
    Ok(std::env::current_dir()
        .map_err(|e| Error::io(".", e))?
        .join(dir))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keystore::pkcs12::Profile;
    use crate::secret::{Fixed, Secret};

    fn testdata(name: &str) -> String {
        format!("{}/testdata/{name}", env!("CARGO_MANIFEST_DIR"))
    }

    fn opts(input: &str) -> PostmanOptions {
        PostmanOptions {
            input: testdata(input),
            key: None,
            out_dir: PathBuf::from("/nonexistent/kit"),
            path: None,
            method: None,
            store: StoreOptions {
                profile: Profile::Modern,
                no_password: false,
                format: None,
            },
            identity: IdentityOptions::default(),
            force: false,
        }
    }

    #[test]
    fn a_certificate_key_gives_the_whole_kit() {
        let o = run(&opts("service-key.json"), &Fixed(Secret::new("pw"))).unwrap();
        let names: Vec<(String, bool)> = o
            .files
            .iter()
            .map(|p| {
                let name = p.path.file_name().unwrap().to_string_lossy().into_owned();
                (name, p.secret)
            })
            .collect();
        assert_eq!(
            names,
            [
                ("client.crt".to_string(), false),
                ("client.key".to_string(), true),
                ("client.pfx".to_string(), true),
                (COLLECTION.to_string(), false),
                (CERT_LIST.to_string(), false),
            ]
        );
        assert_eq!(o.kind, KeyKind::Certificate);
        assert_eq!(o.certificates, 3);
        assert_eq!((o.method.as_str(), o.placeholder), ("POST", true));
        assert!(o.endpoint.ends_with("/http/"), "{}", o.endpoint);
    }

    #[test]
    fn a_secret_key_gives_a_private_collection_only() {
        let mut op = opts("service-key-secret.json");
        op.path = Some("/api/v1/x".into());
        let o = run(&op, &crate::secret::NoSecrets).unwrap();
        assert_eq!(o.files.len(), 1);
        assert!(o.files[0].secret, "the collection holds the secret");
        assert_eq!((o.method.as_str(), o.placeholder), ("GET", false));
        assert_eq!(o.certificates, 0);
    }
}
