//! SQL shared by both engines: written once with SQLite's numbered `?N` placeholders (and
//! CAST()s both accept), rewritten for PostgreSQL by [`pg`]; one row mapping over either
//! driver ([`Columns`]).

use crate::{StoreError, StoreResult};

/// Rewrites numbered `?N` placeholders as PostgreSQL's `$N`. Only a `?` followed by a digit,
/// outside string literals, quoted identifiers and comments, is a placeholder: a `?` in a
/// literal or PostgreSQL's jsonb `?` operator is left alone.
pub(crate) fn pg(sql: &str) -> String {
    let bytes = sql.as_bytes();
    let mut out = String::with_capacity(sql.len());
    let mut i = 0;
    let mut copy_from = 0;
    while i < bytes.len() {
        match bytes[i] {
            quote @ (b'\'' | b'"') => {
                i += 1;
                while i < bytes.len() {
                    if bytes[i] == quote {
                        // A doubled quote is an escaped quote inside the literal.
                        if bytes.get(i + 1) == Some(&quote) {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
                i += 1;
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i < bytes.len() && !(bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/')) {
                    i += 1;
                }
                i += 2;
            }
            b'?' if bytes.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                out.push_str(&sql[copy_from..i]);
                out.push('$');
                i += 1;
                copy_from = i;
            }
            _ => i += 1,
        }
    }
    out.push_str(&sql[copy_from.min(sql.len())..]);
    out
}

/// Column access over either driver's row, so each row type is mapped once.
pub(crate) trait Columns {
    /// Any column type both drivers read.
    fn col<T>(&self, i: usize) -> StoreResult<T>
    where
        T: rusqlite::types::FromSql + for<'a> tokio_postgres::types::FromSql<'a>;
}

impl Columns for rusqlite::Row<'_> {
    fn col<T>(&self, i: usize) -> StoreResult<T>
    where
        T: rusqlite::types::FromSql + for<'a> tokio_postgres::types::FromSql<'a>,
    {
        Ok(self.get(i)?)
    }
}

impl Columns for tokio_postgres::Row {
    fn col<T>(&self, i: usize) -> StoreResult<T>
    where
        T: rusqlite::types::FromSql + for<'a> tokio_postgres::types::FromSql<'a>,
    {
        Ok(self.try_get(i)?)
    }
}

/// Lets a shared row mapping ([`Columns`]) run inside rusqlite's row closures.
impl From<StoreError> for rusqlite::Error {
    fn from(err: StoreError) -> Self {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Null, Box::new(err))
    }
}

/// A JSON column's value; text that is not JSON reads as null.
pub(crate) fn json_value(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or(serde_json::Value::Null)
}

/// A list stored as JSON text (property domains, network address allow-lists).
pub(crate) fn json_list(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_postgres_style() {
        assert_eq!(pg("a = ?1 AND b = ?12"), "a = $1 AND b = $12");
    }

    #[test]
    fn question_marks_that_are_not_placeholders_survive() {
        assert_eq!(
            pg("SELECT '?1', \"x?2\" FROM t WHERE a = ?1"),
            "SELECT '?1', \"x?2\" FROM t WHERE a = $1"
        );
        assert_eq!(pg("SELECT 'it''s ?1' WHERE b = ?2"), "SELECT 'it''s ?1' WHERE b = $2");
        assert_eq!(
            pg("SELECT doc ? 'key' FROM t WHERE id = ?1"),
            "SELECT doc ? 'key' FROM t WHERE id = $1"
        );
        assert_eq!(
            pg("SELECT 1 -- ?1 here\nWHERE a = ?2 /* ?3 */"),
            "SELECT 1 -- ?1 here\nWHERE a = $2 /* ?3 */"
        );
        assert_eq!(pg("unterminated '?1"), "unterminated '?1");
    }
}
