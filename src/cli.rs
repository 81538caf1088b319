//! The command line: parse, then hand each command to the module that owns it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::api::Mode;

#[derive(Debug, Parser)]
#[command(
    name = "forgetful",
    version,
    about = "A terminal course on why HTTP APIs forget you, with a live lab",
    long_about = "Run with no command to open the course in the terminal with the lab started beside it.\n\
                  `forgetful serve` runs the same lab headless, for curl from another terminal."
)]
pub struct Cli {
    /// Where progress, logs and the lab's databases live (default: the platform data dir, XDG_DATA_HOME respected).
    #[arg(long, global = true, value_name = "DIR", env = "FORGETFUL_DATA_DIR")]
    pub data_dir: Option<PathBuf>,

    /// A course folder of the same shape as the built-in one (lessons/, problems/).
    #[arg(long, global = true, value_name = "DIR")]
    pub course: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub lab: LabArgs,

    /// Connect the app to an already running lab instead of starting one.
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,

    /// Join the workshop server at URL (with --name): you get a lab of your own there, and
    /// from then on the app and every command use it and send your progress to the room.
    #[arg(long, global = true, value_name = "URL")]
    pub join: Option<String>,

    /// Your name in the workshop: 1 to 32 of a-z, 0-9, - and _ (goes with --join).
    #[arg(long, global = true, value_name = "NAME")]
    pub name: Option<String>,
}

/// Flags shared by `serve` and the app: how to start the lab.
#[derive(Debug, Clone, Args)]
pub struct LabArgs {
    /// Port of the load balancer (replicas take free ports of their own).
    #[arg(long, default_value_t = 7878)]
    pub port: u16,
    /// Address to bind; anything but loopback prints a warning.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: std::net::IpAddr,
    /// How many replicas to run (named a, b, c, ...).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u8).range(1..=26))]
    pub replicas: u8,
    /// Where logins are remembered: local, shared or token.
    #[arg(long, default_value = "local")]
    pub mode: Mode,
    /// Session store for shared mode and the denylist: sqlite, memory or redis://HOST:PORT.
    #[arg(long, default_value = "sqlite")]
    pub store: String,
    /// Require `Authorization: Bearer TOKEN` on /admin/* (then it is reachable from any peer).
    #[arg(long, value_name = "TOKEN", env = "FORGETFUL_ADMIN_TOKEN")]
    pub admin_token: Option<String>,
    /// A host name the room's browsers may use for this lab (IP addresses and localhost
    /// always work; any other Host is refused, against DNS rebinding).
    #[arg(long, value_name = "NAME")]
    pub public_host: Option<String>,
    /// Lifetime of an access token in token mode, in seconds (5 to 86400); refresh tokens
    /// renew it. Also `POST /admin/token-ttl` while the lab runs.
    #[arg(long, value_name = "SECONDS", default_value_t = crate::api::DEFAULT_TOKEN_TTL_SECS,
          value_parser = clap::value_parser!(u64).range(crate::api::TOKEN_TTL_RANGE))]
    pub token_ttl: u64,
    /// With --admin-token (a room's shared lab) the weak verifiers of `POST /admin/weakness`
    /// are refused; this allows them anyway. A lab without an admin token always allows them.
    #[arg(long)]
    pub allow_weaknesses: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the lab headless: balancer and replicas on loopback, one journal line per request.
    Serve(ServeArgs),
    /// Print a lesson (by file stem or number).
    Read(ReadFlags),
    /// Work with the course itself.
    #[command(subcommand)]
    Course(CourseCommand),
    /// Check a problem against the running lab: did you reproduce and fix it?
    Check(CheckFlags),
    /// Grade your written answer to a problem.
    Answer(AnswerFlags),
    /// Show the next hint for a problem (recorded in your progress).
    Hint(HintFlags),
    /// Show your progress.
    Progress(ProgressFlags),
    /// Forget progress for one problem, or everything.
    Reset(ResetFlags),
    /// Your record for an instructor: both halves of each problem, evidence, answers, hints.
    Report(ReportFlags),
    /// Drive many simulated users at the lab while a scenario happens to it (kill a replica,
    /// restart them in turn, add one, pause Redis): a line a second, a summary, a chart.
    Load(LoadFlags),
    /// The instructor's live class view of a workshop server (admin token from
    /// FORGETFUL_ADMIN_TOKEN); with --format or --out, the class summary as a file instead.
    Class(ClassFlags),
    /// Leave the workshop this data dir joined: back to a lab of your own on this machine.
    Leave,
}

#[derive(Debug, Args)]
pub struct LoadFlags {
    /// The lab's balancer URL (default: the lab published in the data dir if it answers,
    /// else a lab started in-process for the run).
    #[arg(long)]
    pub url: Option<String>,
    /// How many users to log in (alice and bob in turn, each login its own session or token).
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub users: u32,
    /// The request each user sends: `GET /me`, `/orders`, `POST /orders {"item":"tea"}`.
    #[arg(long, default_value = "GET /me")]
    pub route: crate::load::Route,
    /// Requests a second, spread over --connections (default 16). Without --rate and with
    /// --connections: a closed loop, as fast as the connections go. Neither: 200 a second.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub rate: Option<u32>,
    /// Kept-alive connections to the balancer.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub connections: Option<u32>,
    /// How long the traffic runs: 20s, 90s, 2m (1 s to 1 hour).
    #[arg(long, default_value = "20s", value_parser = crate::load::parse_duration)]
    pub duration: std::time::Duration,
    /// What happens meanwhile: steady, kill-one, rolling-restart, scale-out or redis-outage.
    #[arg(long, default_value = "steady")]
    pub scenario: crate::load::Scenario,
    /// Switch the lab to this mode first (local, shared or token); a lab started for the run
    /// starts in it (default local).
    #[arg(long)]
    pub mode: Option<Mode>,
    /// The balancer's policy for the run: sticky (default: pins each session cookie to the
    /// replica that made it) or round-robin.
    #[arg(long, default_value = "sticky")]
    pub policy: crate::api::Policy,
    /// Replicas of a lab started for the run (default 3).
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=9))]
    pub replicas: Option<u8>,
    /// Session store of a lab started for the run: memory (default), sqlite or redis://HOST:PORT.
    #[arg(long)]
    pub store: Option<String>,
    /// Hold K WebSocket chat clients open through the balancer (GET /ws/chat) for the run;
    /// each reconnects when its replica drops it, and the drops and reconnects are counted.
    #[arg(long, value_name = "K", default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=500))]
    pub chat: u32,
    /// Print the summary as JSON (the lines a second go to stderr).
    #[arg(long)]
    pub json: bool,
    /// Write a chart of the run (requests/s per replica, errors, p99, events) as SVG.
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub lab: LabArgs,
    /// Run a workshop server instead: each learner who joins gets a lab of their own
    /// (--replicas, --mode and --store say how each starts); needs --admin-token.
    #[arg(long)]
    pub workshop: bool,
    /// With --workshop: how many learners may join.
    #[arg(long, value_name = "N", default_value_t = crate::workshop::DEFAULT_MAX_LEARNERS, requires = "workshop")]
    pub max_learners: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ClassFormatFlag {
    Md,
    Csv,
    Json,
}

#[derive(Debug, Args)]
pub struct ClassFlags {
    /// The workshop server (default http://127.0.0.1:7878).
    #[arg(long)]
    pub url: Option<String>,
    /// Write the class summary in this format instead of opening the live view (md when only
    /// --out is given, or when standard output is not a terminal).
    #[arg(long, value_enum)]
    pub format: Option<ClassFormatFlag>,
    /// Write the summary to this file instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ReadFlags {
    /// Lesson file stem (e.g. 01-the-server-forgets) or number (e.g. 1).
    pub lesson: String,
    /// Wrap to this many columns (default: the terminal's width, or 80).
    #[arg(long)]
    pub width: Option<u16>,
}

#[derive(Debug, Subcommand)]
pub enum CourseCommand {
    /// Validate lessons and problems; list every problem as file:line:col: field: message.
    Check,
    /// Grade labelled answers (JSON Lines, one `{"problem","id","text","label"}` per line)
    /// and print how often the grader agrees with the labels.
    Measure(MeasureArgs),
    /// List the answer words (from labelled JSON Lines files) that each problem's rubric
    /// reads as misspellings of its own words, then those it reads as its own through a
    /// shared stem though they are other words ("identical" as "identity"), most frequent
    /// first: a real English word among them is being misread.
    Typos(TyposArgs),
}

#[derive(Debug, Args)]
pub struct TyposArgs {
    /// Labelled answer files (.jsonl), as for `course measure`.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// How many words to list per problem.
    #[arg(long, default_value_t = 30)]
    pub top: usize,
}

#[derive(Debug, Args)]
pub struct MeasureArgs {
    /// Labelled answer files (.jsonl).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Also print every answer the grader and the label disagree on.
    #[arg(long)]
    pub disagreements: bool,
}

#[derive(Debug, Args)]
pub struct CheckFlags {
    /// Problem id (file stem in problems/), e.g. disappearing-login.
    pub problem: String,
    /// The lab's balancer URL (default: the lab the app or `serve` published in the data
    /// dir, else http://127.0.0.1:7878). `forgetful --url URL check …` works too.
    #[arg(long)]
    pub url: Option<String>,
    /// A claim value you read from a token (where-state-goes: the badge).
    #[arg(long, value_name = "VALUE")]
    pub claim: Option<String>,
    /// Count only evidence from now on.
    #[arg(long)]
    pub restart: bool,
}

#[derive(Debug, Args)]
pub struct AnswerFlags {
    pub problem: String,
    /// File with your answer, or - for standard input.
    #[arg(long, value_name = "F", required_unless_present = "mine")]
    pub file: Option<PathBuf>,
    /// Print the verdict as JSON (outcome, concepts, misconceptions, screen, message).
    #[arg(long)]
    pub json: bool,
    /// After two tries that did not pass: record that your last answer says what the model
    /// answer says. Kept as self-assessed, never as a grader pass.
    #[arg(long, conflicts_with = "file")]
    pub mine: bool,
}

#[derive(Debug, Args)]
pub struct HintFlags {
    pub problem: String,
}

#[derive(Debug, Args)]
pub struct ProgressFlags {
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ResetFlags {
    /// Only this problem; without it, everything.
    pub problem: Option<String>,
    /// Do not ask.
    #[arg(long)]
    pub yes: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatFlag {
    Md,
    Json,
}

#[derive(Debug, Args)]
pub struct ReportFlags {
    #[arg(long, value_enum, default_value_t = FormatFlag::Md)]
    pub format: FormatFlag,
    /// Write to this file instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// The lab's config from its flags: the only place flags become a `LabConfig`.
fn lab_config(args: &LabArgs, data_dir: &std::path::Path) -> anyhow::Result<crate::lab::LabConfig> {
    Ok(crate::lab::LabConfig {
        bind: args.bind,
        port: args.port,
        replicas: args.replicas,
        mode: args.mode,
        store: args.store.parse()?,
        data_dir: data_dir.to_path_buf(),
        admin_token: args.admin_token.clone(),
        public_host: args.public_host.clone(),
        limits: crate::lab::serve::Limits::default(),
        any_port_if_taken: false,
        token_ttl_secs: args.token_ttl,
        allow_weaknesses: args.admin_token.is_none() || args.allow_weaknesses,
    })
}

/// The workshop's config from `serve --workshop` and its lab flags: the only place they
/// become a `WorkshopConfig`.
fn workshop_config(
    args: &ServeArgs,
    data_dir: &std::path::Path,
    course: Option<&std::path::Path>,
) -> anyhow::Result<crate::workshop::WorkshopConfig> {
    use crate::workshop::{LearnerStore, WorkshopError};
    let admin_token = args
        .lab
        .admin_token
        .clone()
        .filter(|t| !t.is_empty())
        .ok_or(WorkshopError::NoAdminToken)?;
    let spec: crate::store::StoreSpec = args.lab.store.parse()?;
    // With Redis, the room is shared there; each learner's lab keeps its sessions in SQLite
    // in its own folder all the same (one Redis key space for every lab would mix them).
    let store = match spec {
        crate::store::StoreSpec::Memory => LearnerStore::Memory,
        crate::store::StoreSpec::Sqlite | crate::store::StoreSpec::Redis(_) => LearnerStore::Sqlite,
    };
    let room = crate::workshop::room_spec(&spec, data_dir, &admin_token);
    Ok(crate::workshop::WorkshopConfig {
        bind: args.lab.bind,
        port: args.lab.port,
        admin_token,
        public_host: args.lab.public_host.clone(),
        data_dir: data_dir.to_path_buf(),
        max_learners: args.max_learners,
        lab: crate::workshop::LearnerLabConfig {
            replicas: args.lab.replicas,
            mode: args.lab.mode,
            store,
            limits: crate::lab::serve::Limits::default(),
            token_ttl_secs: args.lab.token_ttl,
            allow_weaknesses: args.lab.allow_weaknesses,
        },
        lessons: crate::course::lesson_ids(course),
        problems: crate::course::problem_ids(course)?,
        stuck_after: crate::workshop::STUCK_AFTER,
        room,
    })
}

/// The workshop this data dir belongs to: joined now (`--join URL --name NAME`), or earlier
/// (`workshop.json`). Commands that run no learner's work (serve, class, leave) take neither flag.
fn learner_workshop(
    cli: &Cli,
    data_dir: &std::path::Path,
) -> anyhow::Result<Option<crate::workshop::learner::Joined>> {
    use crate::workshop::learner::{Joined, LearnerError, join_and_save};
    let learner_command = !matches!(
        cli.command,
        Some(Command::Serve(_) | Command::Class(_) | Command::Leave)
    );
    if !learner_command && (cli.join.is_some() || cli.name.is_some()) {
        anyhow::bail!(
            "--join and --name are for learners (the app, check, answer, hint, ...), not for serve, class or leave"
        );
    }
    match (&cli.join, &cli.name) {
        (Some(server), Some(name)) => {
            let joined = join_and_save(data_dir, server, name)?;
            eprintln!(
                "joined the workshop at {} as {}: your lab is {}",
                joined.server, joined.name, joined.lab_url
            );
            Ok(Some(joined))
        }
        (Some(_), None) => Err(LearnerError::NoName.into()),
        (None, Some(_)) => anyhow::bail!("--name goes with --join URL"),
        (None, None) if learner_command => Ok(Joined::load(data_dir)?),
        (None, None) => Ok(None),
    }
}

/// Sends each progress change to the workshop while `run` runs, then makes a last try and
/// says what still waits in the outbox.
fn with_uplink<T>(
    joined: Option<&crate::workshop::learner::Joined>,
    data_dir: &std::path::Path,
    run: impl FnOnce() -> T,
) -> T {
    let Some(joined) = joined else {
        return run();
    };
    let uplink = crate::workshop::learner::Uplink::start(data_dir, joined.clone());
    let queue = uplink.queue();
    let dir = data_dir.to_path_buf();
    crate::progress::set_change_hook(Some(Box::new(move |changed_dir, progress| {
        if changed_dir == dir {
            queue.push(progress);
        }
    })));
    let out = run();
    crate::progress::set_change_hook(None);
    let left = uplink.finish(std::time::Duration::from_secs(3));
    if left.waiting > 0 {
        eprintln!(
            "workshop: your latest progress is not at {} yet{}; it waits in {} and goes with the next change that gets through",
            joined.server,
            left.error.map(|e| format!(" ({e})")).unwrap_or_default(),
            data_dir
                .join(crate::workshop::learner::OUTBOX_DIR)
                .display()
        );
    }
    out
}

/// A learner in a workshop: the instructor's latest reviews into the record before it is
/// shown; the room out of reach only leaves a line in the log.
fn refresh_reviews(joined: Option<&crate::workshop::learner::Joined>, data_dir: &std::path::Path) {
    if let Some(j) = joined
        && let Err(e) = crate::workshop::learner::refresh_reviews(data_dir, j)
    {
        tracing::warn!("workshop: the instructor's reviews not read: {e}");
    }
}

/// Starts the app's lab and publishes its URL and key in the data dir, so `forgetful check`
/// in another terminal finds it; stopping it takes them back.
async fn start_embedded_lab(cfg: crate::lab::LabConfig) -> Result<crate::tui::EmbeddedLab, String> {
    let wanted = cfg.port;
    let dir = cfg.data_dir.clone();
    let lab = crate::lab::start(cfg)
        .await
        .map_err(|e| format!("the lab did not start: {e}"))?;
    let note =
        (wanted != 0 && lab.addr.port() != wanted).then(|| format!("port {wanted} was taken"));
    let url = lab.balancer_url.clone();
    let key = lab.source_key().to_string();
    crate::paths::publish_lab_url(&dir, &url);
    crate::paths::publish_lab_key(&dir, &key);
    let published = url.clone();
    let stop = Box::pin(async move {
        crate::paths::unpublish_lab_url(&dir, &published);
        lab.shutdown().await;
    });
    Ok(crate::tui::EmbeddedLab {
        url,
        key,
        note,
        stop,
    })
}

/// `forgetful load`: its arguments, and the lab to run against (`--url`, the lab published
/// in the data dir, or one started in-process).
fn load(f: LoadFlags, url: Option<String>, data_dir: &std::path::Path) -> anyhow::Result<i32> {
    use crate::load::{Drive, Embedded, Target};
    let drive = match (f.rate, f.connections) {
        (Some(rate), c) => Drive::Rate {
            rate,
            connections: c.unwrap_or(16),
        },
        (None, Some(connections)) => Drive::Closed { connections },
        (None, None) => Drive::Rate {
            rate: 200,
            connections: 16,
        },
    };
    let args = crate::load::LoadArgs {
        users: f.users,
        route: f.route,
        drive,
        duration: f.duration,
        scenario: f.scenario,
        mode: f.mode,
        policy: Some(f.policy),
        json: f.json,
        plot: f.plot,
        chat: f.chat,
    };
    let cfg = crate::lab::LabConfig {
        replicas: f.replicas.unwrap_or(3),
        mode: f.mode.unwrap_or(Mode::Local),
        store: f.store.as_deref().unwrap_or("memory").parse()?,
        ..crate::lab::LabConfig::ephemeral(data_dir)
    };
    let describe = format!(
        "{} replicas, mode {}, store {}",
        cfg.replicas,
        cfg.mode,
        f.store.as_deref().unwrap_or("memory")
    );
    let embedded = Box::pin(async move {
        let lab = crate::lab::start(cfg)
            .await
            .map_err(|e| format!("the lab did not start: {e}"))?;
        Ok(Embedded {
            url: lab.balancer_url.clone(),
            key: lab.source_key().to_string(),
            describe,
            stop: Box::pin(lab.shutdown()),
        })
    });
    let target = match (url, crate::paths::published_lab_url(data_dir)) {
        (Some(url), _) => Target::Url {
            key: crate::paths::published_lab_key(data_dir, &url),
            url,
        },
        (None, Some(url)) => Target::Published {
            key: crate::paths::published_lab_key(data_dir, &url),
            url,
            otherwise: embedded,
        },
        (None, None) => Target::Embedded(embedded),
    };
    if target_is_remote(&target) && (f.replicas.is_some() || f.store.is_some()) {
        eprintln!(
            "load: --replicas and --store shape a lab started for the run; this run uses a running lab if it answers"
        );
    }
    crate::load::load_command(args, target)
}

fn target_is_remote(t: &crate::load::Target) -> bool {
    !matches!(t, crate::load::Target::Embedded(_))
}

/// The lab a learner's commands are about, for course text that names the default address:
/// `--url`, else the learner's lab in a workshop, else the lab the app or `serve` published
/// in the data dir (the app's lab may have had to take another port).
fn course_lab_url(
    url: &Option<String>,
    joined: Option<&crate::workshop::learner::Joined>,
    data_dir: &std::path::Path,
) -> Option<String> {
    url.clone()
        .or_else(|| joined.map(|j| j.lab_url.clone()))
        .or_else(|| crate::paths::published_lab_url(data_dir))
}

/// Parse the command line, run the command, and return the process exit code.
pub fn run() -> anyhow::Result<i32> {
    let cli = Cli::parse();
    let data_dir = crate::paths::data_dir(cli.data_dir.as_deref());
    let course = cli.course.as_deref();
    let workshop = learner_workshop(&cli, &data_dir)?;
    if let Some(j) = &workshop {
        // Every client made for the learner's lab (the app's, the checks') sends the learner
        // token its /admin wants, and its key.
        crate::client::remember_lab(
            &j.lab_url,
            crate::client::LabCredentials {
                admin_token: Some(j.learner_token.clone()),
                key: j.lab_key.clone(),
            },
        );
    }
    let joined = workshop.as_ref();
    match cli.command {
        None => {
            let lab = match (cli.url, joined) {
                // A lab started elsewhere with this data dir published its key here; with it
                // the app's checks can tag their probes `grader`.
                (Some(url), _) => crate::tui::LabSource::Remote {
                    key: crate::paths::published_lab_key(&data_dir, &url),
                    url,
                },
                // The learner's own lab in the workshop.
                (None, Some(j)) => crate::tui::LabSource::Remote {
                    url: j.lab_url.clone(),
                    key: j.lab_key.clone(),
                },
                // The app starts its lab beside it, on another port if this one is taken.
                (None, None) => {
                    let mut cfg = lab_config(&cli.lab, &data_dir)?;
                    cfg.any_port_if_taken = true;
                    crate::tui::LabSource::Embedded(Box::pin(start_embedded_lab(cfg)))
                }
            };
            with_uplink(joined, &data_dir, || {
                crate::tui::run(lab, &data_dir, course)
            })
        }
        Some(Command::Serve(a)) if a.workshop => {
            crate::workshop::serve_command(workshop_config(&a, &data_dir, course)?)
        }
        Some(Command::Serve(a)) => crate::lab::serve_command(lab_config(&a.lab, &data_dir)?),
        Some(Command::Class(a)) => {
            use std::io::IsTerminal;
            let url = a
                .url
                .or(cli.url)
                .unwrap_or_else(|| crate::api::DEFAULT_LAB_URL.to_string());
            let admin_token = std::env::var("FORGETFUL_ADMIN_TOKEN")
                .ok()
                .filter(|t| !t.is_empty());
            let live = a.format.is_none() && a.out.is_none() && std::io::stdout().is_terminal();
            if live {
                let Some(admin_token) = admin_token else {
                    eprintln!("forgetful: {}", crate::workshop::class::ClassError::NoToken);
                    return Ok(2);
                };
                return crate::tui::class::run(crate::tui::class::ClassViewArgs {
                    url,
                    admin_token,
                    data_dir: data_dir.clone(),
                    course: course.map(std::path::Path::to_path_buf),
                });
            }
            let args = crate::workshop::class::ClassArgs {
                url,
                admin_token,
                format: match a.format.unwrap_or(ClassFormatFlag::Md) {
                    ClassFormatFlag::Md => crate::workshop::class::ClassFormat::Md,
                    ClassFormatFlag::Csv => crate::workshop::class::ClassFormat::Csv,
                    ClassFormatFlag::Json => crate::workshop::class::ClassFormat::Json,
                },
                out: a.out,
            };
            crate::workshop::class::class_command(&args)
        }
        Some(Command::Leave) => {
            let j = match crate::workshop::learner::Joined::load(&data_dir) {
                Ok(Some(j)) => j,
                Ok(None) => {
                    crate::stdout::text("This data dir has not joined a workshop.\n")?;
                    return Ok(0);
                }
                // Unreadable: nothing in it can be used, so leaving just removes it.
                Err(e) => {
                    crate::workshop::learner::Joined::forget(&data_dir)?;
                    crate::stdout::text(&format!(
                        "Removed the workshop record, which could not be read: {e}\n"
                    ))?;
                    return Ok(0);
                }
            };
            // One last try at sending what waits, so leaving loses nothing that can be sent.
            let left = crate::workshop::learner::Uplink::start(&data_dir, j.clone())
                .finish(std::time::Duration::from_secs(3));
            crate::workshop::learner::Joined::forget(&data_dir)?;
            let mut said = format!(
                "Left the workshop at {} (you were {}). Your progress stays here; the app starts a lab of its own again.\n",
                j.server, j.name
            );
            if left.waiting > 0 {
                said += &format!(
                    "{} progress change(s) could not be sent and were dropped with the workshop record.\n",
                    left.waiting
                );
            }
            crate::stdout::text(&said)?;
            Ok(0)
        }
        Some(Command::Read(a)) => crate::course::read_command(
            &crate::course::ReadArgs {
                lesson: a.lesson,
                width: a.width,
                lab_url: course_lab_url(&cli.url, joined, &data_dir),
            },
            course,
        ),
        Some(Command::Course(CourseCommand::Check)) => crate::course::check_command(course),
        Some(Command::Course(CourseCommand::Measure(m))) => {
            crate::grade::measure_command(&m.files, m.disagreements, course)
        }
        Some(Command::Course(CourseCommand::Typos(t))) => {
            crate::grade::typos_command(&t.files, t.top, course)
        }
        Some(Command::Check(a)) => {
            // --url after the subcommand, or before it, else the lab running in this data dir.
            let url = a
                .url
                .clone()
                .or_else(|| cli.url.clone())
                .or_else(|| joined.map(|j| j.lab_url.clone()))
                .or_else(|| crate::paths::published_lab_url(&data_dir))
                .unwrap_or_else(|| crate::api::DEFAULT_LAB_URL.to_string());
            let args = crate::grade::CheckArgs {
                problem: a.problem,
                claim: a.claim,
                restart: a.restart,
            };
            with_uplink(joined, &data_dir, || {
                crate::grade::check_command(&args, &url, &data_dir, course)
            })
        }
        Some(Command::Answer(a)) => {
            let args = crate::grade::AnswerArgs {
                problem: a.problem,
                file: a.file,
                json: a.json,
                mine: a.mine,
            };
            with_uplink(joined, &data_dir, || {
                crate::grade::answer_command(&args, &data_dir, course)
            })
        }
        Some(Command::Hint(a)) => with_uplink(joined, &data_dir, || {
            crate::grade::hint_command(
                &crate::grade::HintArgs {
                    problem: a.problem,
                    lab_url: course_lab_url(&cli.url, joined, &data_dir),
                },
                &data_dir,
                course,
            )
        }),
        Some(Command::Progress(a)) => {
            refresh_reviews(joined, &data_dir);
            crate::progress::progress_command(
                &crate::progress::ProgressArgs { json: a.json },
                &data_dir,
                course,
            )
        }
        Some(Command::Reset(a)) => with_uplink(joined, &data_dir, || {
            crate::progress::reset_command(
                &crate::progress::ResetArgs {
                    problem: a.problem,
                    yes: a.yes,
                },
                &data_dir,
                course,
            )
        }),
        Some(Command::Report(a)) => {
            let args = crate::grade::ReportArgs {
                format: match a.format {
                    FormatFlag::Md => crate::grade::ReportFormat::Md,
                    FormatFlag::Json => crate::grade::ReportFormat::Json,
                },
                out: a.out,
            };
            refresh_reviews(joined, &data_dir);
            crate::grade::report_command(&args, &data_dir, course)
        }
        Some(Command::Load(f)) => {
            let url = f.url.clone().or_else(|| cli.url.clone());
            load(f, url, &data_dir)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn serve_config(args: &[&str]) -> crate::lab::LabConfig {
        let cli = Cli::try_parse_from([&["forgetful", "serve"], args].concat()).unwrap();
        let Some(Command::Serve(a)) = cli.command else {
            panic!("not serve")
        };
        lab_config(&a.lab, std::path::Path::new("/tmp")).unwrap()
    }

    /// A room's lab (an admin token) refuses the weak verifiers unless the instructor allows
    /// them; a learner's own lab always allows them.
    #[test]
    fn weaknesses_are_allowed_except_on_a_rooms_lab() {
        // (FORGETFUL_ADMIN_TOKEN in the environment counts as --admin-token.)
        if std::env::var_os("FORGETFUL_ADMIN_TOKEN").is_none() {
            assert!(serve_config(&[]).allow_weaknesses);
        }
        assert!(!serve_config(&["--admin-token", "s3cret"]).allow_weaknesses);
        assert!(serve_config(&["--admin-token", "s3cret", "--allow-weaknesses"]).allow_weaknesses);
    }

    #[test]
    fn the_token_lifetime_flag_is_bounded() {
        assert_eq!(serve_config(&[]).token_ttl_secs, 900);
        assert_eq!(serve_config(&["--token-ttl", "30"]).token_ttl_secs, 30);
        for bad in ["4", "86401", "soon"] {
            assert!(Cli::try_parse_from(["forgetful", "serve", "--token-ttl", bad]).is_err());
        }
    }
}
