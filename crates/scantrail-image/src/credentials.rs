//! Registry credentials from Docker's `config.json`: `auths`, `credHelpers` and `credsStore`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use base64::Engine as _;
use serde::Deserialize;

use crate::ImageError;

/// A user name and password (or token) for one registry.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials").field("username", &self.username).field("password", &"<redacted>").finish()
    }
}

#[derive(Default, Deserialize)]
struct DockerConfig {
    #[serde(default)]
    auths: std::collections::BTreeMap<String, AuthEntry>,
    #[serde(default, rename = "credHelpers")]
    cred_helpers: std::collections::BTreeMap<String, String>,
    #[serde(default, rename = "credsStore")]
    creds_store: Option<String>,
}

#[derive(Default, Deserialize)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
}

#[derive(Deserialize)]
struct HelperOutput {
    #[serde(rename = "Username")]
    username: String,
    #[serde(rename = "Secret")]
    secret: String,
}

/// Returns Docker's configuration directory: `$DOCKER_CONFIG`, else `~/.docker`.
pub fn docker_config_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("DOCKER_CONFIG").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    std::env::var_os("HOME").filter(|h| !h.is_empty()).map(|home| PathBuf::from(home).join(".docker"))
}

/// Looks up the credentials for `registry` (host and port, `docker.io` for Docker Hub) in
/// `DIR/config.json`. A `credHelpers` entry for the registry wins, then `credsStore`, then the
/// `auths` entry, as in the Docker CLI. A missing file means no credentials.
pub fn lookup(dir: &Path, registry: &str) -> Result<Option<Credentials>, ImageError> {
    let path = dir.join("config.json");
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(ImageError::io(&path, e)),
    };
    let invalid = |reason: String| ImageError::Credentials { path: path.clone(), registry: registry.to_string(), reason };
    let config: DockerConfig = serde_json::from_slice(&bytes).map_err(|e| invalid(format!("invalid JSON: {e}")))?;

    let server = server_url(registry);
    let helper = config.cred_helpers.iter().find(|(key, _)| host_of(key) == host_of(&server)).map(|(_, helper)| helper);
    if let Some(helper) = helper.or(config.creds_store.as_ref()) {
        return run_helper(helper, &server).map_err(invalid);
    }

    let Some(entry) = config.auths.iter().find(|(key, _)| host_of(key) == host_of(&server)).map(|(_, entry)| entry) else {
        return Ok(None);
    };
    if let Some(auth) = entry.auth.as_deref().filter(|a| !a.is_empty()) {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(auth.trim())
            .map_err(|e| invalid(format!("the auths entry's auth is not base64: {e}")))?;
        let decoded = String::from_utf8(decoded).map_err(|_| invalid("the auths entry's auth is not UTF-8".to_string()))?;
        let Some((username, password)) = decoded.split_once(':') else {
            return Err(invalid("the auths entry's auth does not decode to USERNAME:PASSWORD".to_string()));
        };
        return Ok(Some(Credentials { username: username.to_string(), password: password.to_string() }));
    }
    match (&entry.username, &entry.password) {
        (Some(username), Some(password)) => Ok(Some(Credentials { username: username.clone(), password: password.clone() })),
        _ => Ok(None),
    }
}

/// Returns the server URL that Docker stores credentials for `registry` under.
fn server_url(registry: &str) -> String {
    if registry == crate::source::DOCKER_HUB {
        "https://index.docker.io/v1/".to_string()
    } else {
        registry.to_string()
    }
}

/// Returns the host and port of a config key, which may be a bare host or a URL.
fn host_of(key: &str) -> &str {
    let key = key.strip_prefix("https://").or_else(|| key.strip_prefix("http://")).unwrap_or(key);
    key.split('/').next().unwrap_or(key)
}

/// Runs `docker-credential-HELPER get` with the server URL on stdin, as the Docker credential
/// helper protocol defines. A helper without credentials for the server exits non-zero
/// with "credentials not found in native keychain", which means anonymous access.
fn run_helper(helper: &str, server: &str) -> Result<Option<Credentials>, String> {
    let program = format!("docker-credential-{helper}");
    let mut child = Command::new(&program)
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("failed to run credential helper {program}: {e}; install it or remove it from config.json"))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(server.as_bytes()).map_err(|e| format!("failed to write to credential helper {program}: {e}"))?;
    }
    let output = child.wait_with_output().map_err(|e| format!("credential helper {program} failed: {e}"))?;
    if !output.status.success() {
        let message = String::from_utf8_lossy(&output.stdout).trim().to_string() + String::from_utf8_lossy(&output.stderr).trim();
        if message.contains("credentials not found") {
            return Ok(None);
        }
        return Err(format!("credential helper {program} exited with {}: {message}", output.status));
    }
    let parsed: HelperOutput = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("credential helper {program} printed invalid JSON: {e}"))?;
    // NOTE: the user name `<token>` marks an identity token for the OAuth2 refresh flow. That flow
    // is not implemented, so such a token is sent as a password, which most registries reject.
    Ok(Some(Credentials { username: parsed.username, password: parsed.secret }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_auths_entry() {
        let dir = tempfile::tempdir().unwrap();
        let config = r#"{"auths": {"https://registry.example.com/v1/": {"auth": "YWxpY2U6czNjcjN0"},
                          "https://index.docker.io/v1/": {"username": "bob", "password": "pw"}}}"#;
        std::fs::write(dir.path().join("config.json"), config).unwrap();

        let found = lookup(dir.path(), "registry.example.com").unwrap().unwrap();
        assert_eq!(found.username, "alice");
        assert_eq!(found.password, "s3cr3t");
        let hub = lookup(dir.path(), "docker.io").unwrap().unwrap();
        assert_eq!(hub.username, "bob");
        assert!(lookup(dir.path(), "other.example.com").unwrap().is_none());
    }

    #[test]
    fn lookup_missing_helper_is_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.json"), r#"{"credsStore": "scantrail-test-absent"}"#).unwrap();
        let error = lookup(dir.path(), "registry.example.com").unwrap_err().to_string();
        assert!(error.contains("docker-credential-scantrail-test-absent"), "{error}");
    }

    #[test]
    fn lookup_without_config_is_anonymous() {
        let dir = tempfile::tempdir().unwrap();
        assert!(lookup(dir.path(), "registry.example.com").unwrap().is_none());
    }
}
