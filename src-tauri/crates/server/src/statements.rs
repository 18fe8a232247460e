//! What a team may download of a problem once the contest has started: the
//! statement as the package has it (the `statement/` folder of the 2023+
//! format, or `problem_statement/` of the legacy one: Markdown, HTML, LaTeX,
//! PDF and their images) and the sample testcases. Nothing else of the
//! package (secret data, validators, submissions) is ever served.

use floorjudge_proto::team::{MaterialFile, ProblemInfo, ProblemMaterial, SampleInfo};
use floorjudge_store::{Store, StoreError};

/// The statement folders, newest format first.
const STATEMENT_DIRS: [&str; 2] = ["statement/", "problem_statement/"];

/// A file's media type, by its extension.
pub fn media_type(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some("md") => "text/markdown; charset=utf-8",
        Some("html" | "htm") => "text/html; charset=utf-8",
        Some("tex") => "text/x-tex; charset=utf-8",
        Some("txt" | "in" | "ans") => "text/plain; charset=utf-8",
        Some("pdf") => "application/pdf",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("svg") => "image/svg+xml",
        Some("webp") => "image/webp",
        Some("css") => "text/css; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// The statement folder's files of a problem: (path inside it, hash).
fn statement_files(store: &Store, problem_id: &str) -> Result<Vec<(String, String)>, StoreError> {
    let files = store.problem_files(problem_id)?;
    for dir in STATEMENT_DIRS {
        let inside: Vec<(String, String)> = files
            .iter()
            .filter_map(|(path, sha)| Some((path.strip_prefix(dir)?.to_owned(), sha.clone())))
            .collect();
        if !inside.is_empty() {
            return Ok(inside);
        }
    }
    Ok(Vec::new())
}

fn size_of(store: &Store, sha: &str) -> Result<u64, StoreError> {
    Ok(store.blob_size(sha)?.unwrap_or(0))
}

/// The problem `key` (id or label): its statement files and samples.
pub fn material(store: &Store, key: &str) -> Result<ProblemMaterial, StoreError> {
    let problem = store.problem(key)?;
    let statement = statement_files(store, &problem.id)?
        .into_iter()
        .map(|(path, sha)| {
            Ok(MaterialFile {
                media_type: media_type(&path).to_owned(),
                size: size_of(store, &sha)?,
                path,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let samples = store
        .testcases(&problem.id)?
        .into_iter()
        .filter(|t| t.sample)
        .map(|t| {
            Ok(SampleInfo {
                input_size: size_of(store, &t.input_sha256)?,
                answer_size: size_of(store, &t.answer_sha256)?,
                name: t.name,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(ProblemMaterial {
        problem: ProblemInfo {
            id: problem.id,
            label: problem.label,
            name: problem.name,
            rgb: problem.rgb,
        },
        statement,
        samples,
    })
}

/// One statement file of problem `key`, by its path inside the statement
/// folder: `None` if there is no such file.
pub fn statement_file(
    store: &Store,
    key: &str,
    path: &str,
) -> Result<Option<(Vec<u8>, &'static str)>, StoreError> {
    let problem = store.problem(key)?;
    let Some((_, sha)) = statement_files(store, &problem.id)?
        .into_iter()
        .find(|(p, _)| p == path)
    else {
        return Ok(None);
    };
    Ok(store.blob(&sha)?.map(|b| (b, media_type(path))))
}

/// A sample's input (`answer`: its answer) of problem `key`: `None` if the
/// problem has no sample of that name.
pub fn sample_file(
    store: &Store,
    key: &str,
    name: &str,
    answer: bool,
) -> Result<Option<Vec<u8>>, StoreError> {
    let problem = store.problem(key)?;
    let Some(t) = store
        .testcases(&problem.id)?
        .into_iter()
        .find(|t| t.sample && t.name == name)
    else {
        return Ok(None);
    };
    store.blob(if answer {
        &t.answer_sha256
    } else {
        &t.input_sha256
    })
}

#[cfg(test)]
mod tests {
    use super::media_type;

    #[test]
    fn media_types_by_extension() {
        assert_eq!(media_type("problem.en.MD"), "text/markdown; charset=utf-8");
        assert_eq!(media_type("problem.pdf"), "application/pdf");
        assert_eq!(media_type("img/kattis.png"), "image/png");
        assert_eq!(media_type("noext"), "application/octet-stream");
    }
}
