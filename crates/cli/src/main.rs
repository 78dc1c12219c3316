//! The `rtbcat` binary: one command for the web app, imports, demo data and administration.

mod bidder;
mod google;
mod platform;
mod popups;

use anyhow::{bail, Context, Result};
use bidder::{DemoArgs, ImportCommand};
use clap::{Parser, Subcommand};
use platform::{TokenCommand, UserCommand};
use popups::PopupCommand;
use rtbcat_app::{Clock, Config, SystemClock};
use std::collections::HashMap;
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
    /// Buyer seats on Google Authorized Buyers.
    #[command(subcommand)]
    Seats(google::SeatsCommand),
    /// Sync creatives from Google's Real-time Bidding API (every discovered seat, or one).
    Sync {
        /// Only this seat (buyer account id).
        #[arg(long)]
        seat: Option<String>,
        /// One JSON line per seat.
        #[arg(long)]
        json: bool,
    },
    /// Pretargeting configs: list, dry-run diff and propose, apply, roll back.
    #[command(subcommand)]
    Pretargeting(google::PretargetingCommand),
    /// Development tools (a fake Google to try live sync without an account).
    #[command(subcommand)]
    Dev(google::DevCommand),
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

fn load_config(file: Option<&PathBuf>) -> Result<Config> {
    let env: HashMap<String, String> = std::env::vars().collect();
    let home = std::env::var_os("HOME").map(PathBuf::from);
    Ok(Config::load(file.map(|p| p.as_path()), &env, home.as_deref())?)
}

#[tokio::main]
async fn main() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,refinery_core=warn,tokio_postgres=warn".into());
    // RTBCAT_LOG_FORMAT=json: one JSON object a line, with the request's id and route from
    // its span, for a log shipper. Otherwise text for people.
    if std::env::var("RTBCAT_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json")) {
        tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init();
    } else {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init();
    }
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
        Command::Demo(args) => bidder::demo(config, clock, args).await,
        Command::Import(command) => bidder::import(config, clock, command).await,
        Command::Seats(command) => google::seats(config, clock, command).await,
        Command::Sync { seat, json } => google::sync(config, clock, seat, json).await,
        Command::Dev(command) => google::dev(command).await,
        Command::Pretargeting(command) => google::pretargeting(config, clock, command).await,
        Command::User(command) => platform::user(config, clock, command).await,
        Command::Token(command) => platform::token(config, clock, command).await,
        Command::Popup(command) => popups::popup(config, clock, command).await,
        Command::Migrate => {
            let store = open_store(&config).await?;
            let health = rtbcat_app::platform::system::health(&store).await?;
            println!("schema is at version {} ({:?})", health.schema_version, health.backend);
            Ok(())
        }
        Command::Backup { file } => backup(&config, &file),
    }
}

pub(crate) async fn open_store(config: &Config) -> Result<rtbcat_app::SharedStore> {
    rtbcat_app::open_store(config.database_url.expose())
        .await
        .with_context(|| format!("opening database {:?}", config.database_url))
}

async fn serve(config: Config, clock: Arc<dyn Clock>) -> Result<()> {
    let store = open_store(&config).await?;
    let users = store.count_users().await?;
    let addr = config.listen_addr.clone();
    let state = rtbcat_web::AppState::new(store, config, clock).await?;
    state.start_alert_schedule();
    state.start_sync_schedule();
    state.start_report_schedule();
    state.start_listing_warmup();
    if let Some(metrics_addr) = state.config.metrics_addr.clone() {
        let bound = state
            .serve_metrics(&metrics_addr)
            .await
            .with_context(|| format!("listening for metrics on {metrics_addr}"))?;
        println!("metrics on http://{bound}/metrics");
    }
    let setup_path = state.setup_path();
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
    let pages = rtbcat_app::platform::system::backup_sqlite(&source, file)?;
    println!(
        "backed up {} ({pages} pages) to {} in {:.2}s",
        source.display(),
        file.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
