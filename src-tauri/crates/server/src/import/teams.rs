//! Team lists: DOMjudge's and CLICS's `teams.json`, `teams.tsv` (File_Version 2),
//! `groups.json` / `groups.tsv` (File_Version 1), `organizations.json`, and
//! accounts as `accounts.yaml` / `.json` / `.tsv` (`accounts<TAB>1`, with an
//! optional IP column: how organizers pre-assign workstations).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use floorjudge_proto::id::validate_id;
use floorjudge_store::{Account, AccountKind, Group, Organization, Store, TeamBatch, TeamImport};
use serde::Deserialize;

use super::{ImportError, line_containing, parse_structured, read_text};
use crate::passwords;

/// What a team-list file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TeamFileKind {
    /// Teams.
    Teams,
    /// Groups (categories).
    Groups,
    /// Organizations (affiliations).
    Organizations,
    /// Login accounts.
    Accounts,
}

/// The result of checking team files: a batch ready for the store.
#[derive(Debug, Clone, Default)]
pub struct TeamImportPlan {
    /// What to write.
    pub batch: TeamBatch,
    /// What the organizer should know (placeholders created, …).
    pub warnings: Vec<String>,
}

/// Where a record came from.
#[derive(Debug, Clone)]
struct Origin {
    file: PathBuf,
    line: Option<usize>,
}

impl Origin {
    fn error(&self, message: impl Into<String>) -> ImportError {
        ImportError::at(&self.file, self.line, message)
    }

    fn describe(&self) -> String {
        match self.line {
            Some(l) => format!("{}:{l}", self.file.display()),
            None => self.file.display().to_string(),
        }
    }
}

/// An id that files write as text or as a number.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum FlexId {
    Text(String),
    Int(i64),
}

impl FlexId {
    fn text(self) -> String {
        match self {
            FlexId::Text(s) => s,
            FlexId::Int(n) => n.to_string(),
        }
    }
}

#[derive(Debug, Deserialize)]
struct RawTeam {
    id: FlexId,
    icpc_id: Option<FlexId>,
    label: Option<FlexId>,
    name: Option<String>,
    display_name: Option<String>,
    organization_id: Option<FlexId>,
    #[serde(default)]
    group_ids: Option<Vec<FlexId>>,
    hidden: Option<bool>,
    location: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct RawGroup {
    id: FlexId,
    icpc_id: Option<FlexId>,
    name: String,
    hidden: Option<bool>,
}

#[derive(Debug, Deserialize)]
struct RawOrganization {
    id: FlexId,
    icpc_id: Option<FlexId>,
    name: Option<String>,
    formal_name: Option<String>,
    country: Option<String>,
}

#[derive(Debug, Deserialize)]
struct RawAccount {
    id: Option<FlexId>,
    username: FlexId,
    password: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    name: Option<String>,
    ip: Option<String>,
    team_id: Option<FlexId>,
}

/// Everything read from the files, each record with its origin.
#[derive(Default)]
struct Collected {
    organizations: Vec<(Origin, Organization)>,
    groups: Vec<(Origin, Group)>,
    teams: Vec<(Origin, TeamImport)>,
    accounts: Vec<(Origin, RawAccount)>,
}

/// Tells what a file holds from its name and, for TSV, its header line.
pub fn detect_kind(path: &Path, text: &str) -> Result<TeamFileKind, ImportError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let by_name = if name.contains("account") {
        Some(TeamFileKind::Accounts)
    } else if name.contains("organization") || name.contains("affiliation") {
        Some(TeamFileKind::Organizations)
    } else if name.contains("group") || name.contains("categor") {
        Some(TeamFileKind::Groups)
    } else if name.contains("team") {
        Some(TeamFileKind::Teams)
    } else {
        None
    };
    if name.starts_with("contest.")
        || name.starts_with("problems.")
        || name.starts_with("problemset.")
    {
        return Err(ImportError::file(
            path,
            "is a contest file, not a team list: use `contest init --from DIR`",
        ));
    }
    match ext.as_str() {
        "tsv" | "txt" => {
            let header = text.lines().next().unwrap_or("").trim_end_matches('\r');
            let fields: Vec<&str> = header.split('\t').map(str::trim).collect();
            let kind = match fields.as_slice() {
                ["accounts", "1", ..] => TeamFileKind::Accounts,
                ["File_Version", "1", ..] if by_name != Some(TeamFileKind::Teams) => {
                    TeamFileKind::Groups
                }
                ["File_Version", "2", ..] if by_name != Some(TeamFileKind::Groups) => {
                    TeamFileKind::Teams
                }
                ["File_Version" | "accounts", version, ..] => {
                    return Err(ImportError::at(
                        path,
                        Some(1),
                        format!(
                            "unknown TSV version {version:?}: expected `File_Version<TAB>1` \
                             (groups), `File_Version<TAB>2` (teams) or `accounts<TAB>1`"
                        ),
                    ));
                }
                _ => {
                    return Err(ImportError::at(
                        path,
                        Some(1),
                        format!(
                            "unknown TSV header {header:?}: expected `File_Version<TAB>1` \
                             (groups), `File_Version<TAB>2` (teams) or `accounts<TAB>1`"
                        ),
                    ));
                }
            };
            Ok(kind)
        }
        "json" | "yaml" | "yml" => by_name.ok_or_else(|| {
            ImportError::file(
                path,
                "cannot tell what this file holds: name it teams, groups, organizations or \
                 accounts (.json, .yaml or .tsv)",
            )
        }),
        _ => Err(ImportError::file(
            path,
            "unknown file type: expected .json, .yaml or .tsv",
        )),
    }
}

fn check_id(origin: &Origin, what: &str, id: &str) -> Result<(), ImportError> {
    validate_id(id)
        .map_err(|e| origin.error(format!("{what} id {id:?} is not valid: {}", e.reason)))
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

fn check_country(origin: &Origin, country: Option<String>) -> Result<Option<String>, ImportError> {
    match non_empty(country) {
        None => Ok(None),
        Some(c) if c.len() == 3 && c.bytes().all(|b| b.is_ascii_alphabetic()) => {
            Ok(Some(c.to_ascii_uppercase()))
        }
        Some(c) => Err(origin.error(format!(
            "country {c:?} is not an ISO 3166-1 alpha-3 code (like SWE or DEU)"
        ))),
    }
}

/// Canonical text of an IP address, or an error naming the bad value.
fn check_ip(origin: &Origin, ip: &str) -> Result<String, ImportError> {
    ip.trim()
        .parse::<IpAddr>()
        .map(|ip| ip.to_string())
        .map_err(|_| origin.error(format!("ip {ip:?} is not an IP address")))
}

fn structured_origin(path: &Path, text: &str, id: &str) -> Origin {
    let line = line_containing(text, &["id", &format!("\"{id}\"")])
        .or_else(|| line_containing(text, &["id:", id]))
        .or_else(|| line_containing(text, &["username", id]));
    Origin {
        file: path.to_owned(),
        line,
    }
}

fn tsv_rows(text: &str) -> impl Iterator<Item = (usize, Vec<&str>)> {
    text.lines()
        .enumerate()
        .skip(1)
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r')))
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, l)| (n, l.split('\t').map(str::trim).collect()))
}

fn read_file(path: &Path, into: &mut Collected) -> Result<(), ImportError> {
    let text = read_text(path)?;
    let kind = detect_kind(path, &text)?;
    let is_tsv = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("tsv") || e.eq_ignore_ascii_case("txt"));
    let origin = |line| Origin {
        file: path.to_owned(),
        line: Some(line),
    };
    match (kind, is_tsv) {
        (TeamFileKind::Teams, false) => {
            let raw: Vec<RawTeam> = parse_structured(path, &text)?;
            for t in raw {
                let id = t.id.text();
                let o = structured_origin(path, &text, &id);
                check_id(&o, "team", &id)?;
                let name = non_empty(t.name)
                    .or_else(|| non_empty(t.display_name.clone()))
                    .ok_or_else(|| o.error(format!("team {id} has no name")))?;
                let location = match t.location {
                    Some(serde_json::Value::Object(m)) => m
                        .get("description")
                        .and_then(|d| d.as_str())
                        .map(str::to_owned)
                        .or_else(|| Some(serde_json::Value::Object(m).to_string())),
                    Some(serde_json::Value::String(s)) => Some(s),
                    _ => None,
                };
                let team = TeamImport {
                    icpc_id: t.icpc_id.map(FlexId::text),
                    label: t.label.map(FlexId::text),
                    name,
                    display_name: non_empty(t.display_name),
                    organization_id: t.organization_id.map(FlexId::text),
                    group_ids: t
                        .group_ids
                        .unwrap_or_default()
                        .into_iter()
                        .map(FlexId::text)
                        .collect(),
                    location,
                    hidden: t.hidden.unwrap_or(false),
                    id,
                };
                into.teams.push((o, team));
            }
        }
        (TeamFileKind::Teams, true) => {
            for (n, f) in tsv_rows(&text) {
                let o = origin(n);
                if f.len() < 4 {
                    return Err(o.error(format!(
                        "expected at least 4 tab-separated columns (id, icpc id, group id, \
                         name), found {}",
                        f.len()
                    )));
                }
                check_id(&o, "team", f[0])?;
                let col = |i: usize| f.get(i).map(|s| s.to_string()).filter(|s| !s.is_empty());
                let org_id = col(7).or_else(|| col(5).map(|short| format!("org-{short}")));
                if let Some(org) = &org_id {
                    check_id(&o, "organization", org)?;
                    into.organizations.push((
                        o.clone(),
                        Organization {
                            id: org.clone(),
                            icpc_id: None,
                            name: col(5).or_else(|| col(4)).unwrap_or_else(|| org.clone()),
                            formal_name: col(4),
                            country: check_country(&o, col(6))?,
                        },
                    ));
                }
                if f[3].is_empty() {
                    return Err(o.error(format!("team {} has no name", f[0])));
                }
                into.teams.push((
                    o,
                    TeamImport {
                        id: f[0].to_owned(),
                        icpc_id: col(1),
                        label: None,
                        name: f[3].to_owned(),
                        display_name: None,
                        organization_id: org_id,
                        group_ids: col(2).into_iter().collect(),
                        location: None,
                        hidden: false,
                    },
                ));
            }
        }
        (TeamFileKind::Groups, false) => {
            let raw: Vec<RawGroup> = parse_structured(path, &text)?;
            for g in raw {
                let id = g.id.text();
                let o = structured_origin(path, &text, &id);
                check_id(&o, "group", &id)?;
                into.groups.push((
                    o,
                    Group {
                        id,
                        icpc_id: g.icpc_id.map(FlexId::text),
                        name: g.name,
                        hidden: g.hidden.unwrap_or(false),
                    },
                ));
            }
        }
        (TeamFileKind::Groups, true) => {
            for (n, f) in tsv_rows(&text) {
                let o = origin(n);
                let [id, name, ..] = f.as_slice() else {
                    return Err(o.error("expected 2 tab-separated columns (id, name)"));
                };
                check_id(&o, "group", id)?;
                into.groups.push((
                    o,
                    Group {
                        id: id.to_string(),
                        icpc_id: None,
                        name: name.to_string(),
                        hidden: false,
                    },
                ));
            }
        }
        (TeamFileKind::Organizations, false) => {
            let raw: Vec<RawOrganization> = parse_structured(path, &text)?;
            for r in raw {
                let id = r.id.text();
                let o = structured_origin(path, &text, &id);
                check_id(&o, "organization", &id)?;
                let name = non_empty(r.name)
                    .or_else(|| non_empty(r.formal_name.clone()))
                    .ok_or_else(|| o.error(format!("organization {id} has no name")))?;
                into.organizations.push((
                    o.clone(),
                    Organization {
                        id,
                        icpc_id: r.icpc_id.map(FlexId::text),
                        name,
                        formal_name: non_empty(r.formal_name),
                        country: check_country(&o, r.country)?,
                    },
                ));
            }
        }
        (TeamFileKind::Organizations, true) => {
            return Err(ImportError::file(
                path,
                "organizations come as organizations.json, or inside teams.tsv",
            ));
        }
        (TeamFileKind::Accounts, false) => {
            let raw: Vec<RawAccount> = parse_structured(path, &text)?;
            for a in raw {
                let username = a.username.clone().text();
                let o = structured_origin(path, &text, &username);
                into.accounts.push((o, a));
            }
        }
        (TeamFileKind::Accounts, true) => {
            for (n, f) in tsv_rows(&text) {
                let o = origin(n);
                if f.len() < 4 {
                    return Err(o.error(format!(
                        "expected 4 or 5 tab-separated columns (type, full name, username, \
                         password[, ip]), found {}",
                        f.len()
                    )));
                }
                let col = |i: usize| f.get(i).map(|s| s.to_string()).filter(|s| !s.is_empty());
                into.accounts.push((
                    o,
                    RawAccount {
                        id: None,
                        username: FlexId::Text(f[2].to_owned()),
                        password: col(3),
                        kind: col(0),
                        name: col(1),
                        ip: col(4),
                        team_id: None,
                    },
                ));
            }
        }
    }
    Ok(())
}

/// Refuses two records with the same key, naming both places.
fn no_duplicates<'a, T: 'a>(
    what: &str,
    items: impl IntoIterator<Item = &'a (Origin, T)>,
    key: impl Fn(&T) -> Option<String>,
) -> Result<(), ImportError> {
    let mut seen: HashMap<String, &Origin> = HashMap::new();
    for (origin, item) in items {
        let Some(k) = key(item) else { continue };
        if let Some(first) = seen.insert(k.clone(), origin) {
            return Err(origin.error(format!(
                "{what} {k} appears twice (first at {})",
                first.describe()
            )));
        }
    }
    Ok(())
}

/// Finds the team a team account belongs to: `team_id`, else a team whose id
/// is the username, else DOMjudge's convention `teamNNN` → team `NNN`.
fn resolve_team(account: &RawAccount, username: &str, known: &HashSet<String>) -> Option<String> {
    if let Some(id) = &account.team_id {
        return Some(id.clone().text());
    }
    if known.contains(username) {
        return Some(username.to_owned());
    }
    let digits = username.strip_prefix("team")?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let trimmed = digits.trim_start_matches('0');
    let trimmed = if trimmed.is_empty() { "0" } else { trimmed };
    [trimmed, digits]
        .into_iter()
        .find(|c| known.contains(*c))
        .map(str::to_owned)
}

/// Reads and checks team files (any mix, any order) against the contest.
/// Passwords in accounts are hashed here; `progress(done, total)` is called
/// as they are, since argon2 is slow on purpose.
pub fn plan(
    store: &Store,
    files: &[PathBuf],
    progress: &mut dyn FnMut(usize, usize),
) -> Result<TeamImportPlan, ImportError> {
    let mut c = Collected::default();
    for f in files {
        read_file(f, &mut c)?;
    }
    no_duplicates("team id", &c.teams, |t| Some(t.id.clone()))?;
    no_duplicates("group id", &c.groups, |g| Some(g.id.clone()))?;
    // teams.tsv repeats an organization on every line of its teams: keep the last.
    let mut orgs: BTreeMap<String, (Origin, Organization)> = BTreeMap::new();
    for (o, org) in c.organizations {
        orgs.insert(org.id.clone(), (o, org));
    }
    let map_err =
        |e: floorjudge_store::StoreError| ImportError::file(Path::new("contest"), e.to_string());
    let db_groups: HashSet<String> = store
        .groups()
        .map_err(map_err)?
        .into_iter()
        .map(|g| g.id)
        .collect();
    let db_orgs: HashSet<String> = store
        .organizations()
        .map_err(map_err)?
        .into_iter()
        .map(|o| o.id)
        .collect();
    let db_teams = store.teams().map_err(map_err)?;

    let mut warnings = Vec::new();
    let mut groups: Vec<Group> = c.groups.into_iter().map(|(_, g)| g).collect();
    let mut known_groups: HashSet<String> = db_groups
        .union(&groups.iter().map(|g| g.id.clone()).collect())
        .cloned()
        .collect();
    let mut known_orgs: HashSet<String> = db_orgs
        .union(&orgs.keys().cloned().collect())
        .cloned()
        .collect();
    for (o, t) in &c.teams {
        for g in &t.group_ids {
            check_id(o, "group", g)?;
            if known_groups.insert(g.clone()) {
                warnings.push(format!(
                    "{}: group {g} is not defined anywhere: created it as \"Group {g}\"; import \
                     groups.json or groups.tsv to name it",
                    o.describe()
                ));
                groups.push(Group {
                    id: g.clone(),
                    icpc_id: None,
                    name: format!("Group {g}"),
                    hidden: false,
                });
            }
        }
        if let Some(org) = &t.organization_id {
            check_id(o, "organization", org)?;
            if known_orgs.insert(org.clone()) {
                warnings.push(format!(
                    "{}: organization {org} is not defined anywhere: created it with its id as \
                     name; import organizations.json to name it",
                    o.describe()
                ));
                orgs.insert(
                    org.clone(),
                    (
                        o.clone(),
                        Organization {
                            id: org.clone(),
                            icpc_id: None,
                            name: org.clone(),
                            formal_name: None,
                            country: None,
                        },
                    ),
                );
            }
        }
    }

    let mut known_teams: HashSet<String> = db_teams.iter().map(|t| t.id.clone()).collect();
    known_teams.extend(c.teams.iter().map(|(_, t)| t.id.clone()));
    let team_names: HashMap<String, String> = db_teams
        .iter()
        .map(|t| (t.id.clone(), t.name.clone()))
        .chain(c.teams.iter().map(|(_, t)| (t.id.clone(), t.name.clone())))
        .collect();

    // Accounts: resolve, check, then hash.
    struct Checked {
        account: Account,
        password: Option<String>,
    }
    let mut checked: Vec<(Origin, Checked)> = Vec::new();
    for (o, a) in c.accounts {
        let username = a.username.clone().text();
        if username.is_empty() {
            return Err(o.error("account has an empty username"));
        }
        let id =
            a.id.clone()
                .map(FlexId::text)
                .unwrap_or_else(|| username.clone());
        check_id(&o, "account", &id)?;
        let kind: AccountKind = a
            .kind
            .as_deref()
            .unwrap_or("team")
            .parse()
            .map_err(|e: String| o.error(e))?;
        let team_id = if kind == AccountKind::Team {
            let t = resolve_team(&a, &username, &known_teams).ok_or_else(|| {
                o.error(format!(
                    "team account {username} names no known team: give team_id, or import the \
                     team first"
                ))
            })?;
            if !known_teams.contains(&t) {
                return Err(o.error(format!(
                    "team account {username} names team {t}, which does not exist"
                )));
            }
            Some(t)
        } else {
            None
        };
        let ip = a.ip.as_deref().map(|ip| check_ip(&o, ip)).transpose()?;
        if let Some(p) = &a.password {
            let mut words = vec![username.as_str()];
            if let Some(t) = &team_id {
                words.push(t);
                if let Some(name) = team_names.get(t) {
                    words.push(name);
                }
            }
            passwords::check_policy(p, &words)
                .map_err(|e| o.error(format!("account {username}: {e}")))?;
        }
        checked.push((
            o,
            Checked {
                account: Account {
                    id,
                    username,
                    kind,
                    name: non_empty(a.name),
                    team_id,
                    ip,
                    password_hash: None,
                },
                password: a.password,
            },
        ));
    }
    no_duplicates("account username", &checked, |c| {
        Some(c.account.username.clone())
    })?;
    no_duplicates("account id", &checked, |c| Some(c.account.id.clone()))?;
    no_duplicates("team account for team", &checked, |c| {
        c.account.team_id.clone()
    })?;
    no_duplicates("IP", &checked, |c| {
        c.account.team_id.as_ref().and(c.account.ip.clone())
    })?;
    // An IP that another team already holds in the contest (and keeps).
    let reassigned: HashSet<&str> = checked
        .iter()
        .filter_map(|(_, c)| c.account.team_id.as_deref())
        .collect();
    for (o, ch) in &checked {
        let (Some(team), Some(ip)) = (&ch.account.team_id, &ch.account.ip) else {
            continue;
        };
        if let Some(holder) = db_teams
            .iter()
            .find(|t| t.ip.as_deref() == Some(ip.as_str()) && &t.id != team)
            && !reassigned.contains(holder.id.as_str())
        {
            return Err(o.error(format!(
                "IP {ip} for team {team} is already assigned to team {}: reset it first \
                 (`team reset-ip {}`)",
                holder.id, holder.id
            )));
        }
    }

    let total = checked.iter().filter(|(_, c)| c.password.is_some()).count();
    let mut done = 0;
    let mut accounts = Vec::with_capacity(checked.len());
    for (o, mut ch) in checked {
        if let Some(p) = &ch.password {
            ch.account.password_hash =
                Some(passwords::hash(p).map_err(|e| o.error(e.to_string()))?);
            done += 1;
            progress(done, total);
        }
        accounts.push(ch.account);
    }

    Ok(TeamImportPlan {
        batch: TeamBatch {
            organizations: orgs.into_values().map(|(_, o)| o).collect(),
            groups,
            teams: c.teams.into_iter().map(|(_, t)| t).collect(),
            accounts,
        },
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_kinds_by_name_and_header() {
        let k = |name: &str, text: &str| detect_kind(Path::new(name), text);
        assert_eq!(k("teams.json", "[]"), Ok(TeamFileKind::Teams));
        assert_eq!(k("accounts.yaml", ""), Ok(TeamFileKind::Accounts));
        assert_eq!(k("x.tsv", "accounts\t1\n"), Ok(TeamFileKind::Accounts));
        assert_eq!(
            k("teams2.tsv", "File_Version\t2\n"),
            Ok(TeamFileKind::Teams)
        );
        assert_eq!(
            k("groups.tsv", "File_Version\t1\n"),
            Ok(TeamFileKind::Groups)
        );
        let err = k("teams.tsv", "File_Version\t3\n").expect_err("unknown version");
        assert_eq!(err.line, Some(1));
        assert!(err.message.contains("unknown TSV version"), "{err}");
        assert!(k("stuff.json", "[]").is_err());
        assert!(k("contest.yaml", "").is_err());
    }

    #[test]
    fn team_accounts_find_their_team() {
        let known: HashSet<String> = ["1", "45", "team7"].iter().map(|s| s.to_string()).collect();
        let acc = |team_id: Option<&str>| RawAccount {
            id: None,
            username: FlexId::Text("x".into()),
            password: None,
            kind: None,
            name: None,
            ip: None,
            team_id: team_id.map(|t| FlexId::Text(t.into())),
        };
        assert_eq!(
            resolve_team(&acc(Some("45")), "team45", &known).as_deref(),
            Some("45")
        );
        assert_eq!(
            resolve_team(&acc(None), "team001", &known).as_deref(),
            Some("1")
        );
        assert_eq!(
            resolve_team(&acc(None), "team7", &known).as_deref(),
            Some("team7")
        );
        assert_eq!(resolve_team(&acc(None), "judge", &known), None);
    }
}
