//! Who may do what.

use serde::{Deserialize, Serialize};

/// A user's role. Each role can do everything the one below it can.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads everything, changes nothing.
    Viewer,
    /// Imports data and edits offers and campaigns.
    Editor,
    /// Manages users and settings too.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        match text.trim().to_ascii_lowercase().as_str() {
            "viewer" => Some(Role::Viewer),
            "editor" => Some(Role::Editor),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    /// True when this role may do what `required` may.
    pub fn allows(self, required: Role) -> bool {
        self >= required
    }
}

/// A plausible email address: one `@`, something on each side, a dot in the domain.
/// Deliverability is not our business; typos like `jen@rtbcat` are.
pub fn validate_email(email: &str) -> Result<String, &'static str> {
    let email = email.trim().to_lowercase();
    let (local, domain) = email.split_once('@').ok_or("must contain @")?;
    if local.is_empty() || domain.is_empty() || domain.contains('@') {
        return Err("must look like name@example.com");
    }
    if !domain.contains('.') || domain.starts_with('.') || domain.ends_with('.') {
        return Err("the domain must contain a dot, e.g. example.com");
    }
    if email.len() > 254 || email.chars().any(char::is_whitespace) {
        return Err("must be at most 254 characters without spaces");
    }
    Ok(email)
}

/// Minimum password rules: long enough to resist guessing, not so strict people write them down.
pub fn validate_password(password: &str) -> Result<(), &'static str> {
    if password.chars().count() < 10 {
        return Err("must be at least 10 characters");
    }
    if password.len() > 1024 {
        return Err("must be at most 1024 bytes");
    }
    Ok(())
}

/// Failed sign-ins one account may have in a row before it is made to wait.
pub const FREE_LOGIN_FAILURES: u32 = 5;
/// The first wait, doubled with each further failure, up to [`MAX_LOGIN_LOCK_SECONDS`].
pub const FIRST_LOGIN_LOCK_SECONDS: i64 = 30;
pub const MAX_LOGIN_LOCK_SECONDS: i64 = 15 * 60;

/// How long an account waits after `failures` failed sign-ins in a row: nothing for the
/// first few, then 30 s, 60 s, 2 min… up to 15 min. Per account, whatever the address,
/// so spreading a guessing attack over many addresses does not help it.
pub fn login_lock_seconds(failures: u32) -> i64 {
    match failures.checked_sub(FREE_LOGIN_FAILURES) {
        None => 0,
        Some(extra) => FIRST_LOGIN_LOCK_SECONDS
            .saturating_mul(1i64 << extra.min(20))
            .min(MAX_LOGIN_LOCK_SECONDS),
    }
}

/// A label for an API token: printable, at most 100 characters.
pub fn validate_token_label(label: &str) -> Result<String, &'static str> {
    let label = label.trim();
    if label.chars().count() > 100 {
        return Err("must be at most 100 characters");
    }
    if label.chars().any(char::is_control) {
        return Err("must not contain control characters");
    }
    Ok(label.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_waits_grow_after_the_free_failures() {
        for failures in 0..FREE_LOGIN_FAILURES {
            assert_eq!(login_lock_seconds(failures), 0);
        }
        assert_eq!(login_lock_seconds(5), 30);
        assert_eq!(login_lock_seconds(6), 60);
        assert_eq!(login_lock_seconds(7), 120);
        assert_eq!(login_lock_seconds(10), MAX_LOGIN_LOCK_SECONDS);
        assert_eq!(login_lock_seconds(u32::MAX), MAX_LOGIN_LOCK_SECONDS);
    }

    #[test]
    fn token_labels() {
        assert_eq!(validate_token_label(" ci deploy "), Ok("ci deploy".to_string()));
        assert!(validate_token_label(&"x".repeat(101)).is_err());
        assert!(validate_token_label("a\nb").is_err());
    }

    #[test]
    fn roles_are_ordered() {
        assert!(Role::Admin.allows(Role::Editor));
        assert!(Role::Editor.allows(Role::Viewer));
        assert!(!Role::Viewer.allows(Role::Editor));
        assert!(!Role::Editor.allows(Role::Admin));
        for role in [Role::Viewer, Role::Editor, Role::Admin] {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn emails() {
        assert_eq!(validate_email(" Jen@RTB.cat "), Ok("jen@rtb.cat".to_string()));
        for bad in [
            "",
            "jen",
            "jen@",
            "@rtb.cat",
            "jen@rtbcat",
            "a@b@c.com",
            "j en@rtb.cat",
            "jen@rtb.cat.",
        ] {
            assert!(validate_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords() {
        assert!(validate_password("short").is_err());
        assert!(validate_password("long enough!").is_ok());
    }
}
