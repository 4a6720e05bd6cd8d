//! `lms-media-worker`: probe one file from the command line, or run the job loop.
//!
//! ```text
//! lms-media-worker probe FILE [--json] [--min-duration-s S] [--max-duration-s S]
//! lms-media-worker transcode INPUT OUTDIR [--min-duration-s S] [--max-duration-s S] [--force] [--json]
//! lms-media-worker run [--database-url URL] [--worker-id ID] [--poll-interval-ms MS] [--once]
//! ```
//!
//! Logs go to stderr with `tracing` (`LMS_LOG_FORMAT=json` for JSON lines, `RUST_LOG` to
//! filter); FFmpeg's own log is silent unless `LMS_FFMPEG_LOG` is set.

use std::io::IsTerminal;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::{Args, Parser, Subcommand};
use lms_media_worker::probe::{self, DurationPolicy, MediaFacts, ProbeError, ProbeOptions};
use lms_media_worker::transcode::{self, TranscodeError, TranscodeOptions, TranscodeSummary};
use lms_media_worker::worker::{self, WorkerConfig};
use tokio::sync::watch;
use tracing::{error, info, warn};
use tracing_subscriber::EnvFilter;

#[derive(Debug, Parser)]
#[command(
    name = "lms-media-worker",
    version,
    about = "Media worker of the learning platform: validates and probes uploaded videos"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate and probe one file (no database). Exit status: 0 accepted, 2 rejected,
    /// 1 could not read it.
    Probe(ProbeArgs),
    /// Validate one file (as `probe` does) and transcode it into OUTDIR with the worker's code
    /// and settings: HLS ladder + master playlist, MP4 fallback, poster, thumbnail sprite and
    /// OUTDIR/summary.json (no database). Progress on stderr. Exit status: 0 done, 2 rejected,
    /// 1 failed.
    Transcode(TranscodeArgs),
    /// Claim `media.probe` jobs from the database and process them until SIGINT/SIGTERM.
    Run(RunArgs),
}

#[derive(Debug, Args)]
struct PolicyArgs {
    /// Shortest accepted duration, in seconds.
    #[arg(long, env = "LMS_VIDEO_MIN_DURATION_S", default_value_t = DurationPolicy::default().min_s)]
    min_duration_s: f64,
    /// Longest accepted duration, in seconds (the packet scan stops past it).
    #[arg(long, env = "LMS_VIDEO_MAX_DURATION_S", default_value_t = DurationPolicy::default().max_s)]
    max_duration_s: f64,
    /// Below this duration the file is accepted with a warning, in seconds.
    #[arg(long, env = "LMS_VIDEO_RECOMMENDED_MIN_S", default_value_t = DurationPolicy::default().recommended_min_s)]
    recommended_min_s: f64,
    /// Above this duration the file is accepted with a warning, in seconds.
    #[arg(long, env = "LMS_VIDEO_RECOMMENDED_MAX_S", default_value_t = DurationPolicy::default().recommended_max_s)]
    recommended_max_s: f64,
}

impl PolicyArgs {
    fn options(&self) -> anyhow::Result<ProbeOptions> {
        let d = DurationPolicy {
            min_s: self.min_duration_s,
            max_s: self.max_duration_s,
            recommended_min_s: self.recommended_min_s,
            recommended_max_s: self.recommended_max_s,
        };
        let all = [d.min_s, d.max_s, d.recommended_min_s, d.recommended_max_s];
        if all.iter().any(|v| !v.is_finite() || *v < 0.0) {
            bail!("durations must be finite and not negative");
        }
        if d.min_s > d.max_s {
            bail!(
                "--min-duration-s ({}) is above --max-duration-s ({})",
                d.min_s,
                d.max_s
            );
        }
        Ok(ProbeOptions {
            duration: d,
            ..ProbeOptions::default()
        })
    }
}

#[derive(Debug, Args)]
struct ProbeArgs {
    /// The file to probe.
    file: PathBuf,
    /// Print the facts (or the rejection) as JSON on stdout.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    policy: PolicyArgs,
}

#[derive(Debug, Args)]
struct TranscodeArgs {
    /// The video to transcode.
    input: PathBuf,
    /// Directory to create with the output (built beside it, renamed into place when done).
    outdir: PathBuf,
    /// Replace OUTDIR when it exists and is not empty.
    #[arg(long)]
    force: bool,
    /// Print the summary (or the rejection) as JSON on stdout.
    #[arg(long)]
    json: bool,
    /// libx264 preset.
    #[arg(long, default_value_t = TranscodeOptions::default().preset)]
    preset: String,
    /// libx264 constant rate factor (0-51).
    #[arg(long, default_value_t = TranscodeOptions::default().crf, value_parser = clap::value_parser!(u8).range(0..=51))]
    crf: u8,
    /// libx264 threads per rendition (0: the cores shared out between the rungs by size).
    #[arg(long, default_value_t = 0)]
    x264_threads: u32,
    /// Scale every rung from the decoded source (by default 480p and below are scaled from
    /// the 720p picture, which costs about half as much).
    #[arg(long)]
    scale_from_source: bool,
    #[command(flatten)]
    policy: PolicyArgs,
}

#[derive(Debug, Args)]
struct RunArgs {
    /// Database URL [default: sqlite://$LMS_DATA_DIR/lms.db?mode=rwc, LMS_DATA_DIR=./data]
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
    /// Name of this worker in the job table [default: hostname-pid]
    #[arg(long, env = "LMS_WORKER_ID")]
    worker_id: Option<String>,
    /// Wait between polls of an empty queue, in milliseconds.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(10..))]
    poll_interval_ms: u64,
    /// Time the current job may still run after SIGINT/SIGTERM before it is given back.
    #[arg(long, default_value_t = 30)]
    shutdown_grace_s: u64,
    /// Redis, to announce progress to every web server replica at once (optional).
    #[arg(long, env = "REDIS_URL", hide_env_values = true)]
    redis_url: Option<String>,
    /// The longest one job may run, in seconds; past it the job fails for good.
    #[arg(long, env = "LMS_JOB_MAX_SECONDS", default_value_t = 1800)]
    job_max_seconds: u64,
    /// The most memory one job may use (this process's resident set), in MiB.
    #[arg(long, env = "LMS_JOB_MAX_MEMORY_MB", default_value_t = 4096)]
    job_max_memory_mb: u64,
    /// Process at most one job, then exit.
    #[arg(long)]
    once: bool,
    #[command(flatten)]
    policy: PolicyArgs,
}

fn init_logging() -> anyhow::Result<()> {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    match std::env::var("LMS_LOG_FORMAT").as_deref() {
        Ok("json") => builder.json().init(),
        Ok("pretty") | Err(_) => builder.init(),
        Ok(other) => bail!("LMS_LOG_FORMAT={other:?}: use pretty or json"),
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(e) = init_logging() {
        eprintln!("error: {e:#}");
        return ExitCode::FAILURE;
    }
    let result = match cli.command {
        Command::Probe(args) => probe_command(&args),
        Command::Transcode(args) => transcode_command(&args),
        Command::Run(args) => run_command(args),
    };
    result.unwrap_or_else(|e| {
        error!("{e:#}");
        ExitCode::FAILURE
    })
}

fn probe_command(args: &ProbeArgs) -> anyhow::Result<ExitCode> {
    let options = args.policy.options()?;
    match probe::probe(&args.file, &options, None) {
        Ok(facts) => {
            if args.json {
                println!("{}", serde_json::to_string_pretty(&facts)?);
            } else {
                print_facts(&args.file, &facts);
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(err) => {
            if args.json {
                let mut detail = match &err {
                    ProbeError::Rejected(r) => serde_json::to_value(r)?,
                    ProbeError::Io(_) => serde_json::json!({ "code": "io_error" }),
                    ProbeError::Aborted => serde_json::json!({ "code": "aborted" }),
                };
                if let Some(obj) = detail.as_object_mut() {
                    obj.insert("reason_en".into(), err.reason_en().into());
                    obj.insert("reason_vi".into(), err.reason_vi().into());
                }
                // A rejection is final; an error (the file could not be read) may pass later.
                let key = if err.is_permanent() {
                    "rejected"
                } else {
                    "error"
                };
                let mut out = serde_json::Map::new();
                out.insert(key.to_owned(), detail);
                println!("{}", serde_json::to_string_pretty(&out)?);
            }
            let label = if err.is_permanent() {
                "rejected"
            } else {
                "error"
            };
            eprintln!("{label}: {}: {}", args.file.display(), err.reason_en());
            eprintln!("{label}: {}: {}", args.file.display(), err.reason_vi());
            Ok(ExitCode::from(if err.is_permanent() { 2 } else { 1 }))
        }
    }
}

/// Sets the returned flag on SIGINT/SIGTERM (from a small background runtime), so that a
/// transcode stops cleanly and leaves no partial output.
fn stop_on_signal() -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    let set = Arc::clone(&flag);
    let spawned = std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(wait_for_signal());
            set.store(true, Ordering::Relaxed);
            rt.block_on(wait_for_signal());
            std::process::exit(130);
        });
    if let Err(e) = spawned {
        warn!(error = %e, "cannot listen for signals");
    }
    flag
}

fn transcode_command(args: &TranscodeArgs) -> anyhow::Result<ExitCode> {
    let opts = TranscodeOptions {
        probe: args.policy.options()?,
        preset: args.preset.clone(),
        crf: args.crf,
        x264_threads: args.x264_threads,
        cascade_scaling: !args.scale_from_source,
        replace_existing: args.force,
        ..TranscodeOptions::default()
    };
    let stop = stop_on_signal();
    let mut last_percent = -1i64;
    let started = std::time::Instant::now();
    let result = transcode::run(&args.input, &args.outdir, &opts, |fraction| {
        if stop.load(Ordering::Relaxed) {
            return ControlFlow::Break(());
        }
        let percent = (fraction * 100.0).floor() as i64;
        if percent != last_percent {
            last_percent = percent;
            eprintln!(
                "progress: {:5.1}% ({:.1} s elapsed)",
                fraction * 100.0,
                started.elapsed().as_secs_f64()
            );
        }
        ControlFlow::Continue(())
    });
    match result {
        Ok(summary) => {
            if args.json {
                println!("{}", serde_json::to_string_pretty(&summary)?);
            } else {
                print_summary(&args.outdir, &summary);
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(err) => {
            if args.json {
                let mut detail = match &err {
                    TranscodeError::Rejected(r) => serde_json::to_value(r)?,
                    TranscodeError::Aborted => serde_json::json!({ "code": "aborted" }),
                    other => serde_json::json!({ "code": "error", "detail": other.to_string() }),
                };
                if let Some(obj) = detail.as_object_mut() {
                    obj.insert("reason_en".into(), err.reason_en().into());
                    obj.insert("reason_vi".into(), err.reason_vi().into());
                }
                let key = if err.is_permanent() {
                    "rejected"
                } else {
                    "error"
                };
                let mut out = serde_json::Map::new();
                out.insert(key.to_owned(), detail);
                println!("{}", serde_json::to_string_pretty(&out)?);
            }
            let label = if err.rejection().is_some() {
                "rejected"
            } else {
                "error"
            };
            eprintln!("{label}: {}: {}", args.input.display(), err.reason_en());
            eprintln!("{label}: {}: {}", args.input.display(), err.reason_vi());
            Ok(ExitCode::from(if err.rejection().is_some() {
                2
            } else {
                1
            }))
        }
    }
}

fn print_summary(outdir: &Path, s: &TranscodeSummary) {
    println!("transcoded: {}", outdir.join(&s.master_playlist).display());
    println!(
        "  source         {}x{} {:.3} s, output {} fps ({}), GOP {} frames",
        s.probe.display_width,
        s.probe.display_height,
        s.probe.duration_s,
        s.frame_rate_fraction,
        format_args!("{:.3}", s.frame_rate),
        s.gop_frames
    );
    for r in &s.renditions {
        println!(
            "  {:<6} {:>4}x{:<4} {} {} {:>7} kbit/s peak, {:>7} kbit/s avg, {} segments",
            r.name,
            r.width,
            r.height,
            r.codecs,
            r.profile,
            r.bandwidth_bps / 1000,
            r.average_bandwidth_bps / 1000,
            r.segments
        );
    }
    match &s.audio {
        Some(a) => println!(
            "  audio          {} {} ch {} Hz, {} kbit/s",
            a.codec,
            a.channels,
            a.sample_rate,
            a.average_bps / 1000
        ),
        None => println!("  audio          none"),
    }
    println!(
        "  fallback       {} ({})",
        s.fallback_mp4, s.fallback_rendition
    );
    println!(
        "  images         {} ({}x{} at {:.1} s), {} + {} ({} tiles)",
        s.images.poster,
        s.images.poster_width,
        s.images.poster_height,
        s.images.poster_at_s,
        s.images.sprite,
        s.images.thumbnails_vtt,
        s.images.tiles
    );
    println!(
        "  time           probe {:.2} s, transcode {:.2} s ({:.2}x real time)",
        s.timing.probe_s, s.timing.transcode_s, s.timing.speed
    );
    for w in &s.warnings {
        println!("  warning        {} / {}", w.en, w.vi);
    }
}

fn print_facts(file: &Path, f: &MediaFacts) {
    let opt = |v: Option<String>| v.unwrap_or_else(|| "unknown".to_owned());
    println!("accepted: {}", file.display());
    println!("  container      {}", f.container);
    println!("  size           {} bytes", f.file_size_bytes);
    let header = f
        .header_duration_s
        .map(|h| format!(" (header says {h:.3} s)"))
        .unwrap_or_default();
    println!("  duration       {:.3} s{header}", f.duration_s);
    println!(
        "  video          {} {}x{}, {}, {} bit, {} fps, {} frames",
        f.video_codec,
        f.width,
        f.height,
        opt(f.pixel_format.clone()),
        opt(f.bit_depth.map(|d| d.to_string())),
        opt(f.frame_rate.map(|r| format!("{r:.3}"))),
        f.video_frames
    );
    println!(
        "  display        {}x{} {:?}, rotation {}°{}",
        f.display_width,
        f.display_height,
        f.orientation,
        f.rotation_deg,
        if f.mirrored { ", mirrored" } else { "" }
    );
    if f.has_audio {
        println!(
            "  audio          {}, {} channel(s), {} Hz",
            opt(f.audio_codec.clone()),
            opt(f.audio_channels.map(|c| c.to_string())),
            opt(f.audio_sample_rate.map(|r| r.to_string()))
        );
    } else {
        println!("  audio          none");
    }
    println!(
        "  bitrate        {} bit/s",
        opt(f.bitrate_bps.map(|b| b.to_string()))
    );
    for w in &f.warnings {
        println!("  warning        {} / {}", w.en, w.vi);
    }
}

fn default_database_url() -> anyhow::Result<String> {
    let data_dir = std::env::var_os("LMS_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("./data"));
    std::fs::create_dir_all(&data_dir)
        .with_context(|| format!("creating {}", data_dir.display()))?;
    Ok(format!(
        "sqlite://{}?mode=rwc",
        data_dir.join("lms.db").display()
    ))
}

fn run_command(args: RunArgs) -> anyhow::Result<ExitCode> {
    let options = args.policy.options()?;
    let database_url = match args.database_url {
        Some(url) => url,
        None => default_database_url()?,
    };
    let storage = worker::default_storage().context("opening media storage")?;
    let mut cfg = WorkerConfig::new(
        args.worker_id.unwrap_or_else(worker::default_worker_id),
        storage,
    );
    cfg.poll_interval = Duration::from_millis(args.poll_interval_ms);
    cfg.shutdown_grace = Duration::from_secs(args.shutdown_grace_s);
    cfg.max_job_time = Duration::from_secs(args.job_max_seconds);
    let redis_url = args.redis_url.clone();
    cfg.max_job_memory_bytes = args.job_max_memory_mb << 20;
    cfg.once = args.once;
    cfg.probe = options;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let db = lms_domain::db::connect(&database_url)
            .await
            .context("connecting to the database")?;
        let mut cfg = cfg;
        if let Some(url) = &redis_url {
            cfg.announcer = Some(
                worker::Announcer::connect(url)
                    .await
                    .context("connecting to Redis (REDIS_URL)")?,
            );
        }
        let (stop_tx, stop_rx) = watch::channel(false);
        tokio::spawn(async move {
            wait_for_signal().await;
            info!("stop requested; no new jobs will be claimed");
            let _ = stop_tx.send(true);
            wait_for_signal().await;
            warn!("second stop request; exiting now (the job's lease will expire)");
            std::process::exit(130);
        });
        worker::run(&db, &cfg, stop_rx).await?;
        db.close().await.ok();
        Ok(ExitCode::SUCCESS)
    })
}

/// Resolves on SIGINT or SIGTERM.
async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(e) => {
                warn!(error = %e, "cannot listen for SIGTERM");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
