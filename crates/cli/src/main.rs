//! The `rtbcat` binary: one command for the web app, imports, demo data and administration.

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use rtbcat_app::{Clock, Config, SystemClock};
use rtbcat_core::platform::accounts::Role;
use std::collections::HashMap;
use std::io::Read;
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

#[derive(Parser)]
#[command(
    name = "rtbcat",
    version,
    about = "Self-hosted ad performance platform: creative intelligence for Authorized Buyers bidders, offer popups for publishers."
)]
struct Cli {
    /// TOML configuration file (also RTBCAT_CONFIG). Environment variables override it.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web app and API (UI at /, API docs at /docs).
    Serve {
        /// Address to listen on (also RTBCAT_ADDR).
        #[arg(long)]
        addr: Option<String>,
    },
    /// Fill the database with a realistic synthetic data set (idempotent, deterministic).
    Demo(DemoArgs),
    /// Import data files.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens for scripts.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Offer-popup tools.
    #[command(subcommand)]
    Popup(PopupCommand),
    /// Bring the database schema up to date (also done at every start).
    Migrate,
    /// Copy the SQLite database consistently while rtbcat runs (for PostgreSQL, use pg_dump).
    Backup {
        /// Where to write the copy.
        file: PathBuf,
    },
}

#[derive(Args)]
struct DemoArgs {
    /// Seed for the generator: the same seed gives the same data.
    #[arg(long, default_value_t = rtbcat_app::bidder::demo::DEFAULT_SEED)]
    seed: u64,
    /// How many creatives to generate.
    #[arg(long, default_value_t = rtbcat_app::bidder::demo::DEFAULT_CREATIVES)]
    creatives: usize,
    /// About how many hourly performance rows to generate over the last 30 days.
    #[arg(long, default_value_t = 200_000)]
    rows: usize,
    /// Popup impressions per day across the four demo properties (30 days are written).
    #[arg(long, default_value_t = 15_000)]
    popup_impressions: u64,
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Creatives in the Real-time Bidding API v1 JSON shape: a creatives.list response,
    /// a JSON array, or NDJSON (one creative per line). `-` reads standard input.
    /// A file with any invalid element is rejected whole, each bad element named.
    Creatives {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Performance and traffic reports (CSV, gzip accepted): the seed CSV, Authorized Buyers
    /// performance, funnel, bid-filtering and quality exports, a bidder traffic CSV. The
    /// kind is recognised from the header. Bad rows are skipped and listed; good rows land.
    Performance {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Reject rows for creatives the catalog does not know (default: keep and warn).
        #[arg(long)]
        strict: bool,
    },
}

#[derive(Subcommand)]
enum UserCommand {
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
enum TokenCommand {
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

#[derive(Subcommand)]
enum PopupCommand {
    /// Print signed serve tokens for a property's offer, one per line, each a distinct serve:
    /// what a load test or a crash test posts to /api/impression.
    Tokens {
        #[arg(long)]
        property: String,
        #[arg(long, default_value_t = 1000)]
        count: usize,
    },
}

fn parse_role(text: &str) -> Result<Role, String> {
    Role::parse(text).ok_or_else(|| format!("{text:?} is not a role: use admin, editor or viewer"))
}

fn load_config(file: Option<&PathBuf>) -> Result<Config> {
    let env: HashMap<String, String> = std::env::vars().collect();
    let home = std::env::var_os("HOME").map(PathBuf::from);
    Ok(Config::load(file.map(|p| p.as_path()), &env, home.as_deref())?)
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,refinery_core=warn,tokio_postgres=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    if let Err(err) = run(Cli::parse()).await {
        eprintln!("error: {err:#}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> Result<()> {
    let mut config = load_config(cli.config.as_ref())?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    match cli.command {
        Command::Serve { addr } => {
            if let Some(addr) = addr {
                config.listen_addr = addr;
            }
            serve(config, clock).await
        }
        Command::Demo(args) => demo(config, clock, args).await,
        Command::Import(ImportCommand::Creatives { files, json }) => import_creatives(config, clock, files, json).await,
        Command::Import(ImportCommand::Performance { files, json, strict }) => {
            import_performance(config, clock, files, json, strict).await
        }
        Command::User(UserCommand::Add { email, role }) => {
            let store = open_store(&config).await?;
            let password = read_password()?;
            let user =
                rtbcat_app::platform::accounts::create_user(&store, &email, &password, role, "cli", clock.unix())
                    .await?;
            println!("added {} ({})", user.email, user.role.as_str());
            Ok(())
        }
        Command::User(UserCommand::List) => {
            let store = open_store(&config).await?;
            println!("{:<6} {:<40} {:<8} status", "id", "email", "role");
            for user in rtbcat_app::platform::accounts::list_users(&store).await? {
                let status = if user.disabled { "disabled" } else { "active" };
                println!("{:<6} {:<40} {:<8} {status}", user.id, user.email, user.role.as_str());
            }
            Ok(())
        }
        Command::User(UserCommand::Set {
            email,
            role,
            disable,
            enable,
        }) => {
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
        Command::User(UserCommand::Password { email }) => {
            let password = read_password()?;
            let change = rtbcat_app::platform::accounts::AccountChange {
                password: Some(password),
                ..Default::default()
            };
            change_account(&config, clock, &email, change).await
        }
        Command::Token(TokenCommand::Create {
            email,
            label,
            scope,
            expires_days,
        }) => {
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
        Command::Token(TokenCommand::List { email }) => {
            let store = open_store(&config).await?;
            let tokens = rtbcat_app::platform::accounts::list_api_tokens(&store, email.as_deref()).await?;
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
        Command::Token(TokenCommand::Revoke { id }) => {
            let store = open_store(&config).await?;
            let revoked =
                rtbcat_app::platform::accounts::revoke_api_token(&store, id, None, "cli", clock.unix()).await?;
            println!("revoked token {id} ({}) of {}", revoked.label, revoked.user_email);
            Ok(())
        }
        Command::Popup(PopupCommand::Tokens { property, count }) => {
            let store = open_store(&config).await?;
            let found = rtbcat_app::popups::properties::list(&store)
                .await?
                .into_iter()
                .find(|p| p.code == property)
                .with_context(|| format!("no property has the code {property:?}"))?;
            let (writer, _task) = rtbcat_app::popups::tracking::EventWriter::start(store.clone(), 1);
            let tracking = rtbcat_app::popups::tracking::Tracking::new(store, clock, writer).await?;
            let tokens = tracking.load_test_tokens(&found, count).await?;
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            for token in tokens {
                writeln!(out, "{token}")?;
            }
            out.flush()?;
            Ok(())
        }
        Command::Migrate => {
            let store = open_store(&config).await?;
            let health = store.health().await?;
            println!("schema is at version {} ({:?})", health.schema_version, health.backend);
            Ok(())
        }
        Command::Backup { file } => backup(&config, &file),
    }
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

async fn open_store(config: &Config) -> Result<rtbcat_store::SharedStore> {
    rtbcat_store::open(config.database_url.expose())
        .await
        .with_context(|| format!("opening database {:?}", config.database_url))
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

async fn serve(config: Config, clock: Arc<dyn Clock>) -> Result<()> {
    let store = open_store(&config).await?;
    let users = store.count_users().await?;
    let addr = config.listen_addr.clone();
    let state = rtbcat_web::AppState::new(store, config, clock).await?;
    let setup_path = state.setup_link("");
    let app = rtbcat_web::App::bind(&addr, state)
        .await
        .with_context(|| format!("listening on {addr}"))?;
    let local = app.local_addr()?;
    println!("rtbcat {} listening on http://{local}", env!("CARGO_PKG_VERSION"));
    if users == 0 {
        println!("no account yet: open http://{local}/setup to create the first administrator");
        // Reached through a host name (not an address), setup needs this one-time link: a
        // page on another site that rebinds its name to this server cannot know it.
        println!("through a host name instead, open {setup_path} on it (a one-time link)");
    }
    println!("API docs: http://{local}/docs");
    app.run(shutdown_signal()).await?;
    println!("rtbcat stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

async fn demo(config: Config, clock: Arc<dyn Clock>, args: DemoArgs) -> Result<()> {
    let store = open_store(&config).await?;
    let started = Instant::now();
    let report = rtbcat_app::bidder::demo::load(
        &store,
        args.seed,
        args.creatives,
        args.rows,
        &config.buyers_ui_template,
        clock.now(),
    )
    .await?;
    let catalog = &report.catalog;
    println!(
        "demo creatives: {} ({} new, {} updated, {} unchanged) over seats {}",
        catalog.creatives,
        catalog.inserted,
        catalog.updated,
        catalog.unchanged,
        catalog.seats.join(", ")
    );
    println!(
        "demo performance: {} hourly rows over 30 days and {} traffic rows ({} new, {} replaced); {:.2}s",
        report.performance_rows,
        report.traffic_rows,
        report.performance_inserted,
        report.performance_updated,
        started.elapsed().as_secs_f64()
    );
    let popups = rtbcat_app::popups::demo::load(&store, args.seed, args.popup_impressions, clock.now()).await?;
    println!(
        "demo popups: {} properties, {} offers, 30 days: {} impressions, {} clicks, {} conversions ({} events written); {:.2}s",
        popups.properties,
        popups.offers,
        popups.impressions,
        popups.clicks,
        popups.conversions,
        popups.events_written,
        started.elapsed().as_secs_f64()
    );
    if store.count_users().await? == 0 {
        println!("next: `rtbcat serve`, then open /setup to create the first administrator");
    }
    Ok(())
}

async fn import_creatives(config: Config, clock: Arc<dyn Clock>, files: Vec<PathBuf>, json: bool) -> Result<()> {
    let store = open_store(&config).await?;
    let mut failed = false;
    for file in files {
        let started = Instant::now();
        let name = file.display().to_string();
        let text = if name == "-" {
            rtbcat_app::bidder::catalog::read_document(std::io::stdin()).context("reading standard input")?
        } else {
            let opened = std::fs::File::open(&file).with_context(|| format!("opening {name}"))?;
            rtbcat_app::bidder::catalog::read_document(opened).with_context(|| format!("reading {name}"))?
        };
        match rtbcat_app::bidder::catalog::import_creatives(
            &store,
            &text,
            &name,
            "cli",
            &config.buyers_ui_template,
            clock.unix(),
        )
        .await
        {
            Ok(report) => {
                let seconds = started.elapsed().as_secs_f64();
                if json {
                    let mut value = serde_json::to_value(&report)?;
                    value["duration_seconds"] = serde_json::json!(seconds);
                    println!("{value}");
                    continue;
                }
                println!("{name}: {} creatives in {seconds:.3}s", report.creatives);
                println!(
                    "  {:<28} {:>8} {:>8} {:>8} {:>10}",
                    "format", "total", "new", "updated", "unchanged"
                );
                for (format, summary) in &report.by_format {
                    println!(
                        "  {:<28} {:>8} {:>8} {:>8} {:>10}",
                        format, summary.creatives, summary.inserted, summary.updated, summary.unchanged
                    );
                }
                println!(
                    "  {:<28} {:>8} {:>8} {:>8} {:>10}",
                    "all", report.creatives, report.inserted, report.updated, report.unchanged
                );
            }
            Err(rtbcat_app::bidder::catalog::ImportError::Invalid {
                errors, total_errors, ..
            }) => {
                failed = true;
                if json {
                    println!(
                        "{}",
                        serde_json::json!({"source": name, "imported": 0, "total_errors": total_errors, "errors": errors})
                    );
                    continue;
                }
                eprintln!("{name}: rejected, nothing imported — {total_errors} invalid element(s):");
                for error in &errors {
                    eprintln!("  {error}");
                }
                if total_errors > errors.len() {
                    eprintln!("  … and {} more", total_errors - errors.len());
                }
            }
            Err(err) => return Err(err.into()),
        }
    }
    if failed {
        bail!("some files were rejected");
    }
    Ok(())
}

async fn import_performance(
    config: Config,
    clock: Arc<dyn Clock>,
    files: Vec<PathBuf>,
    json: bool,
    strict: bool,
) -> Result<()> {
    use rtbcat_app::bidder::performance::{import_report, ImportOptions, ImportProgress};
    use std::sync::atomic::Ordering;
    let store = open_store(&config).await?;
    let mut any_errors = false;
    for file in files {
        let name = file.display().to_string();
        let total_bytes = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
        let reader: Box<dyn Read + Send> = if name == "-" {
            Box::new(std::io::stdin())
        } else {
            Box::new(std::fs::File::open(&file).with_context(|| format!("opening {name}"))?)
        };
        let progress = Arc::new(ImportProgress::default());
        let bar = (!json && std::io::IsTerminal::is_terminal(&std::io::stderr())).then(|| {
            let bar = indicatif::ProgressBar::new(total_bytes);
            bar.set_style(
                indicatif::ProgressStyle::with_template("{spinner} {prefix} [{bar:30}] {bytes}/{total_bytes} {msg}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            bar.set_prefix(name.clone());
            bar
        });
        let ticker = bar.clone().map(|bar| {
            let progress = progress.clone();
            let started = Instant::now();
            tokio::spawn(async move {
                loop {
                    let rows = progress.rows.load(Ordering::Relaxed);
                    bar.set_position(progress.bytes.load(Ordering::Relaxed));
                    let rate = rows as f64 / started.elapsed().as_secs_f64().max(0.001);
                    bar.set_message(format!("{rows} rows, {rate:.0} rows/s"));
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
            })
        });
        let now = clock.now();
        let options = ImportOptions {
            file_name: name.clone(),
            actor: "cli".into(),
            strict,
            now_unix: now.unix_timestamp(),
            today: now.date(),
        };
        let result = import_report(&store, reader, options, progress).await;
        if let Some(ticker) = ticker {
            ticker.abort();
        }
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        let report = result?;
        any_errors |= report.errors_total > 0;
        if json {
            println!("{}", serde_json::to_string(&report)?);
            continue;
        }
        let seconds = report.duration_ms as f64 / 1000.0;
        println!(
            "{name}: {} — {} rows in {seconds:.2}s ({:.0} rows/s)",
            report.kind_label,
            report.rows_read,
            report.rows_read as f64 / seconds.max(0.001)
        );
        println!(
            "  imported {}, updated {}, skipped {}, warnings {}{}",
            report.imported,
            report.updated,
            report.skipped,
            report.warnings,
            if report.totals_rows > 0 {
                format!(", totals rows ignored {}", report.totals_rows)
            } else {
                String::new()
            }
        );
        if !report.unknown_creatives.is_empty() {
            println!(
                "  not in the catalog yet (kept; they join when the creatives arrive): {}",
                report.unknown_creatives.join(", ")
            );
        }
        for error in &report.errors {
            println!("  {error}");
        }
        if report.errors_total > report.errors.len() as u64 {
            println!("  … and {} more", report.errors_total - report.errors.len() as u64);
        }
    }
    if any_errors {
        eprintln!("some rows were skipped (see above); the good rows were imported");
    }
    Ok(())
}

fn backup(config: &Config, file: &std::path::Path) -> Result<()> {
    let Some(source) = config.sqlite_path() else {
        bail!(
            "backup copies SQLite databases; for PostgreSQL run: pg_dump --format=custom --file={} \"$DATABASE_URL\"",
            file.display()
        );
    };
    if file.exists() {
        bail!("{} exists; choose a new file name", file.display());
    }
    let started = Instant::now();
    let pages = rtbcat_store::backup_sqlite(&source, file)?;
    println!(
        "backed up {} ({pages} pages) to {} in {:.2}s",
        source.display(),
        file.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
