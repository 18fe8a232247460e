//! Teams, their organizations and groups, and login accounts.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;

use crate::audit::record;
use crate::{Result, Store, StoreError};

/// An organization (university, company) teams belong to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Organization {
    /// CLICS id.
    pub id: String,
    /// ICPC id, if known.
    pub icpc_id: Option<String>,
    /// Short name.
    pub name: String,
    /// Full name.
    pub formal_name: Option<String>,
    /// ISO 3166-1 alpha-3 country code.
    pub country: Option<String>,
}

/// A group (category) of teams.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Group {
    /// CLICS id.
    pub id: String,
    /// ICPC id, if known.
    pub icpc_id: Option<String>,
    /// Display name.
    pub name: String,
    /// Whether the group is hidden from the public scoreboard.
    pub hidden: bool,
}

/// A team as imported: everything but its IP and password, which come from
/// accounts or from the organizer's commands.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TeamImport {
    /// CLICS id.
    pub id: String,
    /// ICPC id, if known.
    pub icpc_id: Option<String>,
    /// CLICS label (defaults to the id).
    pub label: Option<String>,
    /// Team name.
    pub name: String,
    /// Name to display, if different.
    pub display_name: Option<String>,
    /// Organization id.
    pub organization_id: Option<String>,
    /// Group ids.
    pub group_ids: Vec<String>,
    /// Where the team sits, as text.
    pub location: Option<String>,
    /// Hidden from the public scoreboard.
    pub hidden: bool,
}

/// A stored team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Team {
    /// CLICS id.
    pub id: String,
    /// ICPC id, if known.
    pub icpc_id: Option<String>,
    /// CLICS label.
    pub label: String,
    /// Team name.
    pub name: String,
    /// Name to display, if different.
    pub display_name: Option<String>,
    /// Organization id.
    pub organization_id: Option<String>,
    /// Group ids.
    pub group_ids: Vec<String>,
    /// Where the team sits.
    pub location: Option<String>,
    /// Hidden from the public scoreboard.
    pub hidden: bool,
    /// The workstation address bound to the team, if any.
    pub ip: Option<String>,
    /// Whether a password is set (the hash itself never leaves the store
    /// except through [`Store::team_password_hash`]).
    pub has_password: bool,
}

/// What kind of login an account is (CLICS `account.type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AccountKind {
    /// A team's login.
    Team,
    /// A jury member.
    Judge,
    /// An administrator.
    Admin,
    /// An analyst.
    Analyst,
    /// Staff.
    Staff,
}

impl AccountKind {
    /// The CLICS name.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountKind::Team => "team",
            AccountKind::Judge => "judge",
            AccountKind::Admin => "admin",
            AccountKind::Analyst => "analyst",
            AccountKind::Staff => "staff",
        }
    }
}

impl fmt::Display for AccountKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AccountKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "team" => AccountKind::Team,
            "judge" | "jury" => AccountKind::Judge,
            "admin" => AccountKind::Admin,
            "analyst" => AccountKind::Analyst,
            "staff" => AccountKind::Staff,
            other => {
                return Err(format!(
                    "unknown account type {other:?} (team, judge, admin, analyst, staff)"
                ));
            }
        })
    }
}

/// A login account. For a team account, its IP and password hash are applied
/// to the team it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// CLICS id.
    pub id: String,
    /// Login name.
    pub username: String,
    /// Kind of account.
    pub kind: AccountKind,
    /// Full name.
    pub name: Option<String>,
    /// The team, for a team account.
    pub team_id: Option<String>,
    /// Pre-assigned workstation address.
    pub ip: Option<String>,
    /// argon2id hash of the password, if one was given.
    pub password_hash: Option<String>,
}

/// One import: organizations, groups, teams and accounts, applied in that
/// order in one transaction. Existing objects with the same id are updated.
#[derive(Debug, Clone, Default)]
pub struct TeamBatch {
    /// Organizations to create or update.
    pub organizations: Vec<Organization>,
    /// Groups to create or update.
    pub groups: Vec<Group>,
    /// Teams to create or update.
    pub teams: Vec<TeamImport>,
    /// Accounts to create or update.
    pub accounts: Vec<Account>,
}

/// How many objects an import touched.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ImportCounts {
    /// Organizations created or updated.
    pub organizations: usize,
    /// Groups created or updated.
    pub groups: usize,
    /// Teams created or updated.
    pub teams: usize,
    /// Accounts created or updated.
    pub accounts: usize,
    /// Team IPs assigned.
    pub ips: usize,
    /// Passwords set.
    pub passwords: usize,
}

pub(crate) fn check_ip_free(conn: &Connection, team_id: &str, ip: &str) -> Result<()> {
    let holder: Option<String> = conn
        .query_row(
            "SELECT id FROM teams WHERE ip = ?1 AND id <> ?2",
            params![ip, team_id],
            |r| r.get(0),
        )
        .optional()?;
    match holder {
        Some(other) => Err(StoreError::Conflict(format!(
            "IP {ip} is already assigned to team {other}"
        ))),
        None => Ok(()),
    }
}

/// Whether a row with this id exists in `table` (one of our own table names).
fn exists(conn: &Connection, table: &str, id: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT EXISTS (SELECT 1 FROM {table} WHERE id = ?1)"
        ))?
        .query_row([id], |r| r.get(0))?)
}

/// The id of the team `key` names: a team id, or the username of an account
/// that belongs to a team.
pub(crate) fn team_id_for(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached(
            "SELECT id FROM teams WHERE id = ?1
             UNION ALL SELECT team_id FROM accounts WHERE username = ?1 AND team_id IS NOT NULL
             LIMIT 1",
        )?
        .query_row([key], |r| r.get(0))
        .optional()?)
}

pub(crate) fn require_team(conn: &Connection, team_id: &str) -> Result<()> {
    if exists(conn, "teams", team_id)? {
        Ok(())
    } else {
        Err(StoreError::NotFound {
            kind: "team",
            id: team_id.to_owned(),
        })
    }
}

fn import_team(tx: &Transaction<'_>, t: &TeamImport) -> Result<()> {
    if let Some(org) = &t.organization_id
        && !exists(tx, "organizations", org)?
    {
        return Err(StoreError::Conflict(format!(
            "team {} names organization {org}, which does not exist",
            t.id
        )));
    }
    tx.prepare_cached(
        "INSERT INTO teams (id, icpc_id, label, name, display_name, organization_id, location, hidden)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (id) DO UPDATE SET icpc_id = excluded.icpc_id, label = excluded.label,
             name = excluded.name, display_name = excluded.display_name,
             organization_id = excluded.organization_id, location = excluded.location,
             hidden = excluded.hidden",
    )?
    .execute(params![
        t.id,
        t.icpc_id,
        t.label,
        t.name,
        t.display_name,
        t.organization_id,
        t.location,
        t.hidden
    ])?;
    tx.prepare_cached("DELETE FROM team_groups WHERE team_id = ?1")?
        .execute([&t.id])?;
    for group in &t.group_ids {
        if !exists(tx, "groups", group)? {
            return Err(StoreError::Conflict(format!(
                "team {} names group {group}, which does not exist",
                t.id
            )));
        }
        tx.prepare_cached("INSERT OR IGNORE INTO team_groups (team_id, group_id) VALUES (?1, ?2)")?
            .execute(params![t.id, group])?;
    }
    Ok(())
}

fn import_account(tx: &Transaction<'_>, a: &Account, counts: &mut ImportCounts) -> Result<()> {
    if let Some(team_id) = &a.team_id {
        require_team(tx, team_id)?;
        if let Some(ip) = &a.ip {
            check_ip_free(tx, team_id, ip)?;
            tx.execute(
                "UPDATE teams SET ip = ?1 WHERE id = ?2",
                params![ip, team_id],
            )?;
            record(
                tx,
                "organizer",
                "team.set_ip",
                Some(team_id),
                Some(ip),
                None,
            )?;
            counts.ips += 1;
        }
        if let Some(hash) = &a.password_hash {
            tx.execute(
                "UPDATE teams SET password_hash = ?1 WHERE id = ?2",
                params![hash, team_id],
            )?;
            counts.passwords += 1;
        }
    } else if a.password_hash.is_some() {
        counts.passwords += 1;
    }
    let taken: Option<String> = tx
        .query_row(
            "SELECT username FROM accounts WHERE id = ?1 AND username <> ?2",
            params![a.id, a.username],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(other) = taken {
        return Err(StoreError::Conflict(format!(
            "account id {} already belongs to username {other}",
            a.id
        )));
    }
    tx.prepare_cached(
        "INSERT INTO accounts (username, id, kind, name, team_id, ip, password_hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (username) DO UPDATE SET id = excluded.id, kind = excluded.kind,
             name = excluded.name, team_id = excluded.team_id, ip = excluded.ip,
             password_hash = COALESCE(excluded.password_hash, accounts.password_hash)",
    )?
    .execute(params![
        a.username,
        a.id,
        a.kind.as_str(),
        a.name,
        a.team_id,
        a.ip,
        a.password_hash
    ])?;
    counts.accounts += 1;
    Ok(())
}

impl Store {
    /// Applies an import in one transaction: nothing is written if any part fails.
    pub fn import_teams(&mut self, batch: &TeamBatch, actor: &str) -> Result<ImportCounts> {
        let tx = self.conn.transaction()?;
        let mut counts = ImportCounts::default();
        for o in &batch.organizations {
            tx.prepare_cached(
                "INSERT INTO organizations (id, icpc_id, name, formal_name, country)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (id) DO UPDATE SET icpc_id = excluded.icpc_id, name = excluded.name,
                     formal_name = excluded.formal_name, country = excluded.country",
            )?
            .execute(params![o.id, o.icpc_id, o.name, o.formal_name, o.country])?;
            counts.organizations += 1;
        }
        for g in &batch.groups {
            tx.prepare_cached(
                "INSERT INTO groups (id, icpc_id, name, hidden) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (id) DO UPDATE SET icpc_id = excluded.icpc_id, name = excluded.name,
                     hidden = excluded.hidden",
            )?
            .execute(params![g.id, g.icpc_id, g.name, g.hidden])?;
            counts.groups += 1;
        }
        for t in &batch.teams {
            import_team(&tx, t)?;
            counts.teams += 1;
        }
        for a in &batch.accounts {
            import_account(&tx, a, &mut counts)?;
        }
        let detail = serde_json::to_string(&counts).unwrap_or_default();
        record(&tx, actor, "team.import", None, Some(&detail), None)?;
        tx.commit()?;
        Ok(counts)
    }

    /// All organizations, by id.
    pub fn organizations(&self) -> Result<Vec<Organization>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, icpc_id, name, formal_name, country FROM organizations ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(Organization {
                id: r.get(0)?,
                icpc_id: r.get(1)?,
                name: r.get(2)?,
                formal_name: r.get(3)?,
                country: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// All groups, by id.
    pub fn groups(&self) -> Result<Vec<Group>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, icpc_id, name, hidden FROM groups ORDER BY id")?;
        let rows = stmt.query_map([], |r| {
            Ok(Group {
                id: r.get(0)?,
                icpc_id: r.get(1)?,
                name: r.get(2)?,
                hidden: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// All accounts, by username (without password hashes).
    pub fn accounts(&self) -> Result<Vec<Account>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, username, kind, name, team_id, ip, password_hash IS NOT NULL
             FROM accounts ORDER BY username",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, Option<String>>(5)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, username, kind, name, team_id, ip) = row?;
            out.push(Account {
                id,
                username,
                kind: kind.parse().map_err(StoreError::Corrupt)?,
                name,
                team_id,
                ip,
                password_hash: None,
            });
        }
        Ok(out)
    }

    /// All teams, by id (numeric ids in numeric order).
    pub fn teams(&self) -> Result<Vec<Team>> {
        let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
        {
            let mut stmt = self
                .conn
                .prepare("SELECT team_id, group_id FROM team_groups ORDER BY group_id")?;
            let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get(1)?)))?;
            for row in rows {
                let (team, group) = row?;
                groups.entry(team).or_default().push(group);
            }
        }
        let mut stmt = self.conn.prepare(
            "SELECT id, icpc_id, label, name, display_name, organization_id, location, hidden, ip,
                    password_hash IS NOT NULL
             FROM teams ORDER BY length(id), id",
        )?;
        let rows = stmt.query_map([], |r| {
            let id: String = r.get(0)?;
            Ok(Team {
                icpc_id: r.get(1)?,
                label: r.get::<_, Option<String>>(2)?.unwrap_or_else(|| id.clone()),
                name: r.get(3)?,
                display_name: r.get(4)?,
                organization_id: r.get(5)?,
                location: r.get(6)?,
                hidden: r.get(7)?,
                ip: r.get(8)?,
                has_password: r.get(9)?,
                group_ids: Vec::new(),
                id,
            })
        })?;
        let mut teams = rows.collect::<Result<Vec<_>, _>>()?;
        for t in &mut teams {
            t.group_ids = groups.remove(&t.id).unwrap_or_default();
        }
        Ok(teams)
    }

    /// One team by its id, or by the username of its team account.
    pub fn team(&self, key: &str) -> Result<Team> {
        let id = team_id_for(&self.conn, key)?.ok_or_else(|| StoreError::NotFound {
            kind: "team",
            id: key.to_owned(),
        })?;
        self.teams()?
            .into_iter()
            .find(|t| t.id == id)
            .ok_or(StoreError::NotFound { kind: "team", id })
    }

    /// The team bound to a workstation address, if any.
    pub fn team_by_ip(&self, ip: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT id FROM teams WHERE ip = ?1", [ip], |r| r.get(0))
            .optional()?)
    }

    /// Binds (`Some`) or releases (`None`) a team's workstation address.
    pub fn set_team_ip(
        &mut self,
        team_id: &str,
        ip: Option<&str>,
        actor: &str,
        source_ip: Option<&str>,
    ) -> Result<()> {
        let tx = self.conn.transaction()?;
        require_team(&tx, team_id)?;
        if let Some(ip) = ip {
            check_ip_free(&tx, team_id, ip)?;
        }
        tx.execute(
            "UPDATE teams SET ip = ?1 WHERE id = ?2",
            params![ip, team_id],
        )?;
        let action = if ip.is_some() {
            "team.set_ip"
        } else {
            "team.reset_ip"
        };
        record(&tx, actor, action, Some(team_id), ip, source_ip)?;
        tx.commit()?;
        Ok(())
    }

    /// Sets several teams' password hashes at once (all or none).
    pub fn set_team_password_hashes(
        &mut self,
        hashes: &[(String, String)],
        actor: &str,
    ) -> Result<()> {
        let tx = self.conn.transaction()?;
        for (team_id, hash) in hashes {
            require_team(&tx, team_id)?;
            tx.execute(
                "UPDATE teams SET password_hash = ?1 WHERE id = ?2",
                params![hash, team_id],
            )?;
            record(&tx, actor, "team.set_password", Some(team_id), None, None)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// A team's password hash, for verifying a login.
    pub fn team_password_hash(&self, team_id: &str) -> Result<Option<String>> {
        require_team(&self.conn, team_id)?;
        Ok(self.conn.query_row(
            "SELECT password_hash FROM teams WHERE id = ?1",
            [team_id],
            |r| r.get(0),
        )?)
    }
}
