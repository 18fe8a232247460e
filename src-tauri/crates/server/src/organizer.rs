//! What organizers do before a contest: create it, import problems and teams,
//! assign IPs, hand out passwords. Each operation checks everything before
//! it writes, and writes in one transaction.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use floorjudge_store::{ContestSettings, ImportCounts, Store};
use serde::Serialize;

use crate::import::contest::{self as contest_files, ProblemListEntry};
use crate::import::problems::{self, ProblemOverrides, ProblemReport};
use crate::import::teams;
use crate::{ContestDir, OrganizerError, passwords};

/// Who the audit log names for command-line actions.
pub fn cli_actor() -> String {
    let user = std::env::var("SUDO_USER")
        .or_else(|_| std::env::var("USER"))
        .unwrap_or_else(|_| "unknown".into());
    format!("cli:{user}")
}

/// Reports progress of long work: `(what, done, total)`.
pub type Progress<'a> = &'a mut dyn FnMut(&str, usize, usize);

/// What `contest init` did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct InitReport {
    /// Problems imported.
    pub problems: Vec<ProblemReport>,
    /// Team objects imported.
    pub teams: Option<ImportCounts>,
    /// Warnings for the organizer.
    pub warnings: Vec<String>,
}

/// Creates a contest in `dir`, optionally from a contest package folder
/// (`contest.yaml`, `problems.yaml`, problem folders, team files). On any
/// error the new database is removed again: nothing half-made is left.
pub fn init_contest(
    dir: &ContestDir,
    from: Option<&Path>,
    name: Option<&str>,
    progress: Progress<'_>,
) -> Result<InitReport, OrganizerError> {
    let mut settings = ContestSettings::default();
    let scanned = from.map(contest_files::scan).transpose()?;
    if let Some(path) = scanned.as_ref().and_then(|s| s.contest_yaml.as_ref()) {
        contest_files::apply_contest_yaml(path, &mut settings)?;
    }
    if let Some(name) = name {
        settings.name = name.to_owned();
    }
    let languages = scanned
        .as_ref()
        .and_then(|s| s.languages.as_deref())
        .map(crate::import::languages::parse_languages)
        .transpose()?;
    // Check every package before the contest exists.
    let mut planned = Vec::new();
    let mut report = InitReport::default();
    if let Some(s) = &scanned {
        for id in &s.missing {
            report.warnings.push(format!(
                "problem {id} is listed in {} but {} has no package for it: skipped",
                s.problem_list
                    .as_deref()
                    .map(Path::display)
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
                from.map(Path::display)
                    .map(|d| d.to_string())
                    .unwrap_or_default()
            ));
        }
        let total = s.problems.len();
        for (i, (path, entry)) in s.problems.iter().enumerate() {
            progress("reading problem packages", i, total);
            planned.push(problems::plan(
                path,
                &overrides(entry.as_ref()),
                settings.default_time_limit_ms,
            )?);
        }
        progress("reading problem packages", total, total);
    }
    let mut store = dir.create(&settings)?;
    let result = (|| -> Result<(), OrganizerError> {
        let actor = cli_actor();
        if let Some(languages) = &languages {
            store.replace_languages(languages, &actor)?;
        }
        for p in planned {
            report
                .problems
                .push(problems::store(&mut store, p, &actor)?);
        }
        if let Some(s) = &scanned
            && !s.team_files.is_empty()
        {
            let (counts, warnings) = import_teams(&mut store, &s.team_files, progress)?;
            report.teams = Some(counts);
            report.warnings.extend(warnings);
        }
        Ok(())
    })();
    if let Err(e) = result {
        drop(store);
        dir.remove_database();
        return Err(e);
    }
    Ok(report)
}

fn overrides(entry: Option<&ProblemListEntry>) -> ProblemOverrides {
    entry
        .map(|e| ProblemOverrides {
            label: e.label.clone(),
            color: e.color.clone(),
            rgb: e.rgb.clone(),
            time_limit_s: e.time_limit_s,
        })
        .unwrap_or_default()
}

/// Imports problem packages: all are read and checked first, then each is
/// stored in its own transaction. `label` applies to a single package only.
pub fn import_problems(
    store: &mut Store,
    paths: &[PathBuf],
    label: Option<&str>,
    progress: Progress<'_>,
) -> Result<Vec<ProblemReport>, OrganizerError> {
    if label.is_some() && paths.len() != 1 {
        return Err(OrganizerError::Invalid(
            "--label applies to one package at a time".into(),
        ));
    }
    let default_ms = store.contest()?.settings.default_time_limit_ms;
    let o = ProblemOverrides {
        label: label.map(str::to_owned),
        ..Default::default()
    };
    let mut planned = Vec::with_capacity(paths.len());
    for (i, p) in paths.iter().enumerate() {
        progress("reading problem packages", i, paths.len());
        let plan = problems::plan(p, &o, default_ms)?;
        if let Some(dup) = planned
            .iter()
            .find(|q: &&problems::PlannedProblem| q.id() == plan.id())
        {
            return Err(OrganizerError::Invalid(format!(
                "two packages named {} in one import: give each problem its own folder name",
                dup.id()
            )));
        }
        planned.push(plan);
    }
    progress("reading problem packages", paths.len(), paths.len());
    let actor = cli_actor();
    planned
        .into_iter()
        .map(|p| problems::store(store, p, &actor))
        .collect()
}

/// Imports team files (any mix and order) in one transaction.
pub fn import_teams(
    store: &mut Store,
    files: &[PathBuf],
    progress: Progress<'_>,
) -> Result<(ImportCounts, Vec<String>), OrganizerError> {
    let plan = teams::plan(store, files, &mut |done, total| {
        progress("hashing passwords", done, total)
    })?;
    let counts = store.import_teams(&plan.batch, &cli_actor())?;
    Ok((counts, plan.warnings))
}

/// Parses an IP address the way organizers type it.
pub fn parse_ip(text: &str) -> Result<String, OrganizerError> {
    text.trim()
        .parse::<IpAddr>()
        .map(|ip| ip.to_string())
        .map_err(|_| OrganizerError::Invalid(format!("{text:?} is not an IP address")))
}

/// A freshly generated password, shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssuedPassword {
    /// Team id.
    pub team_id: String,
    /// Team name.
    pub team_name: String,
    /// The workstation IP, if one is assigned.
    pub ip: Option<String>,
    /// The password in clear: print it, hand it out, never store it.
    pub password: String,
}

/// Which teams get a new password.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PasswordFilter {
    /// Skip teams that have a password already.
    pub only_missing: bool,
    /// Skip teams with a pre-assigned IP.
    pub without_ip: bool,
}

/// Generates new passwords for one team or every team the filter keeps, and
/// stores only their argon2id hashes (one transaction).
pub fn generate_passwords(
    store: &mut Store,
    team: Option<&str>,
    filter: PasswordFilter,
    progress: Progress<'_>,
) -> Result<Vec<IssuedPassword>, OrganizerError> {
    let teams = match team {
        Some(key) => vec![store.team(key)?],
        None => store.teams()?,
    };
    let teams: Vec<_> = teams
        .into_iter()
        .filter(|t| !(filter.only_missing && t.has_password))
        .filter(|t| !(filter.without_ip && t.ip.is_some()))
        .collect();
    let total = teams.len();
    let mut issued = Vec::with_capacity(total);
    let mut hashes = Vec::with_capacity(total);
    for (i, t) in teams.into_iter().enumerate() {
        progress("hashing passwords", i, total);
        let password = passwords::generate();
        let hash =
            passwords::hash(&password).map_err(|e| OrganizerError::Invalid(e.to_string()))?;
        hashes.push((t.id.clone(), hash));
        issued.push(IssuedPassword {
            team_id: t.id,
            team_name: t.display_name.unwrap_or(t.name),
            ip: t.ip,
            password,
        });
    }
    progress("hashing passwords", issued.len(), issued.len());
    store.set_team_password_hashes(&hashes, &cli_actor())?;
    Ok(issued)
}

/// Sets a password a person chose, after the policy check.
pub fn set_password(store: &mut Store, team: &str, password: &str) -> Result<(), OrganizerError> {
    let t = store.team(team)?;
    let mut words = vec![t.id.as_str(), t.name.as_str()];
    if let Some(d) = &t.display_name {
        words.push(d);
    }
    passwords::check_policy(password, &words)
        .map_err(|e| OrganizerError::Invalid(format!("team {}: {e}", t.id)))?;
    let hash = passwords::hash(password).map_err(|e| OrganizerError::Invalid(e.to_string()))?;
    store.set_team_password_hashes(&[(t.id, hash)], &cli_actor())?;
    Ok(())
}

/// Writes issued passwords as CSV (team_id,team_name,ip,password), readable
/// only by its owner. Refuses to overwrite a file.
pub fn write_password_csv(path: &Path, issued: &[IssuedPassword]) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    writeln!(f, "team_id,team_name,ip,password")?;
    for p in issued {
        writeln!(
            f,
            "{},{},{},{}",
            csv_field(&p.team_id),
            csv_field(&p.team_name),
            csv_field(p.ip.as_deref().unwrap_or("")),
            p.password
        )?;
    }
    f.sync_all()
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// Sets how kiosks may identify from a comma-separated list (`ip,password`).
pub fn set_id_modes(
    store: &mut Store,
    modes: &str,
    actor: &str,
) -> Result<Vec<floorjudge_store::IdMode>, OrganizerError> {
    let parsed = modes
        .split(',')
        .map(|m| m.trim().parse::<floorjudge_store::IdMode>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(OrganizerError::Invalid)?;
    let mut settings = store.contest()?.settings;
    settings.id_modes = parsed.clone();
    store.update_contest(&settings, actor)?;
    Ok(parsed)
}

/// A submission with where it stands with the judges, for the jury's lists.
#[derive(Debug, Clone, Serialize)]
pub struct SubmissionListing {
    /// The submission.
    #[serde(flatten)]
    pub submission: floorjudge_store::Submission,
    /// Queue position, judging or verdict.
    pub judge: floorjudge_store::JudgeState,
}

/// Every submission, oldest first (only `team`'s with one), with its judge state.
pub fn submission_listing(
    store: &Store,
    team: Option<&str>,
) -> Result<Vec<SubmissionListing>, OrganizerError> {
    let mut out = Vec::new();
    for s in store.submissions()? {
        if team.is_some_and(|t| s.team_id != t) {
            continue;
        }
        let judge = store.judge_state(s.id)?;
        out.push(SubmissionListing {
            submission: s,
            judge,
        });
    }
    Ok(out)
}

/// Issues credentials for judgehost `name`, with the fingerprint of the
/// jury's certificate for it to pin.
pub fn issue_judgehost(
    dir: &ContestDir,
    store: &mut Store,
    name: &str,
    actor: &str,
) -> Result<floorjudge_proto::judgehost::Credentials, OrganizerError> {
    let keys = crate::keys::JuryKeys::load_or_create(dir.root())
        .map_err(|e| OrganizerError::Invalid(e.to_string()))?;
    let mut creds = crate::judgehost_credentials::issue(store, &keys, name, actor)?;
    let identity =
        crate::serve::jury_tls_identity(dir).map_err(|e| OrganizerError::Invalid(e.to_string()))?;
    creds.jury_fingerprint = Some(identity.fingerprint().to_string());
    Ok(creds)
}

/// Changes how many medals the contest gives (each 0 to 1000; audited as
/// `contest.medals`); `None` leaves a count as it is.
pub fn set_medals(
    store: &mut Store,
    gold: Option<u32>,
    silver: Option<u32>,
    bronze: Option<u32>,
    extra_bronze: Option<u32>,
    actor: &str,
) -> Result<floorjudge_store::MedalCounts, OrganizerError> {
    let mut s = store.contest()?.settings;
    for (name, v) in [
        ("gold", gold),
        ("silver", silver),
        ("bronze", bronze),
        ("extra bronze", extra_bronze),
    ] {
        if let Some(n) = v
            && n > 1000
        {
            return Err(OrganizerError::Invalid(format!(
                "{n} {name} medals: between 0 and 1000"
            )));
        }
    }
    let m = &mut s.medals;
    m.gold = gold.unwrap_or(m.gold);
    m.silver = silver.unwrap_or(m.silver);
    m.bronze = bronze.unwrap_or(m.bronze);
    m.extra_bronze = extra_bronze.unwrap_or(m.extra_bronze);
    let detail = format!(
        "gold {}, silver {}, bronze {}, extra bronze {}",
        m.gold, m.silver, m.bronze, m.extra_bronze
    );
    let medals = *m;
    store.change_contest(&s, actor, "contest.medals", Some(&detail))?;
    Ok(medals)
}
