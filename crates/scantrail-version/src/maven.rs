//! Maven artifact versions, ordered as Maven 3's `ComparableVersion` orders them (the
//! "Version Order Specification" of the POM reference, <https://maven.apache.org/pom.html>).
//!
//! A version is split into items at `.`, at `-` and at every change between digits and letters.
//! `-` and a digit/letter change open a nested list, so `1-1` is `[1, [1]]`. Trailing zeros and
//! release qualifiers are dropped from each list, so `1.0.0 == 1 == 1-ga`.

use std::cmp::Ordering;

use crate::{VersionError, VersionScheme};

/// Maven versions (`2.17.1`, `5.3.39.RELEASE`, `32.1.3-jre`, `1.0-SNAPSHOT`).
///
/// Qualifiers are compared case-insensitively in this order: `alpha` (`a1`) < `beta` (`b1`) <
/// `milestone` (`m1`) < `rc` = `cr` < `snapshot` < release (no qualifier, `ga`, `final`,
/// `release`) < `sp`, then every other qualifier in lexical order, so `1.0.RELEASE` and `1-jre`
/// sort as releases and `1-jre` sorts after `1-sp`. Numbers sort after qualifiers at the same
/// position, so `1-xyz < 1-1`.
///
/// Every string is a valid Maven version, as in Maven itself, except the empty string.
///
/// NOTE: this follows Maven 3.8. Maven 3.9 and 4 changed a few rare cases (MNG-7644), such as
/// `2.0.a`, which Maven 3.9 orders equal to `2-a` and this scheme orders after `2-1`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Maven;

const NAME: &str = "maven";

/// Qualifiers with a fixed rank, lowest first. The release qualifier is the empty string.
const QUALIFIERS: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];

/// The rank of the release qualifier (`""`) in [`QUALIFIERS`].
const RELEASE_RANK: usize = 5;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Item {
    /// A digit run without leading zeros (`"0"` is stored as `""`).
    Number(String),
    /// A lowercase qualifier after alias expansion (`cr` → `rc`, `ga` → `""`).
    Qualifier(String),
    List(Vec<Item>),
}

impl VersionScheme for Maven {
    fn name(&self) -> &'static str {
        NAME
    }

    fn validate(&self, version: &str) -> Result<(), VersionError> {
        if version.trim().is_empty() {
            return Err(VersionError::invalid(
                NAME,
                version,
                "version string is empty",
            ));
        }
        Ok(())
    }

    fn compare(&self, a: &str, b: &str) -> Result<Ordering, VersionError> {
        self.validate(a)?;
        self.validate(b)?;
        Ok(compare_lists(&parse(a), &parse(b)))
    }
}

/// Parses a version into its item list, as `ComparableVersion.parseVersion` does.
fn parse(version: &str) -> Vec<Item> {
    let version = version.trim().to_lowercase();
    let chars: Vec<char> = version.chars().collect();

    // `stack[0]` is the top-level list and every `-` or digit/letter change pushes a nested
    // list that stays open until the end of the version.
    let mut stack: Vec<Vec<Item>> = vec![Vec::new()];
    let mut is_digit = false;
    let mut start = 0;

    for (index, &c) in chars.iter().enumerate() {
        let current = stack
            .last_mut()
            .expect("the stack always holds the top-level list");
        if c == '.' || c == '-' {
            if index == start {
                current.push(Item::Number(String::new()));
            } else {
                current.push(parse_item(is_digit, &chars[start..index]));
            }
            start = index + 1;
            if c == '-' {
                stack.push(Vec::new());
            }
        } else if c.is_ascii_digit() {
            if !is_digit && index > start {
                current.push(qualifier(&chars[start..index], true));
                start = index;
                stack.push(Vec::new());
            }
            is_digit = true;
        } else {
            if is_digit && index > start {
                current.push(parse_item(true, &chars[start..index]));
                start = index;
                stack.push(Vec::new());
            }
            is_digit = false;
        }
    }
    if chars.len() > start {
        let current = stack
            .last_mut()
            .expect("the stack always holds the top-level list");
        current.push(parse_item(is_digit, &chars[start..]));
    }

    // Close the nested lists from the innermost out, normalizing each and appending it to its
    // parent at the position where it was opened, which is always the end.
    while stack.len() > 1 {
        let mut list = stack.pop().expect("more than one list");
        normalize(&mut list);
        stack
            .last_mut()
            .expect("the parent list")
            .push(Item::List(list));
    }
    let mut top = stack.pop().expect("the top-level list");
    normalize(&mut top);
    top
}

fn parse_item(is_digit: bool, chars: &[char]) -> Item {
    if is_digit {
        let digits: String = chars.iter().collect();
        Item::Number(digits.trim_start_matches('0').to_string())
    } else {
        qualifier(chars, false)
    }
}

/// Builds a qualifier item. `a`, `b` and `m` directly followed by a digit stand for `alpha`,
/// `beta` and `milestone`.
fn qualifier(chars: &[char], followed_by_digit: bool) -> Item {
    let text: String = chars.iter().collect();
    let expanded = match text.as_str() {
        "a" if followed_by_digit => "alpha",
        "b" if followed_by_digit => "beta",
        "m" if followed_by_digit => "milestone",
        "cr" => "rc",
        "ga" | "final" | "release" => "",
        other => other,
    };
    Item::Qualifier(expanded.to_string())
}

/// Removes trailing null items (zeros, release qualifiers, empty lists) from the end of a list,
/// looking past nested lists, as `ListItem.normalize` does.
fn normalize(list: &mut Vec<Item>) {
    let mut index = list.len();
    while index > 0 {
        index -= 1;
        if is_null(&list[index]) {
            list.remove(index);
        } else if !matches!(list[index], Item::List(_)) {
            break;
        }
    }
}

fn is_null(item: &Item) -> bool {
    match item {
        Item::Number(digits) => digits.is_empty(),
        Item::Qualifier(text) => text.is_empty(),
        Item::List(items) => items.is_empty(),
    }
}

/// Returns the sort key of a qualifier: its rank for known ones, and the rank after every known
/// qualifier followed by its text for the others, compared as strings as Maven does.
fn qualifier_key(text: &str) -> String {
    match QUALIFIERS.iter().position(|known| *known == text) {
        Some(rank) => rank.to_string(),
        None => format!("{}-{text}", QUALIFIERS.len()),
    }
}

/// Compares `item` with a missing item (the other version ended), as `Item.compareTo(null)`.
fn compare_with_missing(item: &Item) -> Ordering {
    match item {
        Item::Number(digits) => {
            if digits.is_empty() {
                Ordering::Equal
            } else {
                Ordering::Greater
            }
        }
        Item::Qualifier(text) => qualifier_key(text).cmp(&RELEASE_RANK.to_string()),
        // Every item of the list decides in turn, so `1-0.alpha < 1` (MNG-6964).
        Item::List(items) => items
            .iter()
            .map(compare_with_missing)
            .find(|ordering| *ordering != Ordering::Equal)
            .unwrap_or(Ordering::Equal),
    }
}

fn compare_items(left: &Item, right: &Item) -> Ordering {
    match (left, right) {
        (Item::Number(a), Item::Number(b)) => a.len().cmp(&b.len()).then_with(|| a.cmp(b)),
        (Item::Number(_), _) => Ordering::Greater,
        (Item::Qualifier(_), Item::Number(_)) => Ordering::Less,
        (Item::Qualifier(a), Item::Qualifier(b)) => qualifier_key(a).cmp(&qualifier_key(b)),
        (Item::Qualifier(_), Item::List(_)) => Ordering::Less,
        (Item::List(_), Item::Number(_)) => Ordering::Less,
        (Item::List(_), Item::Qualifier(_)) => Ordering::Greater,
        (Item::List(a), Item::List(b)) => compare_lists(a, b),
    }
}

fn compare_lists(left: &[Item], right: &[Item]) -> Ordering {
    let length = left.len().max(right.len());
    for index in 0..length {
        let ordering = match (left.get(index), right.get(index)) {
            (Some(l), Some(r)) => compare_items(l, r),
            (Some(l), None) => compare_with_missing(l),
            (None, Some(r)) => compare_with_missing(r).reverse(),
            (None, None) => Ordering::Equal,
        };
        if ordering != Ordering::Equal {
            return ordering;
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(digits: &str) -> Item {
        Item::Number(digits.to_string())
    }

    #[test]
    fn parse_nests_at_hyphen_and_transition() {
        assert_eq!(parse("1.0.0"), vec![number("1")]);
        assert_eq!(
            parse("1-1"),
            vec![number("1"), Item::List(vec![number("1")])]
        );
        assert_eq!(
            parse("1.0alpha1"),
            vec![
                number("1"),
                Item::List(vec![
                    Item::Qualifier("alpha".into()),
                    Item::List(vec![number("1")])
                ])
            ]
        );
    }

    #[test]
    fn qualifier_aliases_expand() {
        assert_eq!(qualifier(&['a'], true), Item::Qualifier("alpha".into()));
        assert_eq!(qualifier(&['a'], false), Item::Qualifier("a".into()));
        assert_eq!(qualifier(&['c', 'r'], false), Item::Qualifier("rc".into()));
        assert_eq!(
            qualifier(&['g', 'a'], false),
            Item::Qualifier(String::new())
        );
    }
}
