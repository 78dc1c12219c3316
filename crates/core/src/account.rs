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

#[cfg(test)]
mod tests {
    use super::*;

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
