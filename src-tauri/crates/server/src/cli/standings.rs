//! `scoreboard` and `results export`: the standings from the contest's
//! store, for a person or as files for the ICPC and DOMjudge world.

use std::collections::HashSet;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use floorjudge_server::ContestDir;
use floorjudge_server::results::{self, MedalRules, ResultsStyle};
use floorjudge_server::scoreboard::{self, View};

/// `scoreboard` arguments.
#[derive(Debug, Args)]
pub struct ScoreboardArgs {
    /// The public view (frozen after the freeze, hidden teams left out)
    /// instead of the jury's.
    #[arg(long)]
    public: bool,
}

/// `results` subcommands.
#[derive(Debug, Subcommand)]
pub enum ResultsCmd {
    /// Write the final results: DOMjudge's `results.tsv` or the CLICS awards.
    Export(ExportArgs),
}

/// The export's output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// DOMjudge's results.tsv (version 1), as ICPC regionals upload it.
    Tsv,
    /// The results and the CLICS awards as JSON.
    Json,
}

/// `results export` arguments.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Tsv)]
    format: Format,
    /// Write to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Give every team its own scoreboard rank (DOMjudge's "full" results);
    /// otherwise teams below the medals with equal solved counts share one.
    #[arg(long)]
    individually_ranked: bool,
    /// Honors ("Highest Honors", "High Honors", "Honors") instead of "Ranked".
    #[arg(long)]
    honors: bool,
    /// Gold medals (default: the contest's, `contest medals`).
    #[arg(long, value_parser = clap::value_parser!(u32).range(0..=1000))]
    gold: Option<u32>,
    /// Silver medals (default: the contest's).
    #[arg(long, value_parser = clap::value_parser!(u32).range(0..=1000))]
    silver: Option<u32>,
    /// Bronze medals (default: the contest's).
    #[arg(long, value_parser = clap::value_parser!(u32).range(0..=1000))]
    bronze: Option<u32>,
    /// Extra bronze medals for ties at the last bronze place (default: the contest's).
    #[arg(long, value_parser = clap::value_parser!(u32).range(0..=1000))]
    extra_bronze: Option<u32>,
    /// A group whose teams can win medals (repeat it; default: every group).
    #[arg(long = "medal-group", value_name = "GROUP")]
    medal_groups: Vec<String>,
}

/// `floorjudge-jury scoreboard`.
pub fn scoreboard(dir: &ContestDir, args: &ScoreboardArgs, json: bool) -> Result<()> {
    let store = dir.open()?;
    let board = scoreboard::from_store(&store)?;
    let view = if args.public {
        View::Public
    } else {
        View::Jury
    };
    let rows = board.rows(view);
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "columns": board.columns(),
                "rows": rows,
            }))?
        );
        return Ok(());
    }
    let mut header = format!(
        "{:>4}  {:<28} {:>6} {:>6}",
        "rank", "team", "solved", "time"
    );
    for c in board.columns() {
        header.push_str(&format!(" {:>6}", c.label));
    }
    say!("{header}");
    for r in rows {
        let mut line = format!(
            "{:>4}  {:<28} {:>6} {:>6}",
            r.rank,
            r.name.chars().take(28).collect::<String>(),
            r.score.solved,
            r.score.total_time
        );
        for c in &r.cells {
            // tries/minute when solved (* first), tries and pending otherwise
            let cell = if c.solved {
                format!(
                    "{}{}/{}",
                    if c.first_to_solve { "*" } else { "" },
                    c.tries,
                    c.solve_minute.unwrap_or(0)
                )
            } else if c.pending > 0 {
                format!("{}+{}?", c.tries, c.pending)
            } else if c.tries > 0 {
                format!("-{}", c.tries)
            } else {
                ".".into()
            };
            line.push_str(&format!(" {cell:>6}"));
        }
        say!("{line}");
    }
    Ok(())
}

/// `floorjudge-jury results …`.
pub fn results(dir: &ContestDir, cmd: ResultsCmd) -> Result<()> {
    let ResultsCmd::Export(args) = cmd;
    let store = dir.open()?;
    let board = scoreboard::from_store(&store)?;
    let standings = results::standings_from_store(&store)?;
    let known: HashSet<String> = store.groups()?.into_iter().map(|g| g.id).collect();
    for g in &args.medal_groups {
        if !known.contains(g) {
            bail!("--medal-group {g}: the contest has no such group");
        }
    }
    let stored = store.contest()?.settings.medals;
    let medals = MedalRules {
        gold: args.gold.unwrap_or(stored.gold),
        silver: args.silver.unwrap_or(stored.silver),
        bronze: args.bronze.unwrap_or(stored.bronze),
        extra_bronze: args.extra_bronze.unwrap_or(stored.extra_bronze),
        groups: (!args.medal_groups.is_empty())
            .then(|| args.medal_groups.iter().cloned().collect()),
    };
    let rows = board.rows(View::Jury);
    let result_rows = results::results(
        &rows,
        &standings,
        &medals,
        ResultsStyle {
            individually_ranked: args.individually_ranked,
            honors: args.honors,
        },
    );
    let text = match args.format {
        Format::Tsv => results::to_tsv(&result_rows),
        Format::Json => {
            let awards = results::awards(&rows, board.columns(), &standings, &result_rows);
            let mut s = serde_json::to_string_pretty(&serde_json::json!({
                "results": result_rows,
                "awards": awards,
            }))?;
            s.push('\n');
            s
        }
    };
    match &args.out {
        Some(path) => std::fs::write(path, text)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => print!("{text}"),
    }
    Ok(())
}
