//! Accounts and API tokens from the command line.

use crate::open_store;
use anyhow::{bail, Context, Result};
use clap::Subcommand;
use rtbcat_app::{Clock, Config};
use rtbcat_core::platform::accounts::Role;
use std::sync::Arc;

#[derive(Subcommand)]
pub enum UserCommand {
    /// Add a user. The password comes from RTBCAT_PASSWORD or standard input.
    Add {
        email: String,
        #[arg(long, value_parser = parse_role, default_value = "viewer")]
        role: Role,
    },
    /// List every account with its role and whether it is disabled.
    List,
    /// Change an account's role, or disable / enable it (disabling ends its sessions and
    /// stops its tokens). The last active administrator cannot be demoted or disabled.
    Set {
        email: String,
        #[arg(long, value_parser = parse_role)]
        role: Option<Role>,
        #[arg(long, conflicts_with = "enable")]
        disable: bool,
        #[arg(long)]
        enable: bool,
    },
    /// Reset an account's password (from RTBCAT_PASSWORD or standard input); its sessions end.
    Password { email: String },
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Create a bearer API token for a user and print it once.
    Create {
        #[arg(long = "user", value_name = "EMAIL")]
        email: String,
        /// What the token is for, shown in lists and the audit log.
        #[arg(long, default_value = "cli")]
        label: String,
        /// The highest role the token acts with (at most the user's; `viewer`: read-only).
        #[arg(long, value_parser = parse_role)]
        scope: Option<Role>,
        /// Days until the token stops working (default: until revoked).
        #[arg(long, value_name = "DAYS")]
        expires_days: Option<i64>,
    },
    /// List tokens (never the tokens themselves): one user's, or everyone's.
    List {
        #[arg(long = "user", value_name = "EMAIL")]
        email: Option<String>,
    },
    /// Revoke a token at once, by the id `token list` shows.
    Revoke { id: i64 },
}

pub(crate) fn parse_role(text: &str) -> Result<Role, String> {
    Role::parse(text).ok_or_else(|| format!("{text:?} is not a role: use admin, editor or viewer"))
}

fn read_password() -> Result<String> {
    if let Ok(password) = std::env::var("RTBCAT_PASSWORD") {
        return Ok(password);
    }
    eprintln!("password (from standard input):");
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    let password = line.trim_end_matches(['\r', '\n']).to_string();
    if password.is_empty() {
        bail!("no password given: set RTBCAT_PASSWORD or pipe it on standard input");
    }
    Ok(password)
}

async fn change_account(
    config: &Config,
    clock: Arc<dyn Clock>,
    email: &str,
    change: rtbcat_app::platform::accounts::AccountChange,
) -> Result<()> {
    let store = open_store(config).await?;
    let id = rtbcat_app::platform::accounts::account_id(&store, email).await?;
    let account = rtbcat_app::platform::accounts::change_account(&store, id, change, "cli", clock.unix()).await?;
    let status = if account.disabled { "disabled" } else { "active" };
    println!("{}: {} ({status})", account.email, account.role.as_str());
    Ok(())
}

pub async fn user(config: Config, clock: Arc<dyn Clock>, command: UserCommand) -> Result<()> {
    match command {
        UserCommand::Add { email, role } => {
            let store = open_store(&config).await?;
            let password = read_password()?;
            let user =
                rtbcat_app::platform::accounts::create_user(&store, &email, &password, role, "cli", clock.unix())
                    .await?;
            println!("added {} ({})", user.email, user.role.as_str());
            Ok(())
        }
        UserCommand::List => {
            let store = open_store(&config).await?;
            println!("{:<6} {:<40} {:<8} status", "id", "email", "role");
            for user in rtbcat_app::platform::accounts::list_users(&store).await? {
                let status = if user.disabled { "disabled" } else { "active" };
                println!("{:<6} {:<40} {:<8} {status}", user.id, user.email, user.role.as_str());
            }
            Ok(())
        }
        UserCommand::Set {
            email,
            role,
            disable,
            enable,
        } => {
            if role.is_none() && !disable && !enable {
                bail!("nothing to change: give --role, --disable or --enable");
            }
            let change = rtbcat_app::platform::accounts::AccountChange {
                role,
                disabled: (disable || enable).then_some(disable),
                password: None,
            };
            change_account(&config, clock, &email, change).await
        }
        UserCommand::Password { email } => {
            let password = read_password()?;
            let change = rtbcat_app::platform::accounts::AccountChange {
                password: Some(password),
                ..Default::default()
            };
            change_account(&config, clock, &email, change).await
        }
    }
}

pub async fn token(config: Config, clock: Arc<dyn Clock>, command: TokenCommand) -> Result<()> {
    match command {
        TokenCommand::Create {
            email,
            label,
            scope,
            expires_days,
        } => {
            let store = open_store(&config).await?;
            let options = rtbcat_app::platform::accounts::TokenOptions {
                label,
                scope,
                expires_in_days: expires_days,
            };
            let created =
                rtbcat_app::platform::accounts::create_api_token(&store, &email, options, "cli", clock.unix()).await?;
            eprintln!(
                "API token {} for {email} (shown once; send it as `Authorization: Bearer <token>`):",
                created.info.id
            );
            println!("{}", created.token);
            Ok(())
        }
        TokenCommand::List { email } => {
            let store = open_store(&config).await?;
            let user_id = match email {
                Some(email) => Some(rtbcat_app::platform::accounts::account_id(&store, &email).await?),
                None => None,
            };
            let tokens = rtbcat_app::platform::accounts::list_api_tokens(&store, user_id).await?;
            println!(
                "{:<6} {:<32} {:<20} {:<8} {:<12} {:<12} last used",
                "id", "user", "label", "scope", "created", "expires"
            );
            let day = |at: Option<i64>| {
                at.and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok())
                    .map_or_else(|| "-".to_string(), |t| t.date().to_string())
            };
            for t in tokens {
                println!(
                    "{:<6} {:<32} {:<20} {:<8} {:<12} {:<12} {}",
                    t.id,
                    t.user_email,
                    t.label,
                    t.scope.map_or("(user's)", Role::as_str),
                    day(Some(t.created_at)),
                    day(t.expires_at),
                    day(t.last_used_at)
                );
            }
            Ok(())
        }
        TokenCommand::Revoke { id } => {
            let store = open_store(&config).await?;
            let revoked =
                rtbcat_app::platform::accounts::revoke_api_token(&store, id, None, "cli", clock.unix()).await?;
            println!("revoked token {id} ({}) of {}", revoked.label, revoked.user_email);
            Ok(())
        }
    }
}
