//! `os-release` files: which distribution and release an image is built on.
//!
//! The format is a list of `KEY=value` assignments in shell syntax, as os-release(5) describes.

use scantrail_image::FileTree;
use scantrail_model::OsRelease;

/// The two locations os-release(5) defines, in the order they are read. `etc/os-release` is
/// often a symlink to `../usr/lib/os-release`.
const OS_RELEASE_PATHS: [&str; 2] = ["etc/os-release", "usr/lib/os-release"];

/// The `ID` that os-release(5) defines as the default when the file sets none.
const DEFAULT_ID: &str = "linux";

/// The parsed fields of an os-release file, with `ID_LIKE` that catalogers need but
/// [`OsRelease`] does not store.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct OsReleaseFields {
    pub release: OsRelease,
    /// `ID_LIKE`: the IDs of the distributions this one derives from, closest first.
    pub id_like: Vec<String>,
}

impl OsReleaseFields {
    /// Returns whether the distribution is `id` or derives from it.
    pub fn is_like(&self, id: &str) -> bool {
        self.release.id == id || self.id_like.iter().any(|like| like == id)
    }
}

pub(crate) fn wants(path: &str) -> bool {
    OS_RELEASE_PATHS.contains(&path)
}

/// Reads the operating system of the image from `etc/os-release`, or from `usr/lib/os-release`
/// when the first is missing or was not captured.
pub fn os_release(files: &FileTree) -> Option<OsRelease> {
    read_fields(files).map(|fields| fields.release)
}

pub(crate) fn read_fields(files: &FileTree) -> Option<OsReleaseFields> {
    let content = OS_RELEASE_PATHS.iter().find_map(|path| files.read(path))?;
    Some(parse(&String::from_utf8_lossy(content)))
}

/// Parses the content of an os-release file. Lines that are not assignments are ignored.
pub(crate) fn parse(text: &str) -> OsReleaseFields {
    let mut fields = OsReleaseFields::default();
    let mut id = None;

    for line in text.lines() {
        let Some((key, value)) = parse_assignment(line) else {
            continue;
        };
        let value = Some(value).filter(|value| !value.is_empty());
        match key {
            "ID" => id = value,
            "VERSION_ID" => fields.release.version_id = value,
            "VERSION_CODENAME" => fields.release.version_codename = value,
            "PRETTY_NAME" => fields.release.pretty_name = value,
            "ID_LIKE" => fields.id_like = value.unwrap_or_default().split_whitespace().map(str::to_string).collect(),
            _ => {}
        }
    }

    fields.release.id = id.unwrap_or_else(|| DEFAULT_ID.to_string());
    fields
}

/// Splits `KEY=value` into the key and the unquoted value. Returns `None` for blank lines,
/// comments and lines whose key is not a shell variable name.
fn parse_assignment(line: &str) -> Option<(&str, String)> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }

    let (key, value) = line.split_once('=')?;
    let is_name = !key.is_empty()
        && !key.starts_with(|c: char| c.is_ascii_digit())
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !is_name {
        return None;
    }
    Some((key, unquote(value)))
}

/// Removes shell quoting from one word: `'…'` is literal, `"…"` honors the backslash escapes
/// `\"`, `\\`, `\$` and `` \` ``, and outside quotes a backslash escapes any character.
/// Unquoted whitespace ends the word as in `sh`, which also drops a trailing ` # comment`.
fn unquote(word: &str) -> String {
    #[derive(PartialEq)]
    enum Quote {
        None,
        Single,
        Double,
    }

    let mut value = String::with_capacity(word.len());
    let mut quote = Quote::None;
    let mut chars = word.chars();
    while let Some(c) = chars.next() {
        match (&quote, c) {
            (Quote::None, '\'') => quote = Quote::Single,
            (Quote::None, '"') => quote = Quote::Double,
            (Quote::None, '\\') => value.extend(chars.next()),
            (Quote::None, c) if c.is_whitespace() => break,
            (Quote::Single, '\'') | (Quote::Double, '"') => quote = Quote::None,
            (Quote::Double, '\\') => match chars.next() {
                Some(escaped @ ('"' | '\\' | '$' | '`')) => value.push(escaped),
                Some(other) => {
                    value.push('\\');
                    value.push(other);
                }
                None => value.push('\\'),
            },
            (_, c) => value.push(c),
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unquote_handles_shell_quoting() {
        let cases = [
            ("debian", "debian"),
            ("\"Debian GNU/Linux 12 (bookworm)\"", "Debian GNU/Linux 12 (bookworm)"),
            ("'3.19.1'", "3.19.1"),
            ("\"say \\\"hi\\\" for \\$5\"", "say \"hi\" for $5"),
            ("\"keep \\n as written\"", "keep \\n as written"),
            ("'no \\\" escapes'", "no \\\" escapes"),
            ("unquoted\\ space", "unquoted space"),
            ("\"joined\"'words'", "joinedwords"),
            ("12 # comment", "12"),
            ("a#b", "a#b"),
            ("\"\"", ""),
        ];
        for (word, expected) in cases {
            assert_eq!(unquote(word), expected, "unquoting {word:?}");
        }
    }

    #[test]
    fn parse_assignment_skips_non_assignments() {
        assert_eq!(parse_assignment("# ID=comment"), None);
        assert_eq!(parse_assignment(""), None);
        assert_eq!(parse_assignment("not an assignment"), None);
        assert_eq!(parse_assignment("1ID=x"), None);
        assert_eq!(parse_assignment("  ID=alpine  "), Some(("ID", "alpine".to_string())));
    }

    #[test]
    fn parse_defaults_id_to_linux() {
        let fields = parse("NAME=\"Custom\"\n");
        assert_eq!(fields.release.id, "linux");
    }

    #[test]
    fn parse_reads_id_like_list() {
        let fields = parse("ID=linuxmint\nID_LIKE=\"ubuntu debian\"\n");
        assert_eq!(fields.id_like, vec!["ubuntu".to_string(), "debian".to_string()]);
        assert!(fields.is_like("debian"));
        assert!(!fields.is_like("fedora"));
    }
}
