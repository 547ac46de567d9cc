//! Alpine package versions as apk-tools orders them (`src/version.c` of apk-tools 2.x), with
//! one fix described at [`Tokenizer::next_value`].
//!
//! The syntax is Gentoo's: `digits{.digits}{letter}{_suffix{digits}}{-rN}`. A version is read as
//! a sequence of typed tokens, and two versions are compared token by token. When one version
//! runs out first, the longer one is greater unless its next token is a pre-release suffix
//! (`_alpha`, `_beta`, `_pre`, `_rc`), so `1.1_alpha1 < 1.1 < 1.1-r1 < 1.1_p1`.

use std::cmp::Ordering;

use crate::{VersionError, VersionScheme};

/// Alpine package versions (apk), such as `1.36.1-r2` or `3.1.4_git20230201-r0`.
///
/// Validation follows `apk_version_validate`. Comparison follows `apk_version_compare`, which
/// also orders invalid strings (it stops at the first invalid token), but [`VersionScheme`]
/// rejects them so that a typo in an advisory cannot silently match.
///
/// NOTE: digit runs longer than 18 digits saturate at `i64::MAX`, so two such runs that differ
/// only past that point compare equal. apk-tools 2.x overflows a C `int` even earlier.
#[derive(Debug, Clone, Copy, Default)]
pub struct Apk;

const NAME: &str = "apk";

/// Suffixes that sort before the release, in ascending order.
const PRE_SUFFIXES: [&str; 4] = ["alpha", "beta", "pre", "rc"];

/// Suffixes that sort after the release, in ascending order.
const POST_SUFFIXES: [&str; 5] = ["cvs", "svn", "git", "hg", "p"];

/// Token types, ordered as apk-tools orders them: when two versions agree up to the point where
/// one continues with a different token type, the lower type is the greater version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Token {
    Invalid,
    DigitOrZero,
    Digit,
    Letter,
    Suffix,
    SuffixNumber,
    RevisionNumber,
    End,
}

/// A cursor over the bytes of one version string.
struct Tokenizer<'a> {
    rest: &'a [u8],
    next: Token,
}

impl<'a> Tokenizer<'a> {
    fn new(version: &'a str) -> Tokenizer<'a> {
        Tokenizer {
            rest: version.as_bytes(),
            next: Token::Digit,
        }
    }

    /// Reads the value of the token whose type is `self.next` and finds the type of the one
    /// after it, as apk-tools' `get_token` does. Leading zeros of a dotted component count as a
    /// negative value, so `1.01 < 1.1`. A pre-release suffix has a negative value and a
    /// post-release suffix a non-negative one.
    fn next_value(&mut self) -> i64 {
        if self.rest.is_empty() {
            self.next = Token::End;
            return 0;
        }

        let mut length = 0;
        let mut value: i64 = 0;
        let mut following = None;
        match self.next {
            Token::DigitOrZero if self.rest[0] == b'0' => {
                length = self.rest.iter().take_while(|&&byte| byte == b'0').count();
                value = -(length as i64);
                // apk-tools 2.x reads the next token as a number even when a separator follows
                // the zeros, so it orders `1.0_alpha` after `1.0`. Here a number follows only
                // when a digit does, so `1.0_alpha < 1.0` like `1.1_alpha < 1.1`.
                if self.rest.get(length).is_some_and(u8::is_ascii_digit) {
                    following = Some(Token::Digit);
                } else {
                    self.next = Token::Digit;
                }
            }
            Token::DigitOrZero | Token::Digit | Token::SuffixNumber | Token::RevisionNumber => {
                while length < self.rest.len() && self.rest[length].is_ascii_digit() {
                    let digit = i64::from(self.rest[length] - b'0');
                    value = value.saturating_mul(10).saturating_add(digit);
                    length += 1;
                }
            }
            Token::Letter => {
                value = i64::from(self.rest[0]);
                length = 1;
            }
            Token::Suffix => match match_suffix(self.rest) {
                Some((suffix_value, suffix_length)) => {
                    value = suffix_value;
                    length = suffix_length;
                }
                None => {
                    self.next = Token::Invalid;
                    return -1;
                }
            },
            Token::Invalid | Token::End => {
                self.next = Token::Invalid;
                return -1;
            }
        }

        self.rest = &self.rest[length..];
        if self.rest.is_empty() {
            self.next = Token::End;
        } else if let Some(following) = following {
            self.next = following;
        } else {
            self.advance_type();
        }
        value
    }

    /// Finds the type of the next token from its first byte and consumes a separator (`.`,
    /// `_`, `-r`), as apk-tools' `next_token` does.
    fn advance_type(&mut self) {
        let current = self.next;
        let first = self.rest[0];
        let mut next = Token::Invalid;

        if matches!(current, Token::Digit | Token::DigitOrZero) && first.is_ascii_lowercase() {
            next = Token::Letter;
        } else if current == Token::Letter && first.is_ascii_digit() {
            next = Token::Digit;
        } else if current == Token::Suffix && first.is_ascii_digit() {
            next = Token::SuffixNumber;
        } else {
            match first {
                b'.' => next = Token::DigitOrZero,
                b'_' => next = Token::Suffix,
                b'-' if self.rest.get(1) == Some(&b'r') => {
                    next = Token::RevisionNumber;
                    self.rest = &self.rest[1..];
                }
                _ => {}
            }
            self.rest = &self.rest[1..];
        }

        // Token types only move forward, except for the repeatable groups: another dotted
        // number after a number, another suffix after a suffix number, and a number after a letter.
        let allowed_step_back = matches!(
            (next, current),
            (Token::DigitOrZero, Token::Digit)
                | (Token::Suffix, Token::SuffixNumber)
                | (Token::Digit, Token::Letter)
        );
        if next < current && !allowed_step_back {
            next = Token::Invalid;
        }
        self.next = next;
    }
}

/// Returns the value and length of the suffix name at the start of `rest`: `-4..-1` for the
/// pre-release suffixes and `0..4` for the post-release ones.
fn match_suffix(rest: &[u8]) -> Option<(i64, usize)> {
    let pre = PRE_SUFFIXES
        .iter()
        .position(|suffix| rest.starts_with(suffix.as_bytes()));
    if let Some(index) = pre {
        return Some((
            index as i64 - PRE_SUFFIXES.len() as i64,
            PRE_SUFFIXES[index].len(),
        ));
    }
    let post = POST_SUFFIXES
        .iter()
        .position(|suffix| rest.starts_with(suffix.as_bytes()))?;
    Some((post as i64, POST_SUFFIXES[post].len()))
}

/// Returns whether apk-tools accepts `version`.
fn is_valid(version: &str) -> bool {
    let mut tokenizer = Tokenizer::new(version);
    while !matches!(tokenizer.next, Token::End | Token::Invalid) {
        tokenizer.next_value();
    }
    tokenizer.next == Token::End
}

/// Compares two version strings as `apk_version_compare` does, valid or not.
pub(crate) fn compare_apk(a: &str, b: &str) -> Ordering {
    let mut left = Tokenizer::new(a);
    let mut right = Tokenizer::new(b);
    let (mut left_value, mut right_value) = (0, 0);

    while left.next == right.next
        && !matches!(left.next, Token::End | Token::Invalid)
        && left_value == right_value
    {
        left_value = left.next_value();
        right_value = right.next_value();
    }

    if left_value != right_value {
        return left_value.cmp(&right_value);
    }
    if left.next == right.next {
        return Ordering::Equal;
    }

    // The versions agree up to here and one of them goes on. It is the greater one unless what
    // follows is a pre-release suffix.
    if left.next == Token::Suffix && peek_value(&left) < 0 {
        return Ordering::Less;
    }
    if right.next == Token::Suffix && peek_value(&right) < 0 {
        return Ordering::Greater;
    }
    // Otherwise the version whose next token has the lower type is the greater one.
    right.next.cmp(&left.next)
}

/// Returns the value of the next token without consuming it.
fn peek_value(tokenizer: &Tokenizer<'_>) -> i64 {
    let mut copy = Tokenizer {
        rest: tokenizer.rest,
        next: tokenizer.next,
    };
    copy.next_value()
}

impl VersionScheme for Apk {
    fn name(&self) -> &'static str {
        NAME
    }

    fn validate(&self, version: &str) -> Result<(), VersionError> {
        if version.is_empty() {
            return Err(VersionError::invalid(
                NAME,
                version,
                "version string is empty",
            ));
        }
        if !is_valid(version) {
            return Err(VersionError::invalid(
                NAME,
                version,
                "expected digits{.digits}{letter}{_suffix{digits}}{-rN} with suffix alpha, beta, pre, rc, cvs, svn, git, hg or p",
            ));
        }
        Ok(())
    }

    fn compare(&self, a: &str, b: &str) -> Result<Ordering, VersionError> {
        self.validate(a)?;
        self.validate(b)?;
        Ok(compare_apk(a, b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compare_orders_invalid_rows_of_version_data() {
        // The two rows of apk-tools' `test/version.data` with invalid versions.
        assert_eq!(compare_apk("1.0", "1.0bc"), Ordering::Less);
        assert_eq!(compare_apk("23_foo", "4_beta"), Ordering::Greater);
    }

    #[test]
    fn zero_component_before_suffix() {
        assert_eq!(compare_apk("1.0_alpha", "1.0"), Ordering::Less);
        assert_eq!(compare_apk("1.0_p1", "1.0"), Ordering::Greater);
        assert_eq!(compare_apk("1.01", "1.1"), Ordering::Less);
    }
}
