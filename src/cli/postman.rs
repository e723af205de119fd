//! `btpcert postman`: everything a Postman (or newman) user needs from one
//! service key.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;

use super::args::ForceArgs;
use super::args::{KeyChainArgs, StoreArgs};
use crate::error::{Error, Result, EXIT_OK};
use crate::input;
use crate::keystore::pkcs12::{build_keystore, Profile};
use crate::sanitize::sanitize;
use crate::sap::postman::{
    collection, default_path, newman_cert_list, origin, CollectionSpec, TokenAuth,
};
use crate::sap::servicekey::KeyKind;
use crate::write::{write_all, Planned};
use crate::x509::cert::Cert;

pub const COLLECTION: &str = "btpcert.postman_collection.json";
pub const CERT_LIST: &str = "newman-certs.json";

#[derive(Debug, Args)]
pub struct PostmanArgs {
    /// The service key
    #[arg(value_name = "KEYFILE")]
    pub input: String,
    /// Your private key, for an External Certificate key
    #[arg(long, value_name = "FILE")]
    pub key: Option<String>,
    /// Folder to write into (created if missing)
    #[arg(short, long, value_name = "DIR")]
    pub out_dir: PathBuf,
    /// Path of the endpoint after the key's url [default: /api/v1/MessageProcessingLogs
    /// for api-plan keys, /http/ otherwise]
    #[arg(long, value_name = "PATH")]
    pub path: Option<String>,
    /// HTTP method of the endpoint call [default: GET for the API, POST for /http/ paths]
    #[arg(short = 'X', long, value_name = "METHOD")]
    pub method: Option<String>,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub source: KeyChainArgs,
    #[command(flatten)]
    pub force: ForceArgs,
}

fn path_str(p: &Path) -> String {
    p.display().to_string()
}

pub fn run(args: PostmanArgs, out: &mut dyn Write) -> Result<i32> {
    let mut files = vec![args.input.clone()];
    files.extend(args.key.clone());
    let bundle = input::load_many(&files)?;
    let (_, sk) = bundle.service_keys.first().ok_or_else(|| {
        Error::input(format!(
            "{}: not a service key (no tokenurl to call)",
            sanitize(&args.input)
        ))
    })?;
    let need = |v: &Option<String>, f: &str| -> Result<String> {
        v.clone().ok_or_else(|| {
            Error::input(format!(
                "{}: the service key has no '{f}'",
                sanitize(&args.input)
            ))
        })
    };
    let tokenurl = need(&sk.tokenurl, "tokenurl")?;
    let url = need(&sk.url, "url")?;
    let clientid = need(&sk.clientid, "clientid")?;
    let kind = sk.kind;
    let secret = sk.clientsecret.clone();
    let path = args
        .path
        .clone()
        .unwrap_or_else(|| default_path(&url).to_string());
    let endpoint = format!(
        "{}/{}",
        url.trim_end_matches('/'),
        path.trim_start_matches('/')
    );
    let method = args
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

    let dir = &args.out_dir;
    let abs_dir = if dir.is_absolute() {
        dir.clone()
    } else {
        std::env::current_dir()
            .map_err(|e| Error::io(".", e))?
            .join(dir)
    };
    let mut plan = Vec::new();
    let auth = match (&kind, &secret) {
        (KeyKind::ClientSecret, Some(s)) => TokenAuth::Basic { secret: s.expose() },
        _ => TokenAuth::ClientCertificate,
    };
    let spec = CollectionSpec {
        name: "btpcert: token and call",
        clientid: &clientid,
        tokenurl: &tokenurl,
        endpoint: endpoint.clone(),
        method: &method,
        auth,
    };
    let coll = serde_json::to_string_pretty(&collection(&spec)).expect("JSON value") + "\n";

    let mut chain_len = 0;
    if kind == KeyKind::ClientSecret {
        // The collection holds the secret.
        plan.push(Planned::secret(dir.join(COLLECTION), coll));
    } else {
        let secrets = super::args::CliSecrets::new(&args.store.password)
            .with_key_password(&args.source.key_password);
        let id = crate::ops::identity::key_and_chain(bundle, &args.source.options(), &secrets)?;
        for n in &id.notes {
            super::note(n);
        }
        let (key, chain) = (id.key, id.chain);
        chain_len = chain.len();
        for name in [
            "client.crt",
            "client.key",
            "client.pfx",
            COLLECTION,
            CERT_LIST,
        ] {
            let p = dir.join(name);
            if !args.force.force && p.exists() {
                return Err(Error::input(format!(
                    "{}: already exists (use --force to overwrite it)",
                    p.display()
                )));
            }
        }
        let mut notes = Vec::new();
        let pw = args.store.options().password(
            &format!("passphrase for {}", dir.join("client.pfx").display()),
            crate::secret::Purpose::Create,
            &secrets,
            &mut notes,
        )?;
        for n in &notes {
            super::note(n);
        }
        let profile: Profile = args.store.profile.into();
        let pfx = build_keystore(&key, &chain, "client", profile, &pw)?;
        let pkcs8 = key.to_pkcs8()?;
        let crt: String = chain.iter().map(Cert::to_pem).collect();
        let origins: Vec<String> = [origin(&tokenurl), origin(&url)]
            .into_iter()
            .flatten()
            .collect();
        let list = newman_cert_list(
            &origins,
            &path_str(&abs_dir.join("client.crt")),
            &path_str(&abs_dir.join("client.key")),
        );
        plan.push(Planned::public(dir.join("client.crt"), crt));
        plan.push(Planned::secret(dir.join("client.key"), pkcs8.to_pem()));
        plan.push(Planned::secret(dir.join("client.pfx"), pfx));
        plan.push(Planned::public(dir.join(COLLECTION), coll));
        plan.push(Planned::public(
            dir.join(CERT_LIST),
            serde_json::to_string_pretty(&list).expect("JSON value") + "\n",
        ));
    }
    write_all(&plan, args.force.force)?;

    let d = sanitize(&path_str(dir)).into_owned();
    let host = crate::sap::servicekey::url_host(&tokenurl).unwrap_or_default();
    if kind == KeyKind::ClientSecret {
        writeln!(
            out,
            "Wrote {d}/{COLLECTION} (mode 0600: it holds the client secret)"
        )?;
        writeln!(
            out,
            "Postman: import it and send \"1. Get token\" (HTTP Basic), then \"2. Call endpoint\"."
        )?;
        writeln!(out, "newman:  newman run {d}/{COLLECTION}")?;
    } else {
        writeln!(out, "Wrote {d}/: client.crt ({chain_len} certificates, leaf first), client.key (PKCS#8, 0600), client.pfx (0600), {COLLECTION}, {CERT_LIST}")?;
        writeln!(out, "Postman:")?;
        writeln!(out, "  1. Settings > Certificates > Add certificate")?;
        writeln!(out, "       Host      {}", sanitize(&host))?;
        writeln!(
            out,
            "       PFX file  {d}/client.pfx, with the passphrase you chose"
        )?;
        writeln!(
            out,
            "       (or CRT file {d}/client.crt and KEY file {d}/client.key)"
        )?;
        writeln!(
            out,
            "  2. Import {d}/{COLLECTION}; send \"1. Get token\", then \"2. Call endpoint\""
        )?;
        writeln!(out, "newman:")?;
        writeln!(
            out,
            "  newman run {d}/{COLLECTION} --ssl-client-cert-list {d}/{CERT_LIST}"
        )?;
    }
    writeln!(out, "Endpoint: {method} {}", sanitize(&endpoint))?;
    if args.path.is_none() && path == "/http/" {
        writeln!(
            out,
            "  (a placeholder: give your integration flow's path with --path /http/...)"
        )?;
    }
    Ok(EXIT_OK)
}
